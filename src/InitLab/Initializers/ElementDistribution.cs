using System.Globalization;
using InitLab.Numerics;

namespace InitLab.Initializers;

/// <summary>The family of an <see cref="ElementDistribution"/>.</summary>
public enum DistributionKind
{
    /// <summary>Every element equals one value.</summary>
    PointMass,

    /// <summary>N(mean, std^2).</summary>
    Normal,

    /// <summary>U[low, high).</summary>
    Uniform,

    /// <summary>N(mean, sigma^2) restricted to the absolute interval [low, high].</summary>
    TruncatedNormal,
}

/// <summary>
/// The exact law of each element of an initializer whose elements are i.i.d.: what an audit tests a tensor against.
/// <see cref="Std"/> is the standard deviation of the law itself (for a truncated normal: after truncation).
/// </summary>
public sealed record ElementDistribution
{
    private ElementDistribution(DistributionKind kind, double location, double scale, double low, double high)
    {
        Kind = kind;
        Location = location;
        Scale = scale;
        Low = low;
        High = high;
        (Mean, Std, FourthCentralMoment) = Moments();
        if (kind == DistributionKind.TruncatedNormal)
            (_massPoint, _scaledMass) = StandardTruncatedNormal.ScaledMass(Standardized(low), Standardized(high));
    }

    // P(a <= X <= b) = phi(_massPoint) _scaledMass in standard units (StandardTruncatedNormal.ScaledMass), kept for the CDF.
    private readonly double _massPoint, _scaledMass;

    private double Standardized(double x) => (x - Location) / Scale;

    /// <summary>The family.</summary>
    public DistributionKind Kind { get; }

    /// <summary>The location parameter: the value (point mass), the mean of the untruncated normal, or the low end (uniform).</summary>
    public double Location { get; }

    /// <summary>The scale parameter: the std of the untruncated normal (before truncation), the width (uniform), 0 for a point mass.</summary>
    public double Scale { get; }

    /// <summary>Lower end of the support (-infinity for a normal; may be -infinity for a one-sided truncated normal).</summary>
    public double Low { get; }

    /// <summary>Upper end of the support (+infinity for a normal; may be +infinity for a one-sided truncated normal).</summary>
    public double High { get; }

    /// <summary>The mean of the law.</summary>
    public double Mean { get; }

    /// <summary>The standard deviation of the law (after truncation, if any).</summary>
    public double Std { get; }

    /// <summary>E[(x - mean)^4], for the standard error of a sample std.</summary>
    public double FourthCentralMoment { get; }

    /// <summary>Every element equal to <paramref name="value"/>.</summary>
    public static ElementDistribution PointMass(double value)
    {
        Guard.Finite(value);
        return new(DistributionKind.PointMass, value, 0, value, value);
    }

    /// <summary>N(mean, std^2); a point mass when std = 0.</summary>
    public static ElementDistribution Normal(double mean, double std)
    {
        Guard.Finite(mean);
        Guard.NonNegative(std);
        return std == 0 ? PointMass(mean) : new(DistributionKind.Normal, mean, std, double.NegativeInfinity, double.PositiveInfinity);
    }

    /// <summary>U[low, high).</summary>
    public static ElementDistribution Uniform(double low, double high)
    {
        Guard.Less(low, high);
        return new(DistributionKind.Uniform, low, high - low, low, high);
    }

    /// <summary>
    /// N(mean, std^2) (std before truncation) restricted to [a, b]; a may be -infinity and b +infinity (one-sided), and
    /// the interval may lie arbitrarily far in a tail ([mean + 40 std, inf) has probability 1e-350 and is still exact).
    /// </summary>
    /// <exception cref="ArgumentException">mean not finite, std not finite and &gt; 0, a or b NaN, a &gt;= b.</exception>
    public static ElementDistribution TruncatedNormal(double mean, double std, double a, double b)
    {
        Guard.Finite(mean);
        Guard.Positive(std);
        Guard.Interval(a, b);
        return new(DistributionKind.TruncatedNormal, mean, std, a, b);
    }

    /// <summary>P(X &lt;= x).</summary>
    public double Cdf(double x)
    {
        switch (Kind)
        {
            case DistributionKind.PointMass: return x >= Location ? 1 : 0;
            case DistributionKind.Normal: return SpecialFunctions.NormalCdf((x - Location) / Scale);
            case DistributionKind.Uniform: return x <= Low ? 0 : x >= High ? 1 : (x - Low) / Scale;
            default:
                return StandardTruncatedNormal.Cdf(Standardized(Low), Standardized(High), _massPoint, _scaledMass, Standardized(x));
        }
    }

    /// <summary>
    /// The large-sample standard error of the unbiased sample std of n draws: sqrt((mu4 - sigma^4) / n) / (2 sigma)
    /// (delta method on Var(s^2) = (mu4 - sigma^4) / n + O(1/n^2)).
    /// </summary>
    public double StdStandardError(long n) =>
        Std == 0 || n < 2 ? 0 : Math.Sqrt(Math.Max(FourthCentralMoment - Std * Std * Std * Std, 0) / n) / (2 * Std);

    private (double Mean, double Std, double Mu4) Moments()
    {
        switch (Kind)
        {
            case DistributionKind.PointMass: return (Location, 0, 0);
            case DistributionKind.Normal: return (Location, Scale, 3 * Math.Pow(Scale, 4));
            case DistributionKind.Uniform: return (Location + Scale / 2, Scale / Math.Sqrt(12), Math.Pow(Scale, 4) / 80);
            default:
                // Stable in far tails and narrow intervals (StandardTruncatedNormal's remarks); the textbook recursion
                // m_k = (k - 1) m_(k-2) + (alpha^(k-1) phi(alpha) - beta^(k-1) phi(beta)) / P gave std 2.04 for [8, 9].
                var m = StandardTruncatedNormal.Moments(Standardized(Low), Standardized(High));
                return (Location + Scale * m.Mean, Scale * m.Std, Math.Pow(Scale, 4) * m.FourthCentralMoment);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Kind switch
    {
        DistributionKind.PointMass => $"Constant({F(Location)})",
        DistributionKind.Normal => $"Normal(μ = {F(Location)}, σ = {F(Scale)})",
        DistributionKind.Uniform => $"Uniform({F(Low)}, {F(High)})",
        _ => $"TruncatedNormal(μ = {F(Location)}, σ = {F(Scale)}, [{F(Low)}, {F(High)}])",
    };

    private static string F(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
}
