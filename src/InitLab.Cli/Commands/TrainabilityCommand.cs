using System.CommandLine;
using System.Globalization;
using InitLab.Activations;
using InitLab.Formats.Trainability;
using InitLab.Propagation;
using InitLab.Theory;
using InitLab.Training;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab trainability</c>: Schoenholz et al. 2017's trainability figure on Fashion-MNIST. Every (sigma_w, depth) of
/// the grid trains an MLP for --steps steps and records its test accuracy; shards (<c>--shard K/N</c> or <c>auto</c> in a
/// job array) merge with <c>initlab merge</c>; <c>--plot</c> draws the accuracy heatmap with the theory's 6 xi_c curve
/// and the critical sigma_w over it. The document is <see cref="TrainabilityJson"/>'s, plus the config.
/// </summary>
internal static class TrainabilityCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions();
        var t = new TrainingCliOptions(defaultSteps: 300);
        var sigmaW = SweepCommand.GridOption("--sigma-w", "sigma_w grid START:STOP:COUNT (or one value), values >= 0", required: true);
        var depth = new Option<ParameterGrid>("--depth")
        {
            Description = "Depth grid START:STOP:COUNT of whole numbers >= 1 (or one value)",
            Required = true,
            HelpName = "START:STOP:COUNT",
            CustomParser = r =>
            {
                try
                {
                    var grid = ParameterGrid.Parse(CliOptions.Token(r), "--depth");
                    Trainability.Depths(grid, "--depth");
                    return grid;
                }
                catch (ArgumentException e)
                {
                    r.AddError(e.Message);
                    return null;
                }
            },
        };
        var width = CliOptions.Int("--width", "Hidden width N", 256, min: 1);
        var shard = CliOptions.Shard();
        var json = CliOptions.Json();
        var plot = CliOptions.OutputFile("--plot", "Heatmap of test accuracy with 6 xi_c and the critical line, to FILE.png or FILE.svg (default: no plot)", Plots.Extensions);
        var command = Help.Examples(new Command("trainability", "Train a sigma_w x depth grid of MLPs on Fashion-MNIST; compare the trainable depth with 6 xi_c"),
            "initlab trainability --act tanh --sigma-b 0.05 --sigma-w 1:4:7 --depth 10:60:6 --width 128 --steps 200 --plot trainability.png",
            "initlab trainability --act tanh --sigma-b 0.05 --sigma-w 0.5:4:15 --depth 5:95:10 --lr 0.001 --shard 1/4 --json > shard1.json");
        foreach (var option in new Option[] { o.Act, o.Param, width, o.SigmaB, o.SeedOption, sigmaW, depth, shard, json, plot }) command.Add(option);
        t.AddTo(command);
        command.SetAction(pr =>
        {
            var gw = pr.GetValue(sigmaW)!;
            var gd = pr.GetValue(depth)!;
            var depths = Trainability.Depths(gd, "--depth");
            var part = pr.GetValue(shard)!;
            long total = (long)gw.Count * gd.Count;
            if (total > int.MaxValue) throw new UsageException($"--sigma-w and --depth make {total} cells, more than {int.MaxValue}.");
            if (part.Count > total) throw new UsageException($"--shard {part} splits {total} cells into more shards than cells.");
            var cells = part.Cells((int)total);
            var activation = o.Activation(pr);
            var options = t.Options(pr);
            int n = pr.GetValue(width);
            // The deepest network bounds the memory; every cell of the shard adds its work (counted at the deepest, an upper bound).
            t.CheckResources(pr, ctx, n, depths.Max(), ("--width", n.ToString(CultureInfo.InvariantCulture)), ("--depth", gd.ToString()),
                "the trainability grid", runs: cells.Count);
            var (train, test) = t.LoadData(pr);
            var settings = new TrainabilitySettings(activation.Name, activation.Parameter, gw, gd, n, pr.GetValue(o.SigmaB), options.Steps, options.BatchSize,
                options.Optimizer.Name, options.Optimizer.LearningRate, (options.Optimizer as Optimizer.Sgd)?.Momentum, train.Count, test.Count,
                TrainabilitySettings.Fingerprint(train, test), o.Seed(pr), LibraryInfo.Version);
            settings.Validate();
            bool quiet = pr.GetValue(json);
            int done = 0;
            var doc = Trainability.Run(settings, part, train, test, index =>
            {
                done++;
                if (!quiet) ctx.Err.WriteLine(FormattableString.Invariant($"trainability: {done}/{cells.Count} cells (cell {index})"));
            });
            if (quiet) ctx.Out.WriteLine(Json.Document(pr, w => TrainabilityJson.WriteProperties(w, doc)));
            else Render(ctx, doc);
            if (pr.GetValue(plot) is { } plotPath)
            {
                Heatmap(plotPath, doc);
                if (!quiet) ctx.Out.WriteLine($"wrote {plotPath}");
            }
            return CliApp.Ok;
        });
        return command;
    }

    internal static void Render(CliContext ctx, TrainabilityDocument doc)
    {
        var s = doc.Settings;
        var depths = Trainability.Depths(s.Depth);
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(
            $"test accuracy: {s.Activation}, width {s.Width}, sigma_b {Json.Format(s.SigmaB)}, {s.Steps} steps of {s.Batch}, {s.Optimizer} lr {Json.Format(s.LearningRate)}"));
        table.AddColumn(new TableColumn(Markup.Escape("depth \\ sigma_w")).RightAligned());
        for (int i = 0; i < s.SigmaW.Count; i++) table.AddColumn(new TableColumn(Json.Format(s.SigmaW[i])).RightAligned());
        var byIndex = doc.Cells.ToDictionary(c => c.Index);
        for (int id = depths.Length - 1; id >= 0; id--)
        {
            var row = new List<string> { depths[id].ToString(CultureInfo.InvariantCulture) };
            for (int iw = 0; iw < s.SigmaW.Count; iw++)
                row.Add(byIndex.TryGetValue(iw * depths.Length + id, out var c)
                    ? c.TestAccuracy is { } a ? a.ToString("0.00", CultureInfo.InvariantCulture) : "div" : "");
            table.AddRow(row.ToArray());
        }
        ctx.Console.Write(table);
        ctx.Out.WriteLine($"{doc.Cells.Count} of {s.TotalCells} cells (shard {doc.Shard}); div = diverged.");
        if (!doc.IsWhole) return;
        var summary = new Table().Border(TableBorder.Rounded).Title("trainable depth: the deepest that reached the threshold (half-way from chance to the best at its sigma_w)");
        foreach (var col in new[] { "sigma_w", "xi_c", "6 xi_c", "measured", "threshold", "best accuracy" }) summary.AddColumn(new TableColumn(col).RightAligned());
        foreach (var d in TrainabilityAnalysis.Of(doc).Depths)
            summary.AddRow(Json.Format(d.SigmaW), d.XiC is { } x ? Json.Format(x) : "", d.PredictedDepth is { } p ? Json.Format(p) : "",
                d.MeasuredDepth?.ToString(CultureInfo.InvariantCulture) ?? "none", d.Threshold.ToString("0.000", CultureInfo.InvariantCulture),
                d.BestAccuracy is { } b ? b.ToString("0.000", CultureInfo.InvariantCulture) : "");
        ctx.Console.Write(summary);
    }

    /// <summary>Test accuracy over (sigma_w, depth), with the 6 xi_c curve and the critical sigma_w drawn over it.</summary>
    internal static void Heatmap(string path, TrainabilityDocument doc)
    {
        var s = doc.Settings;
        var depths = Trainability.Depths(s.Depth);
        var values = new double[depths.Length, s.SigmaW.Count];
        for (int i = 0; i < depths.Length; i++)
            for (int j = 0; j < s.SigmaW.Count; j++) values[i, j] = double.NaN;
        // A diverged cell learned nothing: it is drawn at chance.
        foreach (var c in doc.Cells) values[c.Index % depths.Length, c.Index / depths.Length] = c.TestAccuracy ?? 0.1;
        var xs = Enumerable.Range(0, s.SigmaW.Count).Select(i => s.SigmaW[i]).ToArray();
        var ys = depths.Select(d => (double)d).ToArray();
        var activation = ActivationRegistry.Parse(s.Activation, s.ActivationParameter);
        Plots.Heatmap(path, $"Fashion-MNIST test accuracy after {s.Steps} steps ({s.Activation}, width {s.Width}, sigma_b {Json.Format(s.SigmaB)})",
            values, xs, ys, "sigma_w", "depth L", "test accuracy", TheoryLines(activation, s.SigmaB, xs, ys),
            range: (0.1, Math.Max(0.2, doc.Cells.Max(c => c.TestAccuracy ?? 0))));
    }

    /// <summary>
    /// 6 xi_c over the plotted sigma_w range (one curve per side of the critical point, since xi_c diverges there),
    /// clipped to the plotted depths, and the critical sigma_w as a vertical line.
    /// </summary>
    internal static IReadOnlyList<PlotLine> TheoryLines(Activation activation, double sigmaB, double[] xs, double[] ys)
    {
        // The plotted area: half a cell beyond the first and last grid values.
        double hx = xs.Length > 1 ? (xs[^1] - xs[0]) / (xs.Length - 1) / 2 : 0.5, hy = ys.Length > 1 ? (ys[^1] - ys[0]) / (ys.Length - 1) / 2 : 0.5;
        double x0 = Math.Max(0, xs[0] - hx), x1 = xs[^1] + hx, y0 = ys[0] - hy, y1 = ys[^1] + hy;
        var lines = new List<PlotLine>();
        double? critical = null;
        try
        {
            critical = CriticalLine.SigmaW(activation, sigmaB).SigmaW;
        }
        catch (ArgumentException)
        {
            // No critical point for this activation and sigma_b: no line.
        }
        double top = y1, bottom = Math.Max(0, y0);
        var segment = (X: new List<double>(), Y: new List<double>());
        bool labelled = false;
        void Flush()
        {
            if (segment.X.Count > 1)
            {
                lines.Add(new PlotLine([.. segment.X], [.. segment.Y], labelled ? "" : "6 xi_c (mean-field trainable depth)", "red"));
                labelled = true;
            }
            segment = (new List<double>(), new List<double>());
        }
        double? Depth(double sw) => sw > 0 ? TrainabilityPrediction.Theory(activation, sw, sigmaB).XiC * TrainabilityPrediction.DepthScaleMultiple : null;
        bool Inside(double? d) => d is { } v && double.IsFinite(v) && v <= top && v >= bottom;
        // Where the curve leaves the plot between an inside and an outside sample: 8 bisections put the end within
        // (x1 - x0) / 40 / 256 of the edge instead of a whole sample short of it.
        (double X, double Y) Edge(double inside, double outside)
        {
            double yIn = Depth(inside)!.Value;
            for (int k = 0; k < 8; k++)
            {
                double mid = 0.5 * (inside + outside);
                if (critical is { } c && (mid - c) * (inside - c) <= 0) outside = mid;
                else if (Depth(mid) is var d && Inside(d)) (inside, yIn) = (mid, d!.Value);
                else outside = mid;
            }
            return (inside, yIn);
        }
        // Each point is a mean-field analysis (quadratures and a root search, tens of milliseconds): 40 draw a smooth curve.
        const int points = 40;
        double previousX = x0;
        double? previous = null;
        for (int i = 0; i <= points; i++)
        {
            double sw = x0 + (x1 - x0) * i / points;
            bool crossesCritical = critical is { } c && i > 0 && (previousX - c) * (sw - c) <= 0;
            double? depth = Depth(sw);
            if (i > 0 && Inside(previous) && (!Inside(depth) || crossesCritical))
            {
                var (ex, ey) = Edge(previousX, sw);
                segment.X.Add(ex);
                segment.Y.Add(ey);
                Flush();
            }
            if (Inside(depth))
            {
                if (i > 0 && (!Inside(previous) || crossesCritical))
                {
                    var (ex, ey) = Edge(sw, previousX);
                    segment.X.Add(ex);
                    segment.Y.Add(ey);
                }
                segment.X.Add(sw);
                segment.Y.Add(depth!.Value);
            }
            (previousX, previous) = (sw, depth);
        }
        Flush();
        if (critical is { } cw && cw >= x0 && cw <= x1)
            lines.Add(new PlotLine([cw, cw], [bottom, top], $"critical sigma_w = {cw:0.###} (chi_1 = 1)", "cyan", Dashed: true));
        return lines;
    }
}
