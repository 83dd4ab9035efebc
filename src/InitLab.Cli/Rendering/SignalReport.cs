using System.Globalization;
using InitLab.Propagation;
using InitLab.Tensors;

namespace InitLab.Cli;

/// <summary>
/// What a report shows of one point of a signal trace: a layer of an MLP, or a node of a graph or of a real model.
/// <see cref="X"/> orders the points on the plots' horizontal axis; <see cref="Name"/> is the table's first column.
/// </summary>
internal sealed record SignalPoint(double X, string Name, string? Op, double Mean, double Std, double MaxAbs, double ZeroFraction,
    long NonFinite, double? Correlation = null, double? GradNorm = null, MagnitudeHistogram? Histogram = null)
{
    /// <summary>The point of an MLP layer trace.</summary>
    public static SignalPoint Of(LayerTrace l) => new(l.Layer, l.Layer.ToString(CultureInfo.InvariantCulture), null, l.Mean, l.Std,
        Math.Max(Math.Abs(l.Min), Math.Abs(l.Max)), l.ZeroFraction, l.NonFinite, l.Correlation, l.GradNorm, l.Histogram);
}

/// <summary>One traced run: its label, its points (input first) and its diagnosis.</summary>
/// <param name="Label">The run's name in legends and headings (e.g. the initializer and engine).</param>
/// <param name="Points">The input, then every layer or node in order.</param>
/// <param name="Verdict">The diagnosis' verdict word (stable, exploding, vanishing).</param>
/// <param name="Summary">The diagnosis in one line (growth per layer, first non-finite point).</param>
/// <param name="Advice">The advice, or empty.</param>
/// <param name="FirstNonFinite">The X of the first point with NaN or Inf, or null.</param>
internal sealed record SignalRun(string Label, IReadOnlyList<SignalPoint> Points, string Verdict, string Summary, string Advice, double? FirstNonFinite);

/// <summary>
/// The report sections of signal traces, shared by <c>propagate</c> (MLP), <c>probe</c> (a real model's nodes) and any
/// command that traces a signal layer by layer or node by node: the diagnosis, the std per layer (log scale), the
/// gradient norms when present, the correlation of two inputs, the distribution of |x| per layer over depth (the
/// "colorful dimension"), and a table per run. A graph command calls
/// <c>SignalReport.Add(report, configuration, "node", runs)</c> with one <see cref="SignalPoint"/> per node.
/// </summary>
internal static class SignalReport
{
    /// <summary>The most rows a run's table shows; deeper traces show every k-th point (the JSON has all of them).</summary>
    public const int MaxTableRows = 250;

    /// <summary>Adds the sections for <paramref name="runs"/>; <paramref name="xLabel"/> names the points ("layer", "node").</summary>
    public static void Add(HtmlReport report, string configuration, string xLabel, IReadOnlyList<SignalRun> runs)
    {
        report.Heading("Diagnosis");
        foreach (var run in runs)
        {
            report.Verdict(run.Verdict, runs.Count > 1 ? $"{run.Label}: {run.Summary}" : run.Summary);
            if (run.Advice.Length > 0) report.Paragraph($"Advice: {run.Advice}");
        }

        report.Heading("Signal over depth");
        var markers = runs.Where(r => r.FirstNonFinite is not null)
            .Select(r => (r.FirstNonFinite!.Value, runs.Count > 1 ? $"first NaN/Inf ({r.Label})" : "first NaN/Inf")).ToList();
        report.Figure($"Standard deviation of each {xLabel}'s output, log scale: a flat line is a stable signal; a straight slope is a constant growth or decay per {xLabel}.",
            new Figure([Plots.LogLines($"std: {configuration}", xLabel, $"std of the {xLabel}'s output (log scale)",
                runs.Select(r => Series(r, p => p.Std)).ToList(), markers: markers)]));
        if (runs.Any(r => r.Points.Any(p => p.GradNorm is not null)))
            report.Figure($"Norm of the gradient dL/dx at each {xLabel} for a random unit-variance gradient at the top (log scale): flat means gradients neither explode nor vanish on the way back.",
                new Figure([Plots.LogLines($"gradient norm: {configuration}", xLabel, "||dL/dx||_F (log scale)",
                    runs.Where(r => r.Points.Any(p => p.GradNorm is not null)).Select(r => Series(r, p => p.GradNorm ?? double.NaN)).ToList())]));
        if (runs.Any(r => r.Points.Any(p => p.Correlation is not null)))
            report.Figure($"Correlation of the first two inputs' pre-activations at each {xLabel}: it goes to 1 in the ordered phase (inputs become indistinguishable) and to c* < 1 in the chaotic phase.",
                new Figure([Plots.Lines($"two-input correlation: {configuration}", xLabel, "correlation c (dimensionless)",
                    runs.Where(r => r.Points.Any(p => p.Correlation is not null)).Select(r => Series(r, p => p.Correlation ?? double.NaN)).ToList())]));
        foreach (var run in runs.Where(r => r.Points.Any(p => p.Histogram is not null)))
            report.Figure($"Distribution of |x| at each {xLabel} ({run.Label}): one column per {xLabel}, the fraction of its values in each quarter-octave bin of |x|; exact zeros in the bottom row, NaN and Inf in the top row.",
                new Figure([Plots.ActivationHistograms($"|x| per {xLabel}: {configuration}{(runs.Count > 1 ? $", {run.Label}" : "")}",
                    run.Points.Where(p => p.Histogram is not null).Select(p => new HistogramColumn(p.X, p.Histogram!)).ToList(), xLabel)], 1000, 560));

        foreach (var run in runs)
        {
            int step = Math.Max(1, (int)Math.Ceiling(run.Points.Count / (double)MaxTableRows));
            bool ops = run.Points.Any(p => p.Op is not null), grads = run.Points.Any(p => p.GradNorm is not null);
            var headers = new List<string> { xLabel };
            if (ops) headers.Add("op");
            headers.AddRange(["mean", "std", "max |x|", "zero fraction", "correlation", "non-finite"]);
            if (grads) headers.Add("grad norm");
            var rows = run.Points.Where((p, i) => i % step == 0 || i == run.Points.Count - 1 || p.NonFinite > 0).ToList();
            report.Table(step == 1 ? $"{run.Label}: every {xLabel}" : $"{run.Label}: every {step}th {xLabel} (the JSON below has all {run.Points.Count})", headers,
                rows.Select(p =>
                {
                    var cells = new List<string> { p.Name };
                    if (ops) cells.Add(p.Op ?? "");
                    cells.AddRange([Json.Format(p.Mean), Json.Format(p.Std), Cell(p.MaxAbs), Cell(p.ZeroFraction),
                        p.Correlation is { } c ? Json.Format(c) : "", p.NonFinite.ToString(CultureInfo.InvariantCulture)]);
                    if (grads) cells.Add(p.GradNorm is { } g ? Json.Format(g) : "");
                    return (IReadOnlyList<string>)cells;
                }), i => rows[i].NonFinite > 0 ? "bad" : null);
        }
    }

    // The mean-field limit defines no min, max or zero fraction: an empty cell rather than NaN.
    private static string Cell(double v) => double.IsNaN(v) ? "" : Json.Format(v);

    private static PlotSeries Series(SignalRun run, Func<SignalPoint, double> value) =>
        new(run.Label, run.Points.Select(p => p.X).ToArray(), run.Points.Select(value).ToArray());
}
