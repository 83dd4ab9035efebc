using InitLab.Activations;
using InitLab.Initializers;

namespace InitLab.Propagation;

/// <summary>Whether the signal keeps its scale through the network.</summary>
public enum Verdict
{
    /// <summary>The std changes by less than a factor of 10 over the whole depth, or by no more than finite-width drift
    /// explains around a scale-preserving infinite-width trajectory; it stays finite and non-zero.</summary>
    Stable,

    /// <summary>The std grows by more than 10x over the depth beyond what finite width explains, or overflows to Inf/NaN.</summary>
    Exploding,

    /// <summary>The std shrinks by more than 10x over the depth beyond what finite width explains, or underflows to exactly 0.</summary>
    Vanishing,
}

/// <summary>Depth (in layers, from the input) at which a number format would overflow or underflow at the fitted rate.</summary>
/// <param name="Format">float32, float16 or bfloat16.</param>
/// <param name="Layer">The layer, or null when the signal does not move towards that limit.</param>
public sealed record FormatLimit(string Format, double? Layer);

/// <summary>What a diagnosis knows about the network beyond its per-layer stds: the finite-width drift band, the
/// infinite-width prediction and the initialization in use.</summary>
/// <param name="Band">The finite-width drift band of the total log10-std change (<see cref="FiniteWidthDrift.Band"/>),
/// or null to judge by the factor-10 rule alone (shared weights, whose fluctuations are not a random walk).</param>
/// <param name="MeanFieldLog10Change">The infinite-width prediction of the same fitted change (0 for a scale-preserving
/// network), or null when mean-field theory does not apply (then 0 is assumed).</param>
/// <param name="WeightsInUse">The weights' description (e.g. <c>kaiming_normal</c>), for the advice.</param>
/// <param name="SigmaWInUse">The mean-field sigma_w of the first layer's weights, or null when unknown.</param>
/// <param name="Width">The narrowest hidden width, for the advice.</param>
public sealed record DiagnosisContext(DriftBand? Band, double? MeanFieldLog10Change, string? WeightsInUse, double? SigmaWInUse, int? Width = null);

/// <summary>The diagnosis of a trace.</summary>
/// <param name="Verdict">Stable, exploding or vanishing.</param>
/// <param name="GrowthPerLayer">Fitted factor by which the std changes per layer (10^slope of log10 std).</param>
/// <param name="Log10GrowthPerLayer">Least-squares slope of log10 std against the layer.</param>
/// <param name="Limits">Overflow (exploding) or underflow (vanishing) depth for float32, float16 and bfloat16.</param>
/// <param name="Advice">What to change (never the initialization already in use); why nothing needs to change when
/// finite-width drift explains the growth; empty when stable and within a factor of 10.</param>
public sealed record Diagnosis(Verdict Verdict, double GrowthPerLayer, double Log10GrowthPerLayer, IReadOnlyList<FormatLimit> Limits, string Advice)
{
    /// <summary>Verdict as the lower-case word of the JSON contract.</summary>
    public string VerdictName => Verdict.ToString().ToLowerInvariant();

    /// <summary>The fitted log10-std change over the whole depth (slope times depth).</summary>
    public double Log10Change { get; init; }

    /// <summary>The finite-width drift band the change was compared with, or null.</summary>
    public DriftBand? Band { get; init; }

    /// <summary>The infinite-width (mean-field) prediction of the change, or null.</summary>
    public double? MeanFieldLog10Change { get; init; }

    /// <summary>True when the change exceeds a factor of 10 but finite-width drift explains it (the verdict is then stable).</summary>
    public bool FiniteWidthDriftDominates { get; init; }
}

/// <summary>Diagnoses a trace: a least-squares fit of log10 std over the finite layers, the verdict, limits, advice.</summary>
public static class Diagnoser
{
    // log10 of the largest finite value and of the smallest positive (subnormal) value of each format.
    private static readonly (string Name, double Log10Max, double Log10Min)[] Formats =
    [
        ("float32", Math.Log10(float.MaxValue), Math.Log10(float.Epsilon)),
        ("float16", Math.Log10(65504.0), Math.Log10(5.960464477539063e-8)),
        ("bfloat16", Math.Log10(3.3895313892515355e38), Math.Log10(9.183549615799121e-41)),
    ];

    /// <summary>
    /// Diagnoses per-layer stds (index 0 = the input) by the factor-10 rule alone: exploding when the fitted std grows by
    /// more than 10x over the depth or a layer is non-finite; vanishing when it shrinks by more than 10x or reaches
    /// exactly 0; otherwise stable. The format limits extrapolate the largest entry: the fitted log10 std plus the median
    /// of log10(max|x| / std) over the layers when <paramref name="maxAbs"/> is given (a format overflows when its largest
    /// entry does, and flushes a layer to zero when even its largest entry underflows).
    /// </summary>
    public static Diagnosis Diagnose(IReadOnlyList<double> stds, int? firstNonFiniteLayer, Activation activation, int depth,
        IReadOnlyList<double>? maxAbs = null) => Diagnose(stds, firstNonFiniteLayer, activation, depth, maxAbs, null);

    /// <summary>
    /// Diagnoses per-layer stds (index 0 = the input) against the finite-width drift band of <paramref name="context"/>.
    /// With T the fitted log10-std change over the depth, M the mean-field prediction (0 if unknown) and [Low, High] the
    /// band: a non-finite layer is exploding and an exactly zero one vanishing; |T| &lt;= 1 is stable; T in
    /// [M + Low, M + High] with |M| &lt;= 1 is stable with <see cref="Diagnosis.FiniteWidthDriftDominates"/> (the
    /// initialization is right at infinite width; the advice says so and how to narrow the spread); otherwise T &gt; 0 is
    /// exploding and T &lt; 0 vanishing. The advice never proposes the initialization in use.
    /// </summary>
    public static Diagnosis Diagnose(IReadOnlyList<double> stds, int? firstNonFiniteLayer, Activation activation, int depth,
        IReadOnlyList<double>? maxAbs, DiagnosisContext? context)
    {
        ArgumentNullException.ThrowIfNull(stds);
        ArgumentNullException.ThrowIfNull(activation);
        var (points, reachedZero) = Log10Points(stds);
        double slope = Slope(points);
        double total = double.IsFinite(slope) ? slope * depth : 0;
        double meanField = context?.MeanFieldLog10Change ?? 0;
        var band = context?.Band;
        bool explained = band is not null && band.Contains(total - meanField);
        bool driftDominates = firstNonFiniteLayer is null && !reachedZero && Math.Abs(total) > 1 && explained && Math.Abs(meanField) <= 1;
        Verdict verdict = firstNonFiniteLayer is not null ? Verdict.Exploding
            : reachedZero ? Verdict.Vanishing
            : Math.Abs(total) <= 1 || driftDominates ? Verdict.Stable
            : total > 0 ? Verdict.Exploding
            : Verdict.Vanishing;

        double start = points.Count > 0 ? points[0].Log10Std : 0;
        if (maxAbs is not null)
        {
            var ratios = new List<double>();
            for (int k = 0; k < Math.Min(maxAbs.Count, stds.Count); k++)
                if (double.IsFinite(maxAbs[k]) && maxAbs[k] > 0 && double.IsFinite(stds[k]) && stds[k] > 0)
                    ratios.Add(Math.Log10(maxAbs[k] / stds[k]));
            ratios.Sort();
            if (ratios.Count > 0) start += ratios[ratios.Count / 2];
        }
        var limits = Formats.Select(f => new FormatLimit(f.Name,
            slope > 0 && verdict == Verdict.Exploding ? Math.Ceiling((f.Log10Max - start) / slope)
            : slope < 0 && verdict == Verdict.Vanishing ? Math.Ceiling((f.Log10Min - start) / slope)
            : null)).ToList();
        string advice = driftDominates ? DriftAdvice(total, meanField, band!, depth, context!)
            : Advice(verdict, slope, activation, context, explained);
        return new Diagnosis(verdict, Math.Pow(10, double.IsFinite(slope) ? slope : 0), slope, limits, advice)
        {
            Log10Change = total,
            Band = band,
            MeanFieldLog10Change = context?.MeanFieldLog10Change,
            FiniteWidthDriftDominates = driftDominates,
        };
    }

    /// <summary>The fitted log10-std change over the depth of per-layer stds (input first), as <see cref="Diagnose(IReadOnlyList{double}, int?, Activation, int, IReadOnlyList{double}?, DiagnosisContext?)"/> measures it.</summary>
    internal static double FittedLog10Change(IReadOnlyList<double> stds, int depth)
    {
        double slope = Slope(Log10Points(stds).Points);
        return double.IsFinite(slope) ? slope * depth : 0;
    }

    private static (List<(double Layer, double Log10Std)> Points, bool ReachedZero) Log10Points(IReadOnlyList<double> stds)
    {
        var points = new List<(double Layer, double Log10Std)>();
        for (int k = 0; k < stds.Count; k++)
        {
            double s = stds[k];
            if (double.IsFinite(s) && s > 0) points.Add((k, Math.Log10(s)));
            else if (s == 0) return (points, true);
            else break;
        }
        return (points, false);
    }

    /// <summary>Least-squares slope of log10 std against layer; NaN with fewer than two points.</summary>
    internal static double Slope(IReadOnlyList<(double X, double Y)> p)
    {
        if (p.Count < 2) return double.NaN;
        double mx = p.Average(q => q.X), my = p.Average(q => q.Y), sxy = 0, sxx = 0;
        foreach (var (x, y) in p)
        {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
        }
        return sxy / sxx;
    }

    private static string Advice(Verdict verdict, double slope, Activation activation, DiagnosisContext? context, bool explained)
    {
        if (verdict == Verdict.Stable) return "";
        double gain = Gain.Exact(activation);
        string rate = double.IsFinite(slope)
            ? (slope >= 0 ? $"std grows x{Math.Pow(10, slope):0.###} per layer" : $"std shrinks x{Math.Pow(10, slope):0.####} per layer")
            : verdict == Verdict.Exploding ? "the signal overflows" : "the signal underflows to 0";
        string scheme = activation.Name switch
        {
            "relu" or "leaky_relu" => $"kaiming_normal (gain {GainText(activation)})",
            "identity" => "xavier_normal or lecun_normal (gain 1)",
            "selu" => "lecun_normal (gain 1; SELU self-normalizes)",
            _ => $"kaiming_normal with the exact gain {gain:0.####} for {activation.Name}",
        };
        bool recommendedInUse = context?.SigmaWInUse is { } inUse && Math.Abs(inUse - gain) <= 1e-3 * gain;
        if (!recommendedInUse)
            return $"{rate}; for {activation.Name} use {scheme} or sigma_w = {gain:0.###}"
                + (context?.SigmaWInUse is { } current ? $" (in use: {context.WeightsInUse}, sigma_w = {current:0.###})" : "");
        // The recommended scale is already in use: say where the growth comes from instead of repeating it.
        string weights = context!.WeightsInUse ?? "the initialization";
        string cause = context.MeanFieldLog10Change is { } m && Math.Abs(m) > 1 && explained
            ? $"mean-field theory predicts it at infinite width ({Decades(m)} decades over the depth) from the bias or residual branches or the activation's variance map; set sigma_b and sigma_w on the critical line (`initlab theory critical`) or use normalization"
            : "it exceeds the finite-width drift band, so it does not come from the weights' scale: check the bias, residual branches, shared weights or the input; orthogonal weights or normalization keep the norm";
        return $"{rate}; {weights} already has the recommended sigma_w = {gain:0.###} for {activation.Name}: {cause}";
    }

    private static string DriftAdvice(double total, double meanField, DriftBand band, int depth, DiagnosisContext context)
    {
        string width = context.Width is { } n ? $"width {n}" : "this width";
        string remedies = (context.WeightsInUse ?? "").StartsWith("orthogonal", StringComparison.Ordinal)
            ? "wider layers (the band's spread shrinks like sqrt(depth / width)) or normalization layers"
            : "wider layers (the band's spread shrinks like sqrt(depth / width)), normalization layers, or orthogonal weights";
        return $"finite-width drift: std changes x10^{Decades(total)} over {depth} layers, inside the drift band "
            + $"[{Decades(meanField + band.Low)}, {Decades(meanField + band.High)}] decades for {width} and depth {depth} "
            + $"(log std is a random walk of variance ~ depth / width; infinite width predicts {Decades(meanField)}); "
            + $"the initialization ({context.WeightsInUse ?? "in use"}) is right at infinite width. To narrow the spread: {remedies}";
    }

    /// <summary>A signed number of decades with two decimals ("+0.73", "-1.45", "0.00").</summary>
    private static string Decades(double x) =>
        (Math.Abs(x) < 0.005 ? 0 : x).ToString("+0.00;-0.00;0.00", System.Globalization.CultureInfo.InvariantCulture);

    private static string GainText(Activation activation) => activation.Name == "relu" ? "sqrt(2)" : $"{Gain.Exact(activation):0.####}";
}
