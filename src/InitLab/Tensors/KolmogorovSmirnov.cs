using InitLab.Numerics;

namespace InitLab.Tensors;

/// <summary>Result of a one-sample Kolmogorov-Smirnov test.</summary>
/// <param name="Count">Sample size n.</param>
/// <param name="Statistic">D = sup_x |F_n(x) - F(x)|.</param>
/// <param name="PValue">P(D_n &gt;= D) under the null hypothesis that the sample was drawn from F.</param>
public sealed record KsResult(long Count, double Statistic, double PValue)
{
    /// <summary>True when the null hypothesis is kept at significance level <paramref name="alpha"/> (p &gt;= alpha).</summary>
    public bool Passes(double alpha) => PValue >= alpha;
}

/// <summary>
/// One-sample Kolmogorov-Smirnov test against an exact continuous CDF. The p-value uses the limiting
/// Kolmogorov distribution Q(lambda) = 2 sum_{j&gt;=1} (-1)^(j-1) exp(-2 j^2 lambda^2) at
/// lambda = (sqrt(n) + 0.12 + 0.11 / sqrt(n)) D (Stephens 1970), accurate for n &gt;= 35 or so.
/// </summary>
public static class KolmogorovSmirnov
{
    /// <summary>Tests <paramref name="sample"/> (not modified) against <paramref name="cdf"/>.</summary>
    /// <exception cref="ArgumentException">The sample is empty or holds NaN.</exception>
    public static KsResult Test(ReadOnlySpan<double> sample, Func<double, double> cdf)
    {
        ArgumentNullException.ThrowIfNull(cdf);
        if (sample.Length == 0) throw new ArgumentException("sample must not be empty.", nameof(sample));
        double[] x = sample.ToArray();
        foreach (double v in x)
            if (double.IsNaN(v)) throw new ArgumentException("sample holds NaN; the KS test needs ordered values.", nameof(sample));
        Array.Sort(x);
        int n = x.Length;
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double f = cdf(x[i]);
            d = Math.Max(d, Math.Max((i + 1.0) / n - f, f - (double)i / n));
        }
        return new KsResult(n, d, PValue(n, d));
    }

    /// <summary>Tests a float sample; values are widened to double.</summary>
    public static KsResult Test(ReadOnlySpan<float> sample, Func<double, double> cdf)
    {
        var x = new double[sample.Length];
        for (int i = 0; i < x.Length; i++) x[i] = sample[i];
        return Test(x, cdf);
    }

    /// <summary>
    /// Two-sample test: D = sup_x |F_n(x) - G_m(x)|, p-value from the same limiting distribution at the effective size
    /// n m / (n + m). Used to check that two engines produce statistically indistinguishable samples.
    /// </summary>
    /// <exception cref="ArgumentException">A sample is empty or holds NaN.</exception>
    public static KsResult TwoSample(ReadOnlySpan<double> first, ReadOnlySpan<double> second)
    {
        if (first.Length == 0 || second.Length == 0) throw new ArgumentException("both samples must be non-empty.", nameof(first));
        double[] a = first.ToArray(), b = second.ToArray();
        foreach (double v in a) if (double.IsNaN(v)) throw new ArgumentException("first holds NaN.", nameof(first));
        foreach (double v in b) if (double.IsNaN(v)) throw new ArgumentException("second holds NaN.", nameof(second));
        Array.Sort(a);
        Array.Sort(b);
        int i = 0, j = 0;
        double d = 0;
        while (i < a.Length && j < b.Length)
        {
            double x = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] <= x) i++;
            while (j < b.Length && b[j] <= x) j++;
            d = Math.Max(d, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }
        long n = a.Length, m = b.Length;
        double effective = (double)n * m / (n + m);
        return new KsResult(n + m, d, PValueEffective(effective, d));
    }

    /// <summary>The asymptotic p-value of statistic <paramref name="d"/> for sample size <paramref name="n"/>.</summary>
    public static double PValue(long n, double d) => PValueEffective(n, d);

    private static double PValueEffective(double n, double d)
    {
        double sn = Math.Sqrt(n);
        double lambda = (sn + 0.12 + 0.11 / sn) * d;
        if (lambda < 0.2) return 1.0;
        double sum = 0, sign = 1;
        for (int j = 1; j <= 100; j++)
        {
            double term = Math.Exp(-2.0 * j * j * lambda * lambda);
            sum += sign * term;
            sign = -sign;
            if (term < 1e-17) break;
        }
        return Math.Clamp(2.0 * sum, 0.0, 1.0);
    }

    /// <summary>CDF of N(mean, std^2).</summary>
    public static Func<double, double> NormalCdf(double mean = 0, double std = 1) =>
        x => SpecialFunctions.NormalCdf((x - mean) / std);

    /// <summary>CDF of U[low, high).</summary>
    public static Func<double, double> UniformCdf(double low = 0, double high = 1) =>
        x => x <= low ? 0 : x >= high ? 1 : (x - low) / (high - low);

    /// <summary>CDF of N(mean, std^2) truncated to [a, b] (absolute bounds, either may be infinite), stable in far
    /// tails (<see cref="StandardTruncatedNormal"/>).</summary>
    /// <exception cref="ArgumentException">std not finite and &gt; 0, mean not finite, or a &gt;= b.</exception>
    public static Func<double, double> TruncatedNormalCdf(double mean, double std, double a, double b) =>
        Initializers.ElementDistribution.TruncatedNormal(mean, std, a, b).Cdf;
}
