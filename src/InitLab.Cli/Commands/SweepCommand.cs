using System.CommandLine;
using System.Globalization;
using InitLab.Formats.Sweeps;
using InitLab.Propagation;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab sweep</c>: a grid of propagations over sigma_w x sigma_b, with shards for job arrays
/// (<c>--shard K/N</c>) that <c>initlab merge</c> combines; <c>--plot</c> draws the final std as a heatmap with the
/// mean-field critical line. The document (<see cref="SweepJson"/>) records every setting that defines the sweep.
/// </summary>
internal static class SweepCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions();
        var sigmaW = GridOption("--sigma-w", "sigma_w grid START:STOP:COUNT (or one value), values >= 0", required: true);
        var sigmaB = GridOption("--sigma-b", "sigma_b grid START:STOP:COUNT (or one value), values >= 0", defaultValue: new ParameterGrid(0, 0, 1));
        var engine = CliOptions.Choice("--engine", "explicit, ensemble or meanfield", PropagateCommand.EngineNames, defaultValue: "ensemble",
            canonical: name => PropagateCommand.Name(PropagateCommand.ParseEngine(name)));
        var shard = CliOptions.Shard();
        var json = CliOptions.Json();
        var plot = CliOptions.OutputFile("--plot",
            "Heatmaps of the final correlation of two inputs and of the final std, with the critical line, to FILE.png or FILE.svg (default: no plot)",
            Plots.Extensions);
        var report = HtmlReport.Option();
        var command = Help.Examples(new Command("sweep", "Propagate over a grid of sigma_w x sigma_b"),
            "initlab sweep --act tanh --width 256 --depth 50 --sigma-w 0.5:3:11 --sigma-b 0:0.5:6 --plot phase.png",
            "initlab sweep --act relu --width 128 --depth 30 --sigma-w 1:2:21 --shard 2/4 --json > shard2.json",
            "initlab sweep --act tanh --width 256 --depth 50 --sigma-w 0.5:3:11 --sigma-b 0:0.5:6 --report phase.html");
        o.AddTo(command, withInit: false);
        command.Options.Remove(o.SigmaB);
        foreach (var option in new Option[] { sigmaW, sigmaB, engine, shard, json, plot, report }) command.Add(option);
        command.SetAction(pr =>
        {
            var gw = pr.GetValue(sigmaW)!;
            var gb = pr.GetValue(sigmaB)!;
            var e = PropagateCommand.ParseEngine(pr.GetValue(engine)!);
            var part = pr.GetValue(shard)!;
            long total = (long)gw.Count * gb.Count;
            if (total > int.MaxValue) throw new UsageException($"--sigma-w and --sigma-b make {total} cells, more than {int.MaxValue}.");
            int cellCount = part.Cells((int)total).Count;
            o.CheckResources(pr, ctx, e, backward: false, $"sweep on the {PropagateCommand.Name(e)} engine", runs: cellCount);
            var widths = o.WidthList(pr);
            var activation = o.Activation(pr);
            var input = o.InputBatch(pr, widths[0], out int batch);
            var settings = new SweepSettings(activation.Name, activation.Parameter, gw, gb, [.. widths], batch, pr.GetValue(o.Residual),
                input is null ? pr.GetValue(o.InputVariance) ?? 1.0 : null, pr.GetValue(o.Shared), input is null ? null : Sweep.HashInput(input),
                PropagateCommand.Name(e), o.Seed(pr), LibraryInfo.Version);
            // Every setting is checked (and the engine's support of the network) before the first cell runs.
            settings.Validate();
            Propagator.Check(Sweep.SpecOf(settings, gw.Start, gb.Start, input), e);

            SweepDocument doc;
            bool quiet = pr.GetValue(json);
            if (ctx.Interactive && !quiet)
            {
                SweepDocument? r = null;
                ctx.Console.Progress().AutoClear(false).Start(p =>
                {
                    var task = p.AddTask("sweep", maxValue: cellCount);
                    r = Sweep.Run(settings, part, input, _ => task.Increment(1));
                });
                doc = r!;
            }
            else
            {
                int done = 0, lastDecile = 0;
                doc = Sweep.Run(settings, part, input, _ =>
                {
                    done++;
                    int decile = done * 10 / Math.Max(1, cellCount);
                    if (!quiet && decile > lastDecile)
                    {
                        lastDecile = decile;
                        ctx.Err.WriteLine($"sweep: {done}/{cellCount} cells");
                    }
                });
            }
            if (quiet) ctx.Out.WriteLine(Json.Document(pr, w => SweepJson.WriteProperties(w, doc)));
            else Render(ctx, doc);
            if (pr.GetValue(plot) is { } plotPath)
            {
                PhaseFigure(doc).Save(plotPath);
                if (!quiet) ctx.Out.WriteLine($"wrote {plotPath}");
            }
            if (pr.GetValue(report) is { } reportPath)
            {
                Report(doc, pr).Save(reportPath, Json.Document(pr, w => SweepJson.WriteProperties(w, doc)));
                if (!quiet) ctx.Out.WriteLine($"wrote {reportPath}");
            }
            return CliApp.Ok;
        });
        return command;
    }

    internal static Option<ParameterGrid> GridOption(string name, string description, bool required = false, ParameterGrid? defaultValue = null)
    {
        var option = new Option<ParameterGrid>(name)
        {
            Description = description,
            Required = required,
            HelpName = "START:STOP:COUNT",
            CustomParser = r =>
            {
                try
                {
                    var grid = ParameterGrid.Parse(CliOptions.Token(r), name);
                    if (grid.Start < 0 || grid.Stop < 0) r.AddError($"{name} values must be >= 0 (standard deviations), got {grid}.");
                    return grid;
                }
                catch (ArgumentException e)
                {
                    r.AddError(e.Message);
                    return null;
                }
            },
        };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    internal static void Render(CliContext ctx, SweepDocument doc)
    {
        var s = doc.Settings;
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(
            $"sweep: {InitLab.Activations.ActivationRegistry.Parse(s.Activation, s.ActivationParameter)}, widths {string.Join(",", s.Widths.Distinct())}, depth {s.Depth}, {s.Engine} engine"));
        foreach (var c in new[] { "sigma_w", "sigma_b", "final std", "first non-finite", "verdict" }) table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var c in doc.Cells)
            table.AddRow(Json.Format(c.SigmaW), Json.Format(c.SigmaB), Json.Format(c.FinalStd),
                c.FirstNonFiniteLayer?.ToString(CultureInfo.InvariantCulture) ?? "", c.Verdict);
        ctx.Console.Write(table);
        ctx.Out.WriteLine($"{doc.Cells.Count} of {doc.TotalCells} cells (shard {doc.Shard}).");
    }

    /// <summary>
    /// The critical line drawn on the heatmap: for each sigma_b, the point <see cref="InitLab.Theory.CriticalLine.SigmaW(InitLab.Activations.Activation, double, double)"/>
    /// reports (the same function and the same answer as <c>initlab theory critical</c>), or a gap where it reports none.
    /// </summary>
    internal static (double[] X, double[] Y) CriticalCurve(InitLab.Activations.Activation activation, double[] sigmaB)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (double sb in sigmaB)
            if (InitLab.Theory.CriticalLine.TrySigmaW(activation, sb) is { } point)
            {
                xs.Add(point.SigmaW);
                ys.Add(sb);
            }
        return (xs.ToArray(), ys.ToArray());
    }

    /// <summary>The sweep's configuration in words, for titles.</summary>
    internal static string Configuration(SweepDocument doc)
    {
        var s = doc.Settings;
        var activation = InitLab.Activations.ActivationRegistry.Parse(s.Activation, s.ActivationParameter);
        string widths = s.Widths.Skip(1).Distinct().Count() == 1 ? $"width {s.Widths[1]}" : $"widths {string.Join(",", s.Widths)}";
        return $"{activation}, {widths}, depth {s.Depth}, {s.Engine} engine, batch {s.Batch}";
    }

    /// <summary>
    /// What separates the phases, and the scale: the final correlation of two inputs (1 in the ordered phase, c* &lt; 1
    /// in the chaotic one) with the mean-field critical line, beside log10 of the final std with the critical line.
    /// Without a correlation (batch 1) the std panel alone.
    /// </summary>
    internal static Figure PhaseFigure(SweepDocument doc)
    {
        var s = doc.Settings;
        var (gw, gb) = (s.SigmaW, s.SigmaB);
        var xs = Enumerable.Range(0, gw.Count).Select(i => gw[i]).ToArray();
        var ys = Enumerable.Range(0, gb.Count).Select(i => gb[i]).ToArray();
        var activation = InitLab.Activations.ActivationRegistry.Parse(s.Activation, s.ActivationParameter);
        string configuration = Configuration(doc);
        var critical = CriticalCurve(activation, ys);
        var criticalLine = new PlotLine(critical.X, critical.Y, "critical line (chi_1 = 1)", "red");
        var std = Grid(doc, c => double.IsFinite(c.FinalStd) && c.FinalStd > 0 ? Math.Log10(c.FinalStd) : c.FinalStd == 0 ? -45 : 39);
        // Overflowed cells are drawn at the top of the scale, underflowed ones at the bottom.
        for (int i = 0; i < std.GetLength(0); i++)
            for (int j = 0; j < std.GetLength(1); j++) std[i, j] = Math.Clamp(std[i, j], -45, 39);
        var stdPanel = Plots.HeatmapPlot($"log10 final std: {configuration}", std, xs, ys,
            "sigma_w (weight std x sqrt(fan_in))", "sigma_b (bias std)", "log10 std of the last layer", [criticalLine]);
        if (doc.Cells.Count == 0 || doc.Cells.Any(c => c.FinalCorrelation is null)) return new Figure([stdPanel], 800, 600);
        var correlation = Grid(doc, c => c.FinalCorrelation ?? double.NaN);
        var correlationPanel = Plots.HeatmapPlot($"final correlation of two inputs: {configuration}", correlation, xs, ys,
            "sigma_w (weight std x sqrt(fan_in))", "sigma_b (bias std)", "correlation c of the last layer", [criticalLine], (Math.Min(0, MinFinite(correlation)), 1));
        return new Figure([correlationPanel, stdPanel], 820, 620);
    }

    /// <summary>The grid of a cell quantity, [sigma_b index, sigma_w index]; NaN where a shard has no cell.</summary>
    private static double[,] Grid(SweepDocument doc, Func<SweepCell, double> value)
    {
        var (gw, gb) = (doc.Settings.SigmaW, doc.Settings.SigmaB);
        var values = new double[gb.Count, gw.Count];
        for (int i = 0; i < gb.Count; i++)
            for (int j = 0; j < gw.Count; j++) values[i, j] = double.NaN;
        foreach (var c in doc.Cells) values[c.Index % gb.Count, c.Index / gb.Count] = value(c);
        return values;
    }

    private static double MinFinite(double[,] values)
    {
        double min = double.PositiveInfinity;
        foreach (double v in values)
            if (double.IsFinite(v) && v < min) min = v;
        return double.IsFinite(min) ? min : 0;
    }

    /// <summary>The sweep's HTML report: the phase figure, the verdict counts, every cell with mean-field theory beside it.</summary>
    internal static HtmlReport Report(SweepDocument doc, ParseResult pr)
    {
        var s = doc.Settings;
        var activation = InitLab.Activations.ActivationRegistry.Parse(s.Activation, s.ActivationParameter);
        var report = new HtmlReport("sweep", Configuration(doc), pr);
        report.Heading("Phase diagram");
        var counts = doc.Cells.GroupBy(c => c.Verdict).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}");
        report.Paragraph($"{doc.Cells.Count} of {doc.TotalCells} cells (shard {doc.Shard}): {string.Join(", ", counts)}.");
        report.Figure("Left: the correlation of two inputs after the last layer, which separates the ordered phase (c -> 1, inputs become indistinguishable) " +
            "from the chaotic one (c -> c* < 1), with mean-field theory's critical line chi_1 = 1 (Poole et al. 2016). " +
            "Right: log10 of the last layer's std (overflow at the top of the scale, underflow at the bottom).",
            PhaseFigure(doc));
        report.Table("Cells, with mean-field theory's chi_1 at each (sigma_w, sigma_b)",
            ["sigma_w", "sigma_b", "final std", "final correlation", "first non-finite layer", "verdict", "chi_1 (theory)", "phase (theory)"],
            doc.Cells.Select(c =>
            {
                double chi1 = new InitLab.Theory.MeanFieldModel(activation, c.SigmaW, c.SigmaB).FindChi1(s.InputVariance ?? 1.0).Chi1;
                return (IReadOnlyList<string>)[Json.Format(c.SigmaW), Json.Format(c.SigmaB), Json.Format(c.FinalStd),
                    c.FinalCorrelation is { } r ? Json.Format(r) : "", c.FirstNonFiniteLayer?.ToString(CultureInfo.InvariantCulture) ?? "", c.Verdict,
                    Json.Format(chi1), InitLab.Theory.MeanFieldModel.PhaseOf(chi1).ToString().ToLowerInvariant()];
            }), i => doc.Cells[i].Verdict == "stable" ? null : "warn");
        return report;
    }
}
