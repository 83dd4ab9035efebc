using ScottPlot;

namespace InitLab.Cli;

/// <summary>A named series of (layer, std) points for a line plot.</summary>
internal sealed record PlotSeries(string Label, double[] Layers, double[] Values);

/// <summary>A line drawn over a heatmap; an empty label keeps it out of the legend.</summary>
internal sealed record PlotLine(double[] X, double[] Y, string Label, string Color, bool Dashed = false);

/// <summary>
/// PNG/SVG plots through ScottPlot (headless, SkiaSharp's NoDependencies native assets). ScottPlot 5 has no log axis,
/// so log-scale plots draw log10(y) with 10^k tick labels. Files are written through
/// <see cref="InitLab.Formats.AtomicFile"/>.
/// </summary>
internal static class Plots
{
    static Plots()
    {
        // The NoDependencies Skia build otherwise picks a serif font.
        Fonts.Default = "DejaVu Sans";
    }

    /// <summary>The extensions a plot file may have.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".svg"];

    /// <summary>Std (log scale) per layer, one line per series; non-positive or non-finite points are left out.</summary>
    public static void StdPerLayer(string path, string title, IReadOnlyList<PlotSeries> series, string yLabel = "std (log scale)", Alignment legend = Alignment.UpperLeft)
    {
        var plot = new Plot();
        foreach (var s in series)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < s.Layers.Length; i++)
                if (double.IsFinite(s.Values[i]) && s.Values[i] > 0)
                {
                    xs.Add(s.Layers[i]);
                    ys.Add(Math.Log10(s.Values[i]));
                }
            if (xs.Count == 0) continue;
            var scatter = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            scatter.LegendText = s.Label;
            scatter.MarkerSize = xs.Count > 60 ? 0 : 4;
        }
        LogY(plot);
        plot.Title(title);
        plot.XLabel("layer");
        plot.YLabel(yLabel);
        plot.ShowLegend(legend);
        Save(plot, path, 900, 560);
    }

    /// <summary>A heatmap of values[iy, ix] over x and y grids, with an optional overlay line.</summary>
    public static void Heatmap(string path, string title, double[,] values, double[] xs, double[] ys, string xLabel, string yLabel,
        string colorLabel, (double[] X, double[] Y, string Label)? overlay = null) =>
        Heatmap(path, title, values, xs, ys, xLabel, yLabel, colorLabel, overlay is { } o ? [new PlotLine(o.X, o.Y, o.Label, "red")] : []);

    /// <summary>A heatmap of values[iy, ix] over x and y grids with overlay lines (NaN cells are left blank).</summary>
    public static void Heatmap(string path, string title, double[,] values, double[] xs, double[] ys, string xLabel, string yLabel,
        string colorLabel, IReadOnlyList<PlotLine> overlays, (double Min, double Max)? range = null)
    {
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        if (range is { } r) heatmap.ManualRange = new ScottPlot.Range(r.Min, r.Max);
        heatmap.FlipVertically = true; // row 0 (smallest y) at the bottom
        double dx = xs.Length > 1 ? (xs[^1] - xs[0]) / (xs.Length - 1) : 1;
        double dy = ys.Length > 1 ? (ys[^1] - ys[0]) / (ys.Length - 1) : 1;
        // ScottPlot places the first and last cell centres on the extent's edges.
        heatmap.Extent = new CoordinateRect(
            xs.Length > 1 ? xs[0] : xs[0] - dx / 2, xs.Length > 1 ? xs[^1] : xs[0] + dx / 2,
            ys.Length > 1 ? ys[0] : ys[0] - dy / 2, ys.Length > 1 ? ys[^1] : ys[0] + dy / 2);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = colorLabel;
        bool legend = false;
        foreach (var line in overlays.Where(l => l.X.Length > 0))
        {
            var s = plot.Add.Scatter(line.X, line.Y);
            s.LegendText = line.Label;
            s.Color = Color.FromHex(line.Color switch { "red" => "#d62728", "cyan" => "#17becf", var c => c });
            s.LineWidth = 3;
            s.MarkerSize = 0;
            if (line.Dashed) s.LinePattern = LinePattern.Dashed;
            legend |= line.Label.Length > 0;
        }
        if (legend) plot.ShowLegend(Alignment.UpperRight);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.Axes.SetLimits(xs[0] - dx / 2, xs[^1] + dx / 2, ys[0] - dy / 2, ys[^1] + dy / 2);
        Save(plot, path, 800, 600);
    }

    private static void LogY(Plot plot)
    {
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => $"1e{y:0}",
        };
        plot.Grid.MinorLineColor = Colors.Black.WithOpacity(.05);
        plot.Grid.MinorLineWidth = 1;
    }

    // Through the one output writer: a regular file, written to a temporary file beside the target, then renamed.
    private static void Save(Plot plot, string path, int width, int height) =>
        InitLab.Formats.AtomicFile.WriteVia(path, temp =>
        {
            if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase)) plot.SaveSvg(temp, width, height);
            else plot.SavePng(temp, width, height);
        });
}
