using System.CommandLine;
using InitLab.Experiments;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary><c>initlab reproduce [--seed N] [--seeds K] [--json]</c>: the classic initialization experiments.</summary>
internal static class ReproduceCommand
{
    public static Command Create(CliContext ctx)
    {
        var seed = CommonOptions.Seed();
        var seeds = CommonOptions.IntAtLeast("--seeds", "Repeat each experiment over K seeds (1..10000) and report min / median / max", 1, 1);
        seeds.Validators.Add(r =>
        {
            // About 1.5 s per seed: 10000 seeds is already four hours.
            if (CommonOptions.TryValue<int>(r, out var v) && v > 10_000) r.AddError($"--seeds must be at most 10000, got {v}.");
        });
        var json = CommonOptions.Json();
        var plot = new Option<string?>("--plot") { Description = "Write the classic loops' std per layer to DIR/classic-loops.png and .svg" };
        var command = new Command("reproduce", "Run the classic initialization experiments and compare them with theory") { seed, seeds, json, plot };
        command.SetAction(pr =>
        {
            ulong s = (ulong)pr.GetValue(seed);
            int k = pr.GetValue(seeds);
            var results = ClassicExperiments.RunAll(s, k);
            if (pr.GetValue(json)) ctx.Out.WriteLine(ToJson(s, k, results));
            else Render(ctx, s, k, results);
            if (pr.GetValue(plot) is { } dir)
            {
                if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"--plot directory '{dir}' does not exist.");
                var curves = ClassicExperiments.LoopCurves(s)
                    .Select(c => new PlotSeries(c.Label, Enumerable.Range(0, c.Std.Length).Select(i => (double)i).ToArray(), c.Std)).ToList();
                foreach (var ext in new[] { "png", "svg" })
                {
                    string path = Path.Combine(dir, $"classic-loops.{ext}");
                    Plots.StdPerLayer(path, "x = a @ x with one 512 x 512 matrix, 100 times", curves, legend: ScottPlot.Alignment.UpperRight);
                    if (!pr.GetValue(json)) ctx.Out.WriteLine($"wrote {path}");
                }
            }
            return CliApp.Ok;
        });
        return command;
    }

    internal static string ToJson(ulong seed, int seeds, IReadOnlyList<ExperimentResult> results) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("seed", seed);
        w.WriteNumber("seeds", seeds);
        w.WriteStartArray("experiments");
        foreach (var r in results)
        {
            w.WriteStartObject();
            w.WriteString("id", r.Id);
            w.WriteString("title", r.Title);
            Json.Object(w, "predicted", r.Predicted);
            Json.Object(w, "measured", r.Measured);
            w.WriteBoolean("agrees", r.Agrees);
            w.WriteString("check", r.Check);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void Render(CliContext ctx, ulong seed, int seeds, IReadOnlyList<ExperimentResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(seeds == 1 ? $"Classic initialization experiments (seed {seed})" : $"Classic initialization experiments (seeds {seed}..{seed + (ulong)seeds - 1}: min / median / max)");
        table.AddColumn("id");
        table.AddColumn("theory predicts");
        table.AddColumn("measured");
        table.AddColumn("agrees");
        foreach (var r in results)
        {
            table.AddRow(
                Markup.Escape(r.Id),
                Markup.Escape(string.Join("\n", r.Predicted.Select(kv => $"{kv.Key} = {Json.Format(kv.Value)}"))),
                Markup.Escape(MeasuredText(r.Measured, seeds)),
                r.Agrees ? "[green]yes[/]" : "[red]no[/]");
        }
        ctx.Console.Write(table);
        int agree = results.Count(r => r.Agrees);
        ctx.Out.WriteLine($"{agree} of {results.Count} experiments agree with theory.");
    }

    private static string MeasuredText(IReadOnlyDictionary<string, double> measured, int seeds)
    {
        if (seeds == 1)
            return string.Join("\n", measured.Where(kv => !kv.Key.EndsWith("_se", StringComparison.Ordinal))
                .Select(kv => $"{kv.Key} = {Json.Format(kv.Value)}" + (measured.TryGetValue(kv.Key + "_se", out var se) ? $" ± {Json.Format(se)}" : "")));
        // Group key_min / key_median / key_max on one line.
        return string.Join("\n", measured.Keys.Where(key => key.EndsWith("_min", StringComparison.Ordinal))
            .Select(key => key[..^4])
            .Where(key => !key.EndsWith("_se", StringComparison.Ordinal))
            .Select(key => $"{key} = {Json.Format(measured[key + "_min"])} / {Json.Format(measured[key + "_median"])} / {Json.Format(measured[key + "_max"])}"));
    }
}
