using System.CommandLine;
using System.Globalization;
using InitLab.Activations;
using InitLab.Propagation;
using InitLab.Theory;
using InitLab.Training;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab trainability</c>: Schoenholz et al. 2017's trainability figure on Fashion-MNIST. Every (sigma_w, depth) of
/// the grid trains an MLP for --steps steps and records its test accuracy; shards (<c>--shard K/N</c> or <c>auto</c> in a
/// job array) merge with <c>initlab merge</c>; <c>--plot</c> draws the accuracy heatmap with the theory's 6 xi_c curve
/// and the critical sigma_w over it.
/// </summary>
internal static class TrainabilityCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions();
        var t = new TrainingCliOptions(defaultSteps: 300);
        var sigmaW = new Option<string>("--sigma-w") { Description = "sigma_w grid START:STOP:COUNT", Required = true };
        var depth = new Option<string>("--depth") { Description = "Depth grid START:STOP:COUNT (whole numbers)", Required = true };
        var width = CommonOptions.IntAtLeast("--width", "Hidden width N", 1, 256);
        var shard = new Option<string?>("--shard") { Description = "Run shard K of N (1-based): K/N, or auto / auto/N in a SLURM or Kubernetes job array" };
        var json = CommonOptions.Json();
        var plot = new Option<string?>("--plot") { Description = "Heatmap of test accuracy with 6 xi_c and the critical line, to FILE.png or FILE.svg" };
        var command = new Command("trainability", "Train a sigma_w x depth grid of MLPs and compare the trainable depth with 6 xi_c");
        foreach (var option in new Option[] { o.Act, o.Param, width, o.SigmaB, o.SeedOption, sigmaW, depth, shard, json, plot }) command.Add(option);
        t.AddTo(command);
        command.SetAction(pr =>
        {
            var gw = ParameterGrid.Parse(pr.GetValue(sigmaW)!, "--sigma-w");
            for (int i = 0; i < gw.Count; i++)
                if (!(gw[i] >= 0)) throw new UsageException($"--sigma-w values must be >= 0, got {gw[i].ToString("R", CultureInfo.InvariantCulture)}.");
            var gd = ParameterGrid.Parse(pr.GetValue(depth)!, "--depth");
            var depths = Trainability.Depths(gd, "--depth");
            var (k, n) = ParseShard(pr.GetValue(shard));
            string? plotPath = pr.GetValue(plot);
            if (plotPath is not null) Plots.CheckPath(plotPath, "--plot");
            var activation = o.Activation(pr);
            var options = t.Options(pr);
            double sigmaB = pr.GetValue(o.SigmaB);
            int n0 = pr.GetValue(width);
            ulong seed = o.Seed(pr);
            // The deepest, widest network of the grid must be representable before any data is read.
            TrainingCliOptions.Hidden(784, n0, depths.Max(), activation, WeightDistribution.Gaussian.WithSigmaW(gw.Start), sigmaB).Validate();

            var (train, test) = t.LoadData(pr);
            if (options.BatchSize > train.Count)
                throw new UsageException($"--batch {options.BatchSize} is larger than the {train.Count} training examples.");
            var settings = new TrainabilitySettings(activation.Name, activation.Parameter, gw, gd, n0, sigmaB, options.Steps, options.BatchSize,
                options.Optimizer.Name, options.Optimizer.LearningRate, (options.Optimizer as Optimizer.Sgd)?.Momentum, train.Count, test.Count,
                TrainabilitySettings.Fingerprint(train, test), seed, typeof(Trainer).Assembly.GetName().Version?.ToString() ?? "unknown");
            settings.Validate();
            var cells = Sweep.ShardCells(settings.TotalCells, k, n);
            bool quiet = pr.GetValue(json);
            int done = 0;
            var result = Trainability.Run(gw, depths, cells,
                (sw, d) => TrainingCliOptions.Hidden(train.FeatureCount, n0, d, activation, WeightDistribution.Gaussian.WithSigmaW(sw), sigmaB),
                train, test, options, seed, index =>
                {
                    done++;
                    if (!quiet) ctx.Err.WriteLine(FormattableString.Invariant($"trainability: {done}/{cells.Count} cells (cell {index})"));
                });
            var doc = new TrainabilityDocument(settings, k, n, result);
            if (quiet) ctx.Out.WriteLine(TrainabilityJson.Write(doc));
            else Render(ctx, doc);
            if (plotPath is not null)
            {
                Heatmap(plotPath, doc);
                if (!quiet) ctx.Out.WriteLine($"wrote {plotPath}");
            }
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>K/N, auto or auto/N (from the job array's environment).</summary>
    internal static (int K, int N) ParseShard(string? text)
    {
        if (text is null) return (1, 1);
        if (text.StartsWith("auto", StringComparison.Ordinal))
            return ShardEnvironment.Resolve(text, Environment.GetEnvironmentVariable);
        return SweepCommand.ParseShard(text);
    }

    internal static void Render(CliContext ctx, TrainabilityDocument doc)
    {
        var s = doc.Settings;
        var depths = Trainability.Depths(s.Depth);
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"test accuracy: {s.Activation}, width {s.Width}, sigma_b {Json.Format(s.SigmaB)}, {s.Steps} steps of {s.Batch}, {s.Optimizer} lr {Json.Format(s.LearningRate)}");
        table.AddColumn(new TableColumn("depth \\ sigma_w").RightAligned());
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
        ctx.Out.WriteLine($"{doc.Cells.Count} of {s.TotalCells} cells (shard {doc.ShardIndex}/{doc.ShardCount}); div = diverged.");
        if (!doc.IsWhole) return;
        var (threshold, trainable) = TrainabilityJson.Analyze(doc);
        var summary = new Table().Border(TableBorder.Rounded).Title($"trainable depth (deepest with accuracy >= {threshold:0.000})");
        foreach (var col in new[] { "sigma_w", "xi_c", "6 xi_c", "measured", "best accuracy" }) summary.AddColumn(new TableColumn(col).RightAligned());
        foreach (var d in trainable)
            summary.AddRow(Json.Format(d.SigmaW), d.XiC is { } x ? Json.Format(x) : "", d.PredictedDepth is { } p ? Json.Format(p) : "",
                d.MeasuredDepth?.ToString(CultureInfo.InvariantCulture) ?? "none", d.BestAccuracy is { } b ? b.ToString("0.000", CultureInfo.InvariantCulture) : "");
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
        // Each point is a mean-field analysis (quadratures and a root search, tens of milliseconds): 80 draw a smooth curve.
        const int points = 80;
        for (int i = 0; i <= points; i++)
        {
            double sw = x0 + (x1 - x0) * i / points;
            if (critical is { } c && i > 0 && (x0 + (x1 - x0) * (i - 1) / points - c) * (sw - c) <= 0) Flush();
            double? depth = sw > 0 ? TrainabilityPrediction.Theory(activation, sw, sigmaB).XiC * TrainabilityPrediction.DepthScaleMultiple : null;
            if (depth is { } d && double.IsFinite(d) && d <= top && d >= bottom)
            {
                segment.X.Add(sw);
                segment.Y.Add(d);
            }
            else
            {
                Flush();
            }
        }
        Flush();
        if (critical is { } cw && cw >= x0 && cw <= x1)
            lines.Add(new PlotLine([cw, cw], [bottom, top], $"critical sigma_w = {cw:0.###} (chi_1 = 1)", "cyan", Dashed: true));
        return lines;
    }
}
