using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Inspection;

/// <summary>
/// The combined test of "these elements are an i.i.d. draw of this law" used by <see cref="TensorInspector"/>. It joins
/// tests that see different departures, because each alone misses some:
/// <list type="bullet">
/// <item>Kolmogorov-Smirnov (the shape of the law; blind to a handful of outliers: 5 elements at 1000 sigma move D by
/// 5 / n);</item>
/// <item>moments: with z = (x - mean) / std of the law, the means of z, z^2 and z^4 (location, scale, tails);</item>
/// <item>extremes: the largest and the smallest element (exact: P(max &gt;= m) = 1 - F(m)^n), which catch the outliers;</item>
/// <item>spectral (matrices of at least <see cref="MarchenkoPastur.MinDimension"/> rows and columns, zero-mean laws):
/// the largest singular value against the Tracy-Widom law at the Marchenko-Pastur edge, which sees low-rank structure
/// that no element-wise test can (a rank-one spike moves each element by O(1 / sqrt n)).</item>
/// </list>
/// Combination: Bonferroni, p = min(1, K min_i p_i) over the K tests that apply. The components are functions of the
/// same sample and positively dependent (the KS and moment tests both react to a wrong scale), so Fisher's
/// -2 sum ln p_i, whose chi-square law needs independence, would reject too often; Bonferroni's bound
/// P(min p_i &lt;= alpha / K) &lt;= sum_i P(p_i &lt;= alpha / K) = alpha holds under any dependence and loses little when
/// one component carries the evidence, which is the usual case (outliers show only in the extremes, spikes only in
/// the spectrum).
/// </summary>
/// <remarks>
/// <para>Moment tests: T_k = mean(z^k) is a mean of n i.i.d. variables Y = z^k with E Y = c_k, Var Y = c_2k - c_k^2 and
/// third central moment c_3k - 3 c_2k c_k + 2 c_k^3 (c_j the law's standardized moments, exact up to j = 12). Its
/// p-value uses the Cornish-Fisher skewness correction w = z - g (z^2 - 1) / 6 (g = skewness of T_k, made monotone past
/// its turning point); the test is used only when |g| &lt;= 0.25, where that one-term correction is accurate (for a
/// normal law: n &gt;= 128 for z^2 and n &gt;= 1632 for z^4).</para>
/// <para>Rounding: a float32 or bfloat16 element is its true value times (1 + delta), |delta| &lt;= u. The KS statistic
/// is computed as the smallest D any such true values could have (F evaluated at x (1 -/+ u)), the extremes at the
/// least extreme true value, and the bounds of a bounded law are widened by 2u; so rounding never causes a rejection.
/// The moment tests rely on round-to-nearest being unbiased (its bias is O(u^2)).</para>
/// </remarks>
public static class GoodnessOfFit
{
    /// <summary>The largest skewness |g| of a moment statistic for which its test is used.</summary>
    public const double MaxMomentSkewness = 0.25;

    /// <summary>Tests <paramref name="sample"/> against <paramref name="law"/>; see the type.</summary>
    /// <param name="law">The claimed element law (not a point mass).</param>
    /// <param name="sample">The elements.</param>
    /// <param name="withKs">False skips the KS test (the combined p-value is then an upper bound of the full one);
    /// used to rule out hopeless laws cheaply.</param>
    /// <exception cref="ArgumentException">The law is a point mass.</exception>
    public static FitComponents Test(ElementDistribution law, TensorSample sample, bool withKs = true)
    {
        ArgumentNullException.ThrowIfNull(law);
        ArgumentNullException.ThrowIfNull(sample);
        if (law.Kind == DistributionKind.PointMass)
            throw new ArgumentException("law must not be a point mass; compare constants directly.", nameof(law));
        var c = LawFunctions.StandardizedMoments(law);
        long n = sample.Count;
        var sums = sample.PowerSums(law.Mean);
        double sd = law.Std;
        double? mean = MomentPValue(sums[1] / (n * sd), 1, c, n, sample.UnitRoundoff);
        double? variance = MomentPValue(sums[2] / (n * sd * sd), 2, c, n, sample.UnitRoundoff);
        double? fourth = MomentPValue(sums[4] / (n * sd * sd * sd * sd), 4, c, n, sample.UnitRoundoff);
        double extremes = ExtremesPValue(law, sample);
        double? spectral = SpectralPValue(law, sample);
        double? ks = withKs ? KsPValue(law, sample) : null;
        return Combine(ks, mean, variance, fourth, extremes, spectral);
    }

    /// <summary>Bonferroni's combination min(1, K min p) of the non-null p-values.</summary>
    public static FitComponents Combine(double? ks, double? mean, double? variance, double? fourth, double? extremes, double? spectral)
    {
        var ps = new[] { ks, mean, variance, fourth, extremes, spectral }.Where(p => p is not null).Select(p => p!.Value).ToArray();
        double combined = ps.Length == 0 ? 1 : Math.Min(1, ps.Length * ps.Min());
        return new FitComponents(ks, mean, variance, fourth, extremes, spectral, combined);
    }

    /// <summary>
    /// Two-sided p-value of the mean t of n i.i.d. copies of Y = z^k under the law with standardized moments c:
    /// null when Var Y = 0 or the skewness of the mean exceeds <see cref="MaxMomentSkewness"/>.
    /// </summary>
    internal static double? MomentPValue(double t, int k, double[] c, long n, double unitRoundoff)
    {
        double e = c[k], v = c[2 * k] - e * e;
        if (!(v > 1e-300)) return null;
        double m3 = c[3 * k] - 3 * c[2 * k] * e + 2 * e * e * e;
        double g = m3 / Math.Pow(v, 1.5) / Math.Sqrt(n);
        if (Math.Abs(g) > MaxMomentSkewness) return null;
        // Allowance for the O(u^2) bias of round-to-nearest storage.
        double allowance = k * unitRoundoff * unitRoundoff * (Math.Abs(e) + 1);
        double deviation = t - e;
        deviation = Math.Sign(deviation) * Math.Max(0, Math.Abs(deviation) - allowance);
        double z = deviation / Math.Sqrt(v / n);
        return TwoSidedCornishFisher(z, g);
    }

    /// <summary>
    /// Two-sided p-value of a standardized statistic z whose law has skewness g: w = z - g (z^2 - 1) / 6 mapped through
    /// Phi (the inverse one-term Cornish-Fisher expansion); z is held at the turning point 3 / g where w stops increasing.
    /// </summary>
    internal static double TwoSidedCornishFisher(double z, double g)
    {
        if (g > 0) z = Math.Min(z, 3 / g);
        else if (g < 0) z = Math.Max(z, 3 / g);
        double w = z - g * (z * z - 1) / 6;
        double tail = w > 0 ? SpecialFunctions.NormalCdf(-w) : SpecialFunctions.NormalCdf(w);
        return Math.Min(1, 2 * tail);
    }

    /// <summary>
    /// Two-sided extremes test: p_hi = P(max &gt;= x_max) = 1 - (1 - S(x_max'))^n with x_max' = x_max - u |x_max| (the least
    /// extreme true value), p_lo likewise for the minimum, p = min(1, 2 min(p_hi, p_lo)); 0 when an element lies outside
    /// the support widened by 2u.
    /// </summary>
    internal static double ExtremesPValue(ElementDistribution law, TensorSample sample)
    {
        double u = sample.UnitRoundoff;
        if (double.IsFinite(law.High) && sample.Max > law.High + 2 * u * Math.Abs(law.High) + double.Epsilon) return 0;
        if (double.IsFinite(law.Low) && sample.Min < law.Low - 2 * u * Math.Abs(law.Low) - double.Epsilon) return 0;
        double hi = sample.Max - u * Math.Abs(sample.Max), lo = sample.Min + u * Math.Abs(sample.Min);
        double pHi = AtLeastOne(LawFunctions.Survival(law, hi), sample.Count);
        double pLo = AtLeastOne(LawFunctions.LowerTail(law, lo), sample.Count);
        return Math.Min(1, 2 * Math.Min(pHi, pLo));
    }

    // 1 - (1 - q)^n without cancellation.
    private static double AtLeastOne(double q, long n) => q >= 1 ? 1 : q <= 0 ? 0 : -Elementary.ExpM1(n * Elementary.Log1P(-q));

    /// <summary>
    /// The rounding-aware KS test on the sorted sample y: D = max_i max((i + 1) / m - F(y_i + u |y_i|), F(y_i - u |y_i|) - i / m),
    /// a lower bound of the statistic of the unrounded values, so its p-value (Stephens' asymptotic form) is conservative.
    /// </summary>
    internal static double KsPValue(ElementDistribution law, TensorSample sample)
    {
        var y = sample.SortedSample;
        double u = sample.UnitRoundoff;
        int m = y.Length;
        double d = 0;
        // Rounding moves F(y_i) by at most f_max u |y_i|; when that is below 1e-6 for every element (float32 and float64
        // storage) one CDF evaluation per element and a global allowance suffice.
        double globalSlack = MaxDensity(law) * u * Math.Max(Math.Abs(y[0]), Math.Abs(y[^1]));
        if (globalSlack <= 1e-6)
        {
            for (int i = 0; i < m; i++)
            {
                double f = LawFunctions.Cdf(law, y[i]);
                d = Math.Max(d, Math.Max((i + 1.0) / m - f, f - (double)i / m));
            }
            d = Math.Max(0, d - globalSlack);
        }
        else
        {
            for (int i = 0; i < m; i++)
            {
                double slack = u * Math.Abs(y[i]);
                double above = (i + 1.0) / m - LawFunctions.Cdf(law, y[i] + slack);
                double below = LawFunctions.Cdf(law, y[i] - slack) - (double)i / m;
                d = Math.Max(d, Math.Max(above, below));
            }
        }
        return KolmogorovSmirnov.PValue(m, d);
    }

    /// <summary>The largest value of the law's density.</summary>
    private static double MaxDensity(ElementDistribution law)
    {
        switch (law.Kind)
        {
            case DistributionKind.Normal: return 1 / (law.Scale * Math.Sqrt(2 * Math.PI));
            case DistributionKind.Uniform: return 1 / law.Scale;
            case DistributionKind.TruncatedNormal:
                double alpha = (law.Low - law.Location) / law.Scale, beta = (law.High - law.Location) / law.Scale;
                double peak = alpha > 0 ? alpha : beta < 0 ? beta : 0;
                return SpecialFunctions.NormalPdf(peak) / (law.Scale * LawFunctions.Mass(alpha, beta));
            default: return double.PositiveInfinity;
        }
    }

    /// <summary>
    /// The Tracy-Widom p-value of sigma_max^2 / std^2 when the sample is a matrix with min(rows, cols) &gt;=
    /// <see cref="MarchenkoPastur.MinDimension"/> and the law has mean 0; else null.
    /// </summary>
    internal static double? SpectralPValue(ElementDistribution law, TensorSample sample)
    {
        if (sample.LargestSquaredSingularValue is not { } lambda) return null;
        if (Math.Min(sample.MatrixRows, sample.MatrixCols) < MarchenkoPastur.MinDimension) return null;
        if (Math.Abs(law.Mean) > 1e-12 * law.Std || !(law.Std > 0)) return null;
        return MarchenkoPastur.LargestEigenvaluePValue(lambda, law.Std * law.Std, sample.MatrixRows, sample.MatrixCols);
    }
}
