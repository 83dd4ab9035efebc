using System.CommandLine;
using InitLab.Experiments;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab reproduce [--seed N] [--seeds K] [--generator philox|torch] [--json]</c>: the classic initialization
/// experiments; with <c>--generator torch</c> each experiment draws x and a exactly as the PyTorch notebook does after
/// <c>torch.manual_seed(N)</c>.
/// </summary>
internal static class ReproduceCommand
{
    /// <summary>The files --plot DIR writes.</summary>
    internal static IReadOnlyList<string> PlotFiles { get; } = ["classic-loops.png", "classic-loops.svg"];

    /// <summary>The warm-up thread of this process's run, if <see cref="StartWarmUp"/> started one.</summary>
    private static Thread? warmUp;

    public static Command Create(CliContext ctx)
    {
        var seed = CliOptions.Seed();
        // About 1.5 s per seed: 10000 seeds is already four hours.
        var seeds = CliOptions.Int("--seeds", "Repeat each experiment over K seeds (1..10000) and report min / median / max", 1, min: 1, max: 10_000);
        var generator = CliOptions.Generator("each experiment starts from torch.manual_seed(SEED) and draws x and a as the notebook does");
        var json = CliOptions.Json();
        var plot = new Option<string?>("--plot")
        {
            Description = "Write the classic loops' std per layer to DIR/classic-loops.png and .svg (default: no plots)",
            HelpName = "DIR",
            CustomParser = r =>
            {
                string dir = CliOptions.Token(r);
                if (string.IsNullOrWhiteSpace(dir)) r.AddError("--plot needs a directory name, got an empty one.");
                else if (InitLab.Formats.FileKinds.OfTarget(dir) is var kind && kind != InitLab.Formats.FileKind.Directory)
                    r.AddError(kind == InitLab.Formats.FileKind.Missing ? $"--plot directory '{dir}' does not exist."
                        : $"--plot '{dir}' is {InitLab.Formats.FileKinds.Describe(kind)}, not a directory.");
                else
                    foreach (string name in PlotFiles)
                        if (OutputFiles.Problem(Path.Combine(dir, name), "--plot") is { } problem)
                        {
                            r.AddError(problem);
                            break;
                        }
                return dir;
            },
        };
        var report = HtmlReport.Option();
        var command = Help.Examples(new Command("reproduce", "Run the classic initialization experiments and compare them with theory") { seed, seeds, generator, json, plot, report },
            "initlab reproduce",
            "initlab reproduce --generator torch --seed 0",
            "initlab reproduce --seeds 20 --json",
            "initlab reproduce --seed 3 --plot figures",
            "initlab reproduce --report classic.html");
        command.SetAction(pr =>
        {
            ulong s = (ulong)pr.GetValue(seed);
            int k = pr.GetValue(seeds);
            var kind = pr.GeneratorOf(generator);
            var results = ClassicExperiments.RunAll(s, k, generator: kind);
            // One render at a time: the real one waits for the warm-up's if it is still running (then it costs about what a
            // cold render would).
            warmUp?.Join();
            if (pr.GetValue(json)) ctx.Out.WriteLine(ToJson(pr, s, k, results));
            else Render(ctx, s, k, results, kind);
            if (pr.GetValue(plot) is { } dir)
            {
                var curves = ClassicExperiments.LoopCurves(s, kind)
                    .Select(c => new PlotSeries(c.Label, Enumerable.Range(0, c.Std.Length).Select(i => (double)i).ToArray(), c.Std)).ToList();
                foreach (string name in PlotFiles)
                {
                    string path = Path.Combine(dir, name);
                    Plots.StdPerLayer(path, "x = a @ x with one 512 x 512 matrix, 100 times", curves, legend: ScottPlot.Alignment.UpperRight);
                    if (!pr.GetValue(json)) ctx.Out.WriteLine($"wrote {path}");
                }
            }
            if (pr.GetValue(report) is { } reportPath)
            {
                Report(pr, s, k, results).Save(reportPath, ToJson(pr, s, k, results));
                if (!pr.GetValue(json)) ctx.Out.WriteLine($"wrote {reportPath}");
            }
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>The report: how many experiments agree, the classic loops' std per layer, and every experiment's numbers.</summary>
    private static HtmlReport Report(ParseResult pr, ulong seed, int seeds, IReadOnlyList<ExperimentResult> results)
    {
        string seedText = seeds == 1 ? $"seed {seed}" : $"seeds {seed}..{seed + (ulong)seeds - 1}";
        var report = new HtmlReport("reproduce", $"the classic initialization experiments, {seedText}", pr);
        int agree = results.Count(r => r.Agrees);
        report.Heading("Verdict");
        report.Verdict(agree == results.Count ? "agrees" : "disagrees", $"{agree} of {results.Count} experiments agree with theory.");
        var curves = ClassicExperiments.LoopCurves(seed)
            .Select(c => new PlotSeries(c.Label, Enumerable.Range(0, c.Std.Length).Select(i => (double)i).ToArray(), c.Std)).ToList();
        report.Heading("The classic loop");
        report.Figure("x = a @ x repeated 100 times with one 512 x 512 matrix a: N(0, 1) entries explode to NaN near layer 28, entries scaled by 0.01 " +
            "vanish to exactly 0, and 1/sqrt(512) (Xavier / LeCun) keeps the std near 1.",
            new Figure([Plots.LogLines($"x = a @ x with one 512 x 512 matrix, 100 times (seed {seed})", "layer (matrix products)",
                "std of x (log scale)", curves, ScottPlot.Alignment.UpperRight)]));
        report.Heading("Experiments");
        report.Table(seeds == 1 ? "Theory against measurement" : "Theory against measurement (min / median / max over the seeds)",
            ["id", "experiment", "theory predicts", "measured", "agrees", "check"],
            results.Select(r => (IReadOnlyList<string>)[r.Id, r.Title,
                string.Join("; ", r.Predicted.Select(kv => $"{kv.Key} = {Json.Format(kv.Value)}")),
                MeasuredText(r.Measured, seeds).Replace("\n", "; ", StringComparison.Ordinal), r.Agrees ? "yes" : "no", r.Check]),
            i => results[i].Agrees ? null : "bad");
        return report;
    }

    internal static string ToJson(ParseResult pr, ulong seed, int seeds, IReadOnlyList<ExperimentResult> results) => Json.Document(pr, w =>
    {
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
    });

    private static void Render(CliContext ctx, ulong seed, int seeds, IReadOnlyList<ExperimentResult> results, Random.GeneratorKind generator)
    {
        ctx.Console.Write(Table(seed, seeds, results, generator));
        int agree = results.Count(r => r.Agrees);
        ctx.Out.WriteLine($"{agree} of {results.Count} experiments agree with theory.");
    }

    private static Table Table(ulong seed, int seeds, IReadOnlyList<ExperimentResult> results, Random.GeneratorKind generator)
    {
        string source = generator == Random.GeneratorKind.Torch ? $"PyTorch {Random.TorchGenerator.PyTorchVersion} generator, " : "";
        var table = new Table().Border(TableBorder.Rounded)
            .Title(seeds == 1 ? $"Classic initialization experiments ({source}seed {seed})" : $"Classic initialization experiments ({source}seeds {seed}..{seed + (ulong)seeds - 1}: min / median / max)");
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
        return table;
    }

    /// <summary>
    /// Starts, on a background thread, what <c>initlab reproduce</c> will need warm: the experiments' first kernels, which
    /// both workers would otherwise wait for at their start, and the first render of its table, which costs tens of
    /// milliseconds of cold code (Spectre's console, layout, markup, borders) serial after the experiments. Started first
    /// thing, it runs on the core that idles while the console and the command tree are built. It writes nothing anywhere,
    /// never delays the exit (a background thread) and never fails the command.
    /// </summary>
    /// <param name="interactive">Whether the real console is a terminal: the discarded one is made the same way, so that
    /// the warm-up runs the code paths (capabilities, width) of the real render.</param>
    internal static void StartWarmUp(bool interactive)
    {
        warmUp = new Thread(() =>
        {
            try
            {
                ClassicExperiments.WarmUp();
                WarmUp(new CliContext(TextWriter.Null, TextWriter.Null, interactive));
            }
            catch (Exception)
            {
                // Only speed is at stake: the real render reports any real problem.
            }
        })
        { IsBackground = true, Name = "reproduce warm-up" };
        warmUp.Start();
    }

    /// <summary>Renders a table of the same shape (made-up results) to <paramref name="discarded"/>'s console, so that the
    /// real render later runs warm code.</summary>
    private static void WarmUp(CliContext discarded)
    {
        var measured = new Dictionary<string, double> { ["std"] = 1.0, ["std_se"] = 0.01, ["mean"] = -0.5 };
        var predicted = new Dictionary<string, double> { ["std"] = 1.0, ["mean"] = 0 };
        ExperimentResult[] fake = [new("warm-up", "warm-up", predicted, measured, true, "within 5 se"),
            new("warm-up [2]", "warm-up", predicted, measured, false, "within 5 se")];
        discarded.Console.Write(Table(0, 1, fake, Random.GeneratorKind.Philox));
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
