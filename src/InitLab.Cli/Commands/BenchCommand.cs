using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>The result of <c>initlab bench</c>, with the JSON key names of design.md.</summary>
internal sealed record BenchResult(
    [property: JsonPropertyName("workload")] string Workload,
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("repeat")] int Repeat,
    [property: JsonPropertyName("seconds_min")] double SecondsMin,
    [property: JsonPropertyName("seconds_median")] double SecondsMedian,
    [property: JsonPropertyName("throughput")] double Throughput,
    [property: JsonPropertyName("unit")] string Unit);

/// <summary>
/// <c>initlab bench WORKLOAD [--size N] [--threads T] [--repeat R] [--json]</c>: times InitLab's own kernels after one
/// warm-up run (which also touches the memory), and reports the minimum and the median of R timed runs; throughput
/// is work / minimum time.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext ctx)
    {
        var workload = new Argument<string>("workload")
        {
            Description = "What to time: " + string.Join(", ", BenchWorkload.All.Select(w => w.Name)),
        };
        workload.AcceptOnlyFromAmong([.. BenchWorkload.All.Select(w => w.Name)]);
        var size = new Option<int?>("--size") { Description = "Elements for fills, n for n x n matrices (default per workload)" };
        size.Validators.Add(r =>
        {
            // A token that is not an integer is reported by the parser itself.
            if (r.Tokens.Count == 1 && int.TryParse(r.Tokens[0].Value, CultureInfo.InvariantCulture, out int v) && v < 1)
                r.AddError($"--size must be >= 1, got {v}.");
        });
        var threads = CommonOptions.IntAtLeast("--threads", "Threads the kernels may use", 1, Environment.ProcessorCount);
        var repeat = CommonOptions.IntAtLeast("--repeat", "Timed runs after the warm-up", 1, 5);
        var json = CommonOptions.Json();
        var width = new Option<int?>("--width") { Description = "propagate: layer width (same as --size; default 4096)" };
        var depth = CommonOptions.IntAtLeast("--depth", "propagate: number of layers", 1, 100);
        var batch = CommonOptions.IntAtLeast("--batch", "propagate: batch size", 1, 64);
        var engine = new Option<string>("--engine") { Description = "propagate: explicit, ensemble or meanfield", DefaultValueFactory = _ => "explicit" };
        var command = new Command("bench", "Time InitLab's kernels (fills, GEMM, ...) on this machine") { workload, size, threads, repeat, json, width, depth, batch, engine };
        command.SetAction(pr =>
        {
            var w = BenchWorkload.Find(pr.GetValue(workload)!)!;
            int? n = pr.GetValue(size);
            if (w.Name == "propagate")
            {
                w = BenchWorkload.Propagate(pr.GetValue(depth), pr.GetValue(batch), PropagateCommand.ParseEngine(pr.GetValue(engine)!));
                if (pr.GetValue(width) is { } wv)
                {
                    if (wv < 1) throw new UsageException($"--width must be >= 1, got {wv}.");
                    if (n is not null && n != wv) throw new UsageException("--size and --width differ; give one of them.");
                    n = wv;
                }
            }
            int chosen = n ?? w.DefaultSize;
            if (w.Name is "gemm" or "orthogonal" or "spectral" && (long)chosen * chosen > Array.MaxLength)
                throw new UsageException($"--size {chosen} is too large: an n x n matrix must fit in one array (n <= {(int)Math.Sqrt(Array.MaxLength)}).");
            var result = Run(w, chosen, pr.GetValue(threads), pr.GetValue(repeat));
            if (pr.GetValue(json)) ctx.Out.WriteLine(JsonSerializer.Serialize(result));
            else Render(ctx, result);
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>Warm-up once, then <paramref name="repeat"/> timed runs at <paramref name="threads"/> threads.</summary>
    public static BenchResult Run(BenchWorkload workload, int size, int threads, int repeat)
    {
        Action run = workload.Prepare(size, threads);
        run();
        var seconds = new double[repeat];
        for (int r = 0; r < repeat; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            run();
            seconds[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        Array.Sort(seconds);
        double median = repeat % 2 == 1 ? seconds[repeat / 2] : 0.5 * (seconds[repeat / 2 - 1] + seconds[repeat / 2]);
        return new BenchResult(workload.Name, size, threads, repeat, seconds[0], median, workload.Work(size) / seconds[0], workload.Unit);
    }

    private static void Render(CliContext ctx, BenchResult r)
    {
        var table = new Table().AddColumns("workload", "size", "threads", "repeat", "min (s)", "median (s)", "throughput");
        table.AddRow(r.Workload, r.Size.ToString(CultureInfo.InvariantCulture), r.Threads.ToString(CultureInfo.InvariantCulture),
            r.Repeat.ToString(CultureInfo.InvariantCulture), r.SecondsMin.ToString("G4", CultureInfo.InvariantCulture),
            r.SecondsMedian.ToString("G4", CultureInfo.InvariantCulture), $"{r.Throughput.ToString("G4", CultureInfo.InvariantCulture)} {r.Unit}");
        ctx.Console.Write(table);
    }
}
