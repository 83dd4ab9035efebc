using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>The result of <c>initlab bench</c> (JSON keys of design.md: workload, size, threads, repeat, seconds_min, seconds_median, throughput, unit;
/// and cpu_seconds_min, cpu_seconds_median: the process's CPU time per run, all threads, which a shared machine's preemption does
/// not inflate as it does the wall time).</summary>
internal sealed record BenchResult(string Workload, int Size, int Threads, int Repeat, double SecondsMin, double SecondsMedian, double Throughput, string Unit,
    double CpuSecondsMin = double.NaN, double CpuSecondsMedian = double.NaN);

/// <summary>
/// <c>initlab bench WORKLOAD [--size N] [--threads T] [--repeat R] [--json]</c>: times InitLab's own kernels after one
/// warm-up run (which also touches the memory), and reports the minimum and the median of R timed runs; throughput
/// is work / minimum time.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliContext ctx)
    {
        var names = BenchWorkload.All.Select(w => w.Name).ToArray();
        var workload = new Argument<string>("WORKLOAD")
        {
            Description = "What to time: " + string.Join(", ", names),
            CustomParser = r =>
            {
                string name = CliOptions.Token(r);
                if (BenchWorkload.Find(name) is null) r.AddError($"WORKLOAD: unknown workload '{name}'; valid workloads: {string.Join(", ", names)}.");
                return name;
            },
        };
        var size = CliOptions.OptionalInt("--size",
            "Elements for fills, n for n x n matrices, the width for propagate, the batch for resnet and transformer (default: " +
            string.Join(", ", BenchWorkload.All.GroupBy(w => w.DefaultSize).Select(g => $"{g.Key} for {string.Join("/", g.Select(w => w.Name))}")) + ")", min: 1);
        var threads = CliOptions.Int("--threads", "Threads the kernels may use", Environment.ProcessorCount, min: 1, max: 4096);
        var repeat = CliOptions.Int("--repeat", "Timed runs after the warm-up", 5, min: 1, max: 10_000);
        var json = CliOptions.Json();
        var width = CliOptions.OptionalInt("--width", "propagate, train_step: layer width (same as --size; default: 4096, 256)", min: 1);
        // The network workloads' options have no default values of their own (their defaults are stated), so that a
        // config that records them re-runs on every workload.
        var depth = CliOptions.OptionalInt("--depth", "propagate, train_step: number of (hidden) layers (default: 100)", min: 1);
        var batch = CliOptions.OptionalInt("--batch", "propagate, train_step: batch size (default: 64)", min: 1);
        var engine = CliOptions.Choice("--engine", "propagate: explicit, ensemble or meanfield (default: explicit)", PropagateCommand.EngineNames,
            canonical: n => PropagateCommand.Name(PropagateCommand.ParseEngine(n)));
        var command = Help.Examples(new Command("bench", "Time InitLab's kernels (fills, GEMM, ...) on this machine")
        {
            workload, size, threads, repeat, json, width, depth, batch, engine,
        },
            "initlab bench normal",
            "initlab bench gemm --size 1024 --threads 1 --repeat 10 --json",
            "initlab bench propagate --width 2048 --depth 50 --batch 128 --engine ensemble",
            "initlab bench resnet --threads 1 --repeat 3",
            "initlab bench train_step --width 256 --depth 50 --batch 64 --threads 1");
        command.SetAction(pr =>
        {
            var w = BenchWorkload.Find(pr.GetValue(workload)!)!;
            int? n = pr.GetValue(size);
            if (w.Name is "propagate" or "train_step")
            {
                if (w.Name == "train_step" && pr.IsGiven(engine)) throw new UsageException("--engine applies to the propagate workload, not to train_step.");
                w = w.Name == "train_step"
                    ? BenchWorkload.TrainStep(pr.GetValue(depth) ?? 100, pr.GetValue(batch) ?? 64)
                    : BenchWorkload.Propagate(pr.GetValue(depth) ?? 100, pr.GetValue(batch) ?? 64, PropagateCommand.ParseEngine(pr.GetValue(engine) ?? "explicit"));
                if (pr.GetValue(width) is { } wv)
                {
                    if (n is not null && n != wv) throw new UsageException("--size and --width differ; give one of them.");
                    n = wv;
                }
            }
            else
            {
                // Options of the network workloads would be silently ignored by every other workload.
                foreach (var option in new Option[] { width, depth, batch, engine })
                    if (pr.IsGiven(option))
                        throw new UsageException($"{option.Name} applies to the propagate {(option == engine ? "workload" : "and train_step workloads")} only, not to {w.Name}.");
            }
            int chosen = n ?? w.DefaultSize;
            string sizeOption = pr.IsGiven(width) ? "--width" : "--size";
            if (w.Name is "gemm" or "orthogonal" or "spectral" && (long)chosen * chosen > Array.MaxLength)
                throw new UsageException($"{sizeOption} {chosen} is too large: an n x n matrix must fit in one array (n <= {(int)Math.Sqrt(Array.MaxLength)}).");
            if (chosen > Array.MaxLength)
                throw new UsageException($"{sizeOption} {chosen} is too large: the elements must fit in one array (at most {Array.MaxLength}).");
            var estimate = w.Estimate(chosen);
            Resources.Check(ctx, estimate.Sequential(pr.GetValue(repeat) + 1),
                new Dictionary<string, (string, string)>
                {
                    ["size"] = (sizeOption, chosen.ToString(CultureInfo.InvariantCulture)),
                    ["depth"] = ("--depth", (pr.GetValue(depth) ?? 100).ToString(CultureInfo.InvariantCulture)),
                    ["batch"] = ("--batch", (pr.GetValue(batch) ?? 64).ToString(CultureInfo.InvariantCulture)),
                },
                $"bench {w.Name}");
            var result = Run(w, chosen, pr.GetValue(threads), pr.GetValue(repeat));
            if (pr.GetValue(json))
                ctx.Out.WriteLine(Json.Document(pr, jw =>
                {
                    jw.WriteString("workload", result.Workload);
                    jw.WriteNumber("size", result.Size);
                    jw.WriteNumber("threads", result.Threads);
                    jw.WriteNumber("repeat", result.Repeat);
                    Json.Number(jw, "seconds_min", result.SecondsMin);
                    Json.Number(jw, "seconds_median", result.SecondsMedian);
                    Json.Number(jw, "cpu_seconds_min", result.CpuSecondsMin);
                    Json.Number(jw, "cpu_seconds_median", result.CpuSecondsMedian);
                    Json.Number(jw, "throughput", result.Throughput);
                    jw.WriteString("unit", result.Unit);
                }));
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
        var cpu = new double[repeat];
        for (int r = 0; r < repeat; r++)
        {
            var c0 = Environment.CpuUsage.TotalTime;
            long t0 = Stopwatch.GetTimestamp();
            run();
            seconds[r] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            cpu[r] = (Environment.CpuUsage.TotalTime - c0).TotalSeconds;
        }
        Array.Sort(seconds);
        Array.Sort(cpu);
        return new BenchResult(workload.Name, size, threads, repeat, seconds[0], Median(seconds), workload.Work(size) / seconds[0], workload.Unit,
            cpu[0], Median(cpu));
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);

    private static void Render(CliContext ctx, BenchResult r)
    {
        var table = new Table().AddColumns("workload", "size", "threads", "repeat", "min (s)", "median (s)", "throughput");
        table.AddRow(r.Workload, r.Size.ToString(CultureInfo.InvariantCulture), r.Threads.ToString(CultureInfo.InvariantCulture),
            r.Repeat.ToString(CultureInfo.InvariantCulture), r.SecondsMin.ToString("G4", CultureInfo.InvariantCulture),
            r.SecondsMedian.ToString("G4", CultureInfo.InvariantCulture), $"{r.Throughput.ToString("G4", CultureInfo.InvariantCulture)} {r.Unit}");
        ctx.Console.Write(table);
    }
}
