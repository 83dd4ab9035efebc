using System.Text.RegularExpressions;
using InitLab.Tensors;
using ScottPlot;
using SkiaSharp;

namespace InitLab.Cli;

/// <summary>A named series of (x, y) points for a line plot (x is usually the layer).</summary>
internal sealed record PlotSeries(string Label, double[] Layers, double[] Values);

/// <summary>A line drawn over a heatmap; an empty label keeps it out of the legend.</summary>
internal sealed record PlotLine(double[] X, double[] Y, string Label, string Color, bool Dashed = false);

/// <summary>One layer's column of a "colorful dimension" plot: its number and the histogram of its |values|.</summary>
internal sealed record HistogramColumn(double Layer, MagnitudeHistogram Histogram);

/// <summary>
/// One or more ScottPlot panels side by side: saved as a PNG or SVG file (<see cref="Save"/>), or inlined in an HTML
/// report as SVG (<see cref="Svg"/>). Every plot of the CLI is made here, so files and reports look the same.
/// </summary>
internal sealed class Figure
{
    public Figure(IReadOnlyList<Plot> panels, int panelWidth = 900, int height = 560)
    {
        if (panels.Count == 0) throw new ArgumentException("a figure needs at least one panel.", nameof(panels));
        Panels = panels;
        Width = panelWidth * panels.Count;
        Height = height;
    }

    public IReadOnlyList<Plot> Panels { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Writes the figure to a .png or .svg file through the one output writer (temporary file, then rename).</summary>
    public void Save(string path) => InitLab.Formats.AtomicFile.WriteVia(path, temp =>
    {
        if (Path.GetExtension(path).Equals(".svg", StringComparison.OrdinalIgnoreCase)) File.WriteAllText(temp, SvgXml());
        else if (Panels.Count == 1) Panels[0].SavePng(temp, Width, Height);
        else Multiplot().SavePng(temp, Width, Height);
    });

    /// <summary>
    /// The figure as an &lt;svg&gt; element for an HTML page: without the XML declaration, with every id (clip paths,
    /// images) prefixed by <paramref name="idPrefix"/> so that several figures can share one page, and scaling to the
    /// page's width (viewBox).
    /// </summary>
    public string Svg(string idPrefix)
    {
        string svg = SvgXml();
        svg = svg[svg.IndexOf("<svg", StringComparison.Ordinal)..];
        svg = Regex.Replace(svg, "id=\"([^\"]+)\"", m => $"id=\"{idPrefix}-{m.Groups[1].Value}\"");
        svg = Regex.Replace(svg, "url\\(#([^)]+)\\)", m => $"url(#{idPrefix}-{m.Groups[1].Value})");
        svg = Regex.Replace(svg, "href=\"#([^\"]+)\"", m => $"href=\"#{idPrefix}-{m.Groups[1].Value}\"");
        // Heatmaps are bitmaps with one pixel per cell: keep the cells sharp when the browser scales them.
        svg = svg.Replace("<image ", "<image image-rendering=\"pixelated\" style=\"image-rendering:pixelated\" ", StringComparison.Ordinal);
        return svg.Replace($"width=\"{Width}\" height=\"{Height}\"",
            $"viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\"", StringComparison.Ordinal);
    }

    private string SvgXml()
    {
        if (Panels.Count == 1) return Panels[0].GetSvgXml(Width, Height);
        using var stream = new MemoryStream();
        using (var wstream = new SKManagedWStream(stream))
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, Width, Height), wstream))
            Multiplot().Render(canvas, new PixelRect(0, Width, Height, 0));
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private Multiplot Multiplot()
    {
        var multiplot = new Multiplot(Panels[0]);
        foreach (var panel in Panels.Skip(1)) multiplot.AddPlot(panel);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        return multiplot;
    }
}

/// <summary>
/// The CLI's plots (ScottPlot 5, headless through SkiaSharp's NoDependencies native assets). Every plot has a title that
/// names the configuration, axis labels with their units and a legend when it has more than one line. ScottPlot has no
/// log axis: log-scale plots draw log10(y) with the ticks of <see cref="AxisTicks"/> (labelled at any range).
/// </summary>
internal static class Plots
{
    /// <summary>The extensions a plot file may have.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".svg"];

    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>Std (log scale) per layer to a file, one line per series; non-positive or non-finite points are left out.</summary>
    public static void StdPerLayer(string path, string title, IReadOnlyList<PlotSeries> series, string yLabel = "std of the layer's output (log scale)",
        Alignment legend = Alignment.UpperLeft) =>
        new Figure([LogLines(title, "layer", yLabel, series, legend)]).Save(path);

    /// <summary>
    /// Lines with a log-scale y axis: log10 of each positive finite value, labelled ticks at any range. Points that are
    /// 0, negative or not finite are left out (a line ends where its signal overflowed or vanished).
    /// </summary>
    public static Plot LogLines(string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, Alignment legend = Alignment.UpperLeft,
        IReadOnlyList<(double X, string Label)>? markers = null)
    {
        var plot = NewPlot(title, xLabel, yLabel);
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, xMin = double.PositiveInfinity, xMax = double.NegativeInfinity;
        int index = 0;
        foreach (var s in series)
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < s.Layers.Length; i++)
            {
                xMin = Math.Min(xMin, s.Layers[i]);
                xMax = Math.Max(xMax, s.Layers[i]);
                if (double.IsFinite(s.Values[i]) && s.Values[i] > 0)
                {
                    xs.Add(s.Layers[i]);
                    ys.Add(Math.Log10(s.Values[i]));
                }
            }
            var color = Color.FromHex(Palette[index++ % Palette.Length]);
            if (xs.Count == 0) continue;
            lo = Math.Min(lo, ys.Min());
            hi = Math.Max(hi, ys.Max());
            var scatter = plot.Add.Scatter(xs.ToArray(), ys.ToArray());
            if (series.Count + (markers?.Count ?? 0) > 1) scatter.LegendText = s.Label;
            scatter.Color = color;
            scatter.LineWidth = 2;
            scatter.MarkerSize = xs.Count > 60 ? 0 : 4;
        }
        if (!double.IsFinite(lo)) (lo, hi) = (0, 0);
        foreach (var (x, label) in markers ?? [])
        {
            var line = plot.Add.VerticalLine(x, 1.5f, Colors.Gray, LinePattern.Dashed);
            line.LegendText = label;
        }
        LogAxis(plot, lo, hi);
        if (double.IsFinite(xMin) && xMax > xMin) plot.Axes.SetLimitsX(xMin - (xMax - xMin) * 0.02, xMax + (xMax - xMin) * 0.02);
        if (series.Count + (markers?.Count ?? 0) > 1) plot.ShowLegend(legend);
        else plot.HideLegend();
        return plot;
    }

    /// <summary>Lines on linear axes, one per series; non-finite points are left out.</summary>
    public static Plot Lines(string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series, Alignment legend = Alignment.LowerLeft)
    {
        var plot = NewPlot(title, xLabel, yLabel);
        int index = 0;
        foreach (var s in series)
        {
            var points = s.Layers.Zip(s.Values).Where(p => double.IsFinite(p.Second)).ToArray();
            var color = Color.FromHex(Palette[index++ % Palette.Length]);
            if (points.Length == 0) continue;
            var scatter = plot.Add.Scatter(points.Select(p => p.First).ToArray(), points.Select(p => p.Second).ToArray());
            if (series.Count > 1) scatter.LegendText = s.Label;
            scatter.Color = color;
            scatter.LineWidth = 2;
            scatter.MarkerSize = points.Length > 60 ? 0 : 4;
        }
        // The same x range as the log-scale plots of the same layers, so that figures stacked on a page line up.
        var xs = series.SelectMany(s => s.Layers).Where(double.IsFinite).ToList();
        if (xs.Count > 0 && xs.Max() > xs.Min())
        {
            double xMin = xs.Min(), xMax = xs.Max();
            plot.Axes.SetLimitsX(xMin - (xMax - xMin) * 0.02, xMax + (xMax - xMin) * 0.02);
        }
        if (series.Count > 1) plot.ShowLegend(legend);
        else plot.HideLegend();
        return plot;
    }

    /// <summary>A heatmap of values[iy, ix] to a file, with an optional overlay line.</summary>
    public static void Heatmap(string path, string title, double[,] values, double[] xs, double[] ys, string xLabel, string yLabel,
        string colorLabel, (double[] X, double[] Y, string Label)? overlay = null) =>
        Heatmap(path, title, values, xs, ys, xLabel, yLabel, colorLabel, overlay is { } o ? [new PlotLine(o.X, o.Y, o.Label, "red")] : []);

    /// <summary>A heatmap of values[iy, ix] over x and y grids with overlay lines (NaN cells are left blank), to a file.</summary>
    public static void Heatmap(string path, string title, double[,] values, double[] xs, double[] ys, string xLabel, string yLabel,
        string colorLabel, IReadOnlyList<PlotLine> overlays, (double Min, double Max)? range = null) =>
        new Figure([HeatmapPlot(title, values, xs, ys, xLabel, yLabel, colorLabel, overlays, range)], 800, 600).Save(path);

    /// <summary>
    /// A heatmap of values[iy, ix] over evenly spaced x and y grids (cell centres), NaN cells blank, with overlay lines and
    /// an optional fixed colour range.
    /// </summary>
    public static Plot HeatmapPlot(string title, double[,] values, double[] xs, double[] ys, string xLabel, string yLabel,
        string colorLabel, IReadOnlyList<PlotLine> overlays, (double Min, double Max)? range = null, IColormap? colormap = null)
    {
        var plot = NewPlot(title, xLabel, yLabel);
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = colormap ?? new ScottPlot.Colormaps.Viridis();
        heatmap.NaNCellColor = Colors.Transparent;
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
            s.Color = Color.FromHex(line.Color switch { "red" => "#d62728", "cyan" => "#17becf", "white" => "#ffffff", var c => c });
            s.LineWidth = 3;
            s.MarkerSize = 0;
            if (line.Dashed) s.LinePattern = LinePattern.Dashed;
            legend |= line.Label.Length > 0;
        }
        if (legend) plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.SetLimits(xs[0] - dx / 2, xs[^1] + dx / 2, ys[0] - dy / 2, ys[^1] + dy / 2);
        return plot;
    }

    /// <summary>
    /// The "colorful dimension" (fastai's ActivationStats): one column per layer, the histogram of the layer's |values|
    /// in quarter-octave bins up the column, coloured by log10 of the fraction of the layer's values in each bin. A row
    /// below the bins holds the exact zeros (dead ReLUs) and a row above them the NaN and infinite values.
    /// </summary>
    public static Plot ActivationHistograms(string title, IReadOnlyList<HistogramColumn> columns, string xLabel = "layer")
    {
        var plot = NewPlot(title, xLabel, "|value| (log scale)");
        var filled = columns.Where(c => c.Histogram.Total > 0).ToList();
        if (filled.Count == 0) return plot;
        var withBins = filled.Where(c => c.Histogram.Counts.Count > 0).ToList();
        int lo = withBins.Count > 0 ? withBins.Min(c => c.Histogram.FirstBin) : 0;
        int hi = withBins.Count > 0 ? withBins.Max(c => c.Histogram.LastBin) : 0;
        bool zeros = filled.Any(c => c.Histogram.Zeros > 0), nonFinite = filled.Any(c => c.Histogram.NonFinite > 0);
        // Rows: [zeros x3, gap] bins lo..hi [gap, non-finite x3], each row a quarter octave high.
        const int band = 3;
        int below = zeros ? band + 1 : 0, above = nonFinite ? band + 1 : 0;
        int rows = below + (hi - lo + 1) + above;
        double first = filled.Min(c => c.Layer), last = filled.Max(c => c.Layer);
        int cols = (int)Math.Round(last - first) + 1;
        var values = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) values[r, c] = double.NaN;
        foreach (var column in filled)
        {
            int c = (int)Math.Round(column.Layer - first);
            var h = column.Histogram;
            double total = h.Total;
            for (int b = h.FirstBin; b <= h.LastBin; b++)
                if (h.Count(b) > 0) values[below + b - lo, c] = Math.Log10(h.Count(b) / total);
            for (int r = 0; r < band; r++)
            {
                if (h.Zeros > 0) values[r, c] = Math.Log10(h.Zeros / total);
                if (h.NonFinite > 0) values[rows - 1 - r, c] = Math.Log10(h.NonFinite / total);
            }
        }
        double binHeight = Math.Log10(2) / MagnitudeHistogram.BinsPerOctave;
        double bottom = (lo - below) * binHeight, top = (hi + 1 + above) * binHeight;
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Turbo();
        heatmap.NaNCellColor = Colors.Transparent;
        heatmap.FlipVertically = true;
        heatmap.ManualRange = new ScottPlot.Range(Math.Max(-6, Min(values)), 0);
        heatmap.Extent = new CoordinateRect(first - 0.5, last + 0.5, bottom, top);
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = "log10 fraction of the layer's values";
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        double binLo = lo * binHeight, binHi = (hi + 1) * binHeight;
        foreach (var t in AxisTicks.Log10(binLo, binHi > binLo ? binHi : binLo + binHeight))
        {
            if (t.Major) ticks.AddMajor(t.Position, t.Label);
            else ticks.AddMinor(t.Position);
        }
        if (zeros) ticks.AddMajor(bottom + band * binHeight / 2, "0");
        if (nonFinite) ticks.AddMajor(top - band * binHeight / 2, "NaN/Inf");
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimits(first - 0.5, last + 0.5, bottom, top);
        return plot;
    }

    /// <summary>
    /// The spectrum of a weight matrix against its Marchenko-Pastur law: a density histogram of the squared singular
    /// values lambda, the law's density for the matrix's own entry variance, its bulk edge and the spike threshold.
    /// </summary>
    public static Plot Spectrum(string title, IReadOnlyList<double> eigenvalues, double variance, int rows, int cols, double? spikeThreshold)
    {
        var plot = NewPlot(title, "squared singular value λ = σ²", "density");
        if (eigenvalues.Count == 0 || !(variance > 0)) return plot;
        var (lower, upper) = InitLab.Inspection.MarchenkoPastur.EigenvalueBulk(variance, rows, cols);
        double max = Math.Max(eigenvalues.Max(), upper) * 1.05;
        int binCount = Math.Clamp((int)Math.Sqrt(eigenvalues.Count) * 2, 10, 80);
        double width = max / binCount;
        var counts = new double[binCount];
        foreach (double v in eigenvalues) counts[Math.Min(binCount - 1, (int)(v / width))]++;
        var bars = Enumerable.Range(0, binCount).Where(i => counts[i] > 0).Select(i => new Bar
        {
            Position = (i + 0.5) * width,
            Value = counts[i] / (eigenvalues.Count * width),
            Size = width,
            FillColor = Color.FromHex("#1f77b4").WithAlpha(0.6),
            LineWidth = 0,
        }).ToArray();
        var barPlot = plot.Add.Bars(bars);
        barPlot.LegendText = $"the matrix's {eigenvalues.Count} eigenvalues of WᵀW";
        var xs = Enumerable.Range(0, 400).Select(i => lower + (upper - lower) * (i + 0.5) / 400).ToArray();
        var ys = xs.Select(x => InitLab.Inspection.MarchenkoPastur.EigenvalueDensity(x, variance, rows, cols)).ToArray();
        var law = plot.Add.Scatter(xs, ys);
        law.LegendText = "Marchenko-Pastur law (same entry variance)";
        law.Color = Color.FromHex("#d62728");
        law.LineWidth = 2;
        law.MarkerSize = 0;
        var edge = plot.Add.VerticalLine(upper, 1.5f, Color.FromHex("#d62728"), LinePattern.Dashed);
        edge.LegendText = "bulk edge";
        if (spikeThreshold is { } t)
        {
            var threshold = plot.Add.VerticalLine(t, 1.5f, Colors.Black, LinePattern.Dotted);
            threshold.LegendText = "spike threshold (Tracy-Widom)";
        }
        double densityMax = Math.Max(bars.Length > 0 ? bars.Max(b => b.Value) : 0, ys.Where(double.IsFinite).DefaultIfEmpty(0).Max());
        plot.Axes.SetLimits(0, max, 0, Math.Min(densityMax, 5 * bars.Select(b => b.Value).DefaultIfEmpty(1).Max()) * 1.1);
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static double Min(double[,] values)
    {
        double min = double.PositiveInfinity;
        foreach (double v in values)
            if (v < min) min = v;
        return double.IsFinite(min) ? min : -6;
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        DefaultFont.Set();
        var plot = new Plot();
        plot.Title(title, size: 14);
        plot.XLabel(xLabel, size: 13);
        plot.YLabel(yLabel, size: 13);
        return plot;
    }

    /// <summary>
    /// The NoDependencies Skia build otherwise picks a serif font. Set on the first plot, not in a static constructor of
    /// <see cref="Plots"/>: building the command tree reads <see cref="Extensions"/>, and every command would then load
    /// ScottPlot, SkiaSharp and its native library before it starts.
    /// </summary>
    private static class DefaultFont
    {
        static DefaultFont() => Fonts.Default = "DejaVu Sans";

        /// <summary>Runs the static constructor once.</summary>
        public static void Set() { }
    }

    /// <summary>A log-scale y axis from 10^lo to 10^hi (padded by 4% of the span, at least 0.05 decade), labelled at any range.</summary>
    private static void LogAxis(Plot plot, double lo, double hi)
    {
        double pad = Math.Max(0.05, (hi - lo) * 0.04);
        lo -= pad;
        hi += pad;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var t in AxisTicks.Log10(lo, hi))
        {
            if (t.Major) ticks.AddMajor(t.Position, t.Label);
            else ticks.AddMinor(t.Position);
        }
        plot.Axes.Left.TickGenerator = ticks;
        plot.Axes.SetLimitsY(lo, hi);
        plot.Grid.MinorLineColor = Colors.Black.WithOpacity(.05);
        plot.Grid.MinorLineWidth = 1;
    }
}
