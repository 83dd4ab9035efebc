using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

public class KolmogorovSmirnovTests
{
    [Fact]
    public void The_asymptotic_p_value_matches_the_Kolmogorov_distribution_at_its_critical_points()
    {
        // Q(1.358) = 0.05 and Q(1.628) = 0.01 (Kolmogorov's limiting distribution), for large n.
        const long n = 1_000_000;
        double scale = Math.Sqrt(n) + 0.12 + 0.11 / Math.Sqrt(n);
        Assert.Equal(0.05, KolmogorovSmirnov.PValue(n, 1.3581 / scale), 3);
        Assert.Equal(0.01, KolmogorovSmirnov.PValue(n, 1.6276 / scale), 3);
    }

    [Fact]
    public void A_uniform_sample_is_rejected_as_normal()
    {
        var x = new float[20_000];
        new Generator(1).Uniform(x, -1.7320508f, 1.7320508f); // same mean and variance as N(0,1)
        var r = KolmogorovSmirnov.Test(x, KolmogorovSmirnov.NormalCdf());
        Assert.False(r.Passes(1e-4), $"p = {r.PValue}");
    }

    [Fact]
    public void Empty_and_NaN_samples_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.Test(Array.Empty<double>(), KolmogorovSmirnov.NormalCdf()));
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.Test(new[] { double.NaN }, KolmogorovSmirnov.NormalCdf()));
    }

    [Fact]
    public void The_statistic_is_the_larger_of_the_two_one_sided_deviations()
    {
        // Against U(0, 1), sorted x_i (i = 1..n): D+ = max(i/n - x_i), D- = max(x_i - (i-1)/n), D = max(D+, D-).
        // {0.1, 0.4, 0.7}: D+ = max(0.2333, 0.2667, 0.3) = 0.3, D- = max(0.1, 0.0667, 0.0333) = 0.1: D = 0.3 from above.
        Assert.Equal(0.3, KolmogorovSmirnov.Test(new[] { 0.7, 0.1, 0.4 }, KolmogorovSmirnov.UniformCdf()).Statistic, 14);
        // {0.5, 0.8, 0.9}: D+ = max(-0.1667, -0.1333, 0.1) = 0.1, D- = max(0.5, 0.4667, 0.2333) = 0.5: D = 0.5 from below.
        Assert.Equal(0.5, KolmogorovSmirnov.Test(new[] { 0.9, 0.5, 0.8 }, KolmogorovSmirnov.UniformCdf()).Statistic, 14);
        // One point at the median of N(0, 1): F = 0.5, D = max(1 - 0.5, 0.5 - 0) = 0.5.
        var one = KolmogorovSmirnov.Test(new[] { 0.0 }, KolmogorovSmirnov.NormalCdf());
        Assert.Equal(0.5, one.Statistic, 14);
        Assert.Equal(1, one.Count);
    }

    [Theory]
    [InlineData(17UL, 50, 0.0, 1.0)]
    [InlineData(18UL, 400, 0.3, 1.0)]
    [InlineData(19UL, 1000, 0.0, 1.4)]
    public void The_statistic_matches_a_brute_force_supremum_over_the_sample_points(ulong seed, int n, double shift, double scale)
    {
        // sup_x |F_n(x) - F(x)| is attained at a sample point, approached from the left or taken at it; computed here
        // directly from the definition of the empirical CDF (count of points <= x, or < x).
        var x = new double[n];
        new Generator(seed).Normal(x, shift, scale);
        var cdf = KolmogorovSmirnov.NormalCdf();
        double d = 0;
        foreach (double v in x)
        {
            double atOrBelow = x.Count(w => w <= v) / (double)n, below = x.Count(w => w < v) / (double)n;
            double f = cdf(v);
            d = Math.Max(d, Math.Max(Math.Abs(atOrBelow - f), Math.Abs(below - f)));
        }
        var r = KolmogorovSmirnov.Test(x, cdf);
        Assert.Equal(d, r.Statistic, 14);
        Assert.Equal(n, r.Count);
        Assert.Equal(KolmogorovSmirnov.PValue(n, d), r.PValue, 15);
        // Float overload: same points widened.
        Assert.Equal(KolmogorovSmirnov.Test(x.Select(v => (double)(float)v).ToArray(), cdf).Statistic,
            KolmogorovSmirnov.Test(x.Select(v => (float)v).ToArray(), cdf).Statistic, 15);
    }

    [Theory]
    [InlineData(0.5, 0.9639452436648751)]
    [InlineData(0.8, 0.5441424115741981)]
    [InlineData(1.0, 0.26999967167735456)]
    [InlineData(1.2, 0.11224966667072496)]
    [InlineData(1.5, 0.022217962616525127)]
    [InlineData(2.0, 0.0006709252557796953)]
    public void The_p_value_is_the_Kolmogorov_tail_at_the_Stephens_corrected_lambda(double lambda, double q)
    {
        // Q(lambda) = 2 sum_(j >= 1) (-1)^(j-1) exp(-2 j^2 lambda^2) (Kolmogorov 1933; tables: Q(1.0) = 0.2700, Q(1.5) =
        // 0.0222), evaluated to double precision separately; lambda = (sqrt(n) + 0.12 + 0.11 / sqrt(n)) D (Stephens 1970).
        foreach (long n in new long[] { 40, 100, 5000 })
        {
            double d = lambda / (Math.Sqrt(n) + 0.12 + 0.11 / Math.Sqrt(n));
            Assert.Equal(q, KolmogorovSmirnov.PValue(n, d), 12);
        }
    }

    [Fact]
    public void Small_statistics_have_p_value_one()
    {
        Assert.Equal(1.0, KolmogorovSmirnov.PValue(100, 0.0));
        Assert.Equal(1.0, KolmogorovSmirnov.PValue(100, 0.1 / (10 + 0.12 + 0.011)));
        Assert.True(KolmogorovSmirnov.Test(new[] { 0.5 }, KolmogorovSmirnov.UniformCdf()).Passes(0.5));
        Assert.False(new KsResult(10, 0.5, 0.01).Passes(0.05));
        Assert.True(new KsResult(10, 0.5, 0.05).Passes(0.05));
    }

    [Fact]
    public void The_two_sample_statistic_matches_a_brute_force_supremum_and_uses_the_effective_size()
    {
        // D = sup_x |F_a(x) - G_b(x)| over the pooled points (ties included), p-value at n m / (n + m).
        var a = new double[] { 0.1, 0.5, 0.5, 0.9, 1.3 };
        var b = new double[] { 0.5, 0.6, 0.7, 2.0 };
        double d = 0;
        foreach (double v in a.Concat(b))
            d = Math.Max(d, Math.Abs(a.Count(w => w <= v) / 5.0 - b.Count(w => w <= v) / 4.0));
        Assert.Equal(0.35, d, 14); // at x = 0.5: 3/5 - 1/4
        var r = KolmogorovSmirnov.TwoSample(a, b);
        Assert.Equal(d, r.Statistic, 14);
        Assert.Equal(9, r.Count);
        double effective = 5.0 * 4 / 9, lambda = (Math.Sqrt(effective) + 0.12 + 0.11 / Math.Sqrt(effective)) * d;
        double q = 0;
        for (int j = 1; j < 100; j++) q += 2 * (j % 2 == 1 ? 1 : -1) * Math.Exp(-2.0 * j * j * lambda * lambda);
        Assert.Equal(lambda < 0.2 ? 1 : q, r.PValue, 12);
        Assert.Equal(0.35, KolmogorovSmirnov.TwoSample(b, a).Statistic, 14);
    }

    [Fact]
    public void Two_sample_inputs_must_be_non_empty_and_free_of_NaN()
    {
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample(Array.Empty<double>(), new[] { 1.0 }));
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample(new[] { 1.0 }, Array.Empty<double>()));
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample(new[] { double.NaN }, new[] { 1.0 }));
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample(new[] { 1.0 }, new[] { double.NaN }));
    }

    [Fact]
    public void The_built_in_CDFs_match_their_formulas()
    {
        // N(mu, s^2): Phi((x - mu) / s) with Phi(1) = 0.8413447460685429 (tables); U[a, b): (x - a) / (b - a) clamped;
        // truncated: (Phi(z) - Phi(alpha)) / (Phi(beta) - Phi(alpha)), 0 below a and 1 above b.
        Assert.Equal(0.8413447460685429, KolmogorovSmirnov.NormalCdf(1, 2)(3), 14);
        Assert.Equal(0.5, KolmogorovSmirnov.NormalCdf(-1, 3)(-1), 15);
        var u = KolmogorovSmirnov.UniformCdf(-1, 3);
        Assert.Equal(0.0, u(-2));
        Assert.Equal(0.0, u(-1));
        Assert.Equal(0.375, u(0.5), 15);
        Assert.Equal(1.0, u(3));
        Assert.Equal(1.0, u(7));
        var t = KolmogorovSmirnov.TruncatedNormalCdf(0, 1, -1, 1);
        Assert.Equal(0.0, t(-1.5));
        Assert.Equal(0.5, t(0), 14);
        Assert.Equal(1.0, t(1));
        // N(2, 2^2) on [0, 6]: alpha = -1, beta = 2; at x = 4 (z = 1): (Phi(1) - Phi(-1)) / (Phi(2) - Phi(-1)).
        var shifted = KolmogorovSmirnov.TruncatedNormalCdf(2, 2, 0, 6);
        Assert.Equal((0.8413447460685429 - 0.15865525393145707) / (0.9772498680518208 - 0.15865525393145707), shifted(4), 13);
    }
}
