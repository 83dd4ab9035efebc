using InitLab.Activations;
using InitLab.Initializers;

namespace InitLab.Propagation;

/// <summary>Whether the signal keeps its scale through the network.</summary>
public enum Verdict
{
    /// <summary>The std changes by less than a factor of 10 over the whole depth and stays finite and non-zero.</summary>
    Stable,

    /// <summary>The std grows by more than 10x over the depth, or overflows to Inf/NaN.</summary>
    Exploding,

    /// <summary>The std shrinks by more than 10x over the depth, or underflows to exactly 0.</summary>
    Vanishing,
}

/// <summary>Depth (in layers, from the input) at which a number format would overflow or underflow at the fitted rate.</summary>
/// <param name="Format">float32, float16 or bfloat16.</param>
/// <param name="Layer">The layer, or null when the signal does not move towards that limit.</param>
public sealed record FormatLimit(string Format, double? Layer);

/// <summary>The diagnosis of a trace.</summary>
/// <param name="Verdict">Stable, exploding or vanishing.</param>
/// <param name="GrowthPerLayer">Fitted factor by which the std changes per layer (10^slope of log10 std).</param>
/// <param name="Log10GrowthPerLayer">Least-squares slope of log10 std against the layer.</param>
/// <param name="Limits">Overflow (exploding) or underflow (vanishing) depth for float32, float16 and bfloat16.</param>
/// <param name="Advice">What to change, naming an initializer and gain for the activation; empty when stable.</param>
public sealed record Diagnosis(Verdict Verdict, double GrowthPerLayer, double Log10GrowthPerLayer, IReadOnlyList<FormatLimit> Limits, string Advice)
{
    /// <summary>Verdict as the lower-case word of the JSON contract.</summary>
    public string VerdictName => Verdict.ToString().ToLowerInvariant();
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
    /// Diagnoses per-layer stds (index 0 = the input): exploding when the fitted std grows by more than 10x over the depth
    /// or a layer is non-finite; vanishing when it shrinks by more than 10x or reaches exactly 0; otherwise stable.
    /// The format limits extrapolate the largest entry: the fitted log10 std plus the median of log10(max|x| / std) over
    /// the layers when <paramref name="maxAbs"/> is given (a format overflows when its largest entry does, and flushes a
    /// layer to zero when even its largest entry underflows).
    /// </summary>
    public static Diagnosis Diagnose(IReadOnlyList<double> stds, int? firstNonFiniteLayer, Activation activation, int depth,
        IReadOnlyList<double>? maxAbs = null)
    {
        ArgumentNullException.ThrowIfNull(stds);
        ArgumentNullException.ThrowIfNull(activation);
        var points = new List<(double Layer, double Log10Std)>();
        bool reachedZero = false;
        for (int k = 0; k < stds.Count; k++)
        {
            double s = stds[k];
            if (double.IsFinite(s) && s > 0) points.Add((k, Math.Log10(s)));
            else if (s == 0) { reachedZero = true; break; }
            else break;
        }
        double slope = Slope(points);
        double total = double.IsFinite(slope) ? slope * depth : 0;
        Verdict verdict = firstNonFiniteLayer is not null ? Verdict.Exploding
            : reachedZero ? Verdict.Vanishing
            : total > 1 ? Verdict.Exploding
            : total < -1 ? Verdict.Vanishing
            : Verdict.Stable;

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
        return new Diagnosis(verdict, Math.Pow(10, double.IsFinite(slope) ? slope : 0), slope, limits, Advice(verdict, slope, activation));
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

    private static string Advice(Verdict verdict, double slope, Activation activation)
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
        return $"{rate}; for {activation.Name} use {scheme} or sigma_w = {gain:0.###}";
    }

    private static string GainText(Activation activation) => activation.Name == "relu" ? "sqrt(2)" : $"{Gain.Exact(activation):0.####}";
}
