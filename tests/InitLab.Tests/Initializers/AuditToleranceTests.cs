using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

/// <summary>
/// The audit's mean and std checks allow 5 standard errors, with the standard errors written out here from the
/// law's moments (not the library's), and a sample 4 standard errors off passes while one 6 off fails.
/// </summary>
public sealed class AuditToleranceTests
{
    private const double U = 1.0 / (1 << 24);
    private const int N = 10_000;

    /// <summary>n normal draws standardized to sample mean 0 and unbiased sample std 1 exactly.</summary>
    private static double[] Standardized(ulong seed)
    {
        var z = new double[N];
        new Generator(seed).Normal(z);
        double mean = z.Average();
        double sd = Math.Sqrt(z.Sum(v => (v - mean) * (v - mean)) / (N - 1));
        return z.Select(v => (v - mean) / sd).ToArray();
    }

    private static AuditCheck Check(AuditReport r, string name) => r.Checks.Single(c => c.Name == name);

    [Fact]
    public void Normal_tolerances_are_five_standard_errors_of_mean_and_std()
    {
        // N(mu, s^2): SE(mean) = s / sqrt(n); SE(std) = s sqrt((kurtosis - 1) / (4 n)) = s / sqrt(2 n) (kurtosis 3).
        const double mu = 0.3, s = 0.7;
        var x = Standardized(5).Select(v => mu + s * v).ToArray();
        var report = InitializerAudit.Run(Init.Normal(mu, s), x, new Shape(100, 100), U);
        Assert.True(report.Passed, string.Join("; ", report.Checks));
        Assert.Equal(5 * s / Math.Sqrt(N) + mu * U, Check(report, "mean").Tolerance, 12);
        Assert.Equal(mu, Check(report, "mean").Expected, 14);
        Assert.Equal(5 * s / Math.Sqrt(2.0 * N) + s * U, Check(report, "std").Tolerance, 9);
        Assert.Equal(s, Check(report, "std").Expected, 14);
        Assert.Equal(s, report.ExpectedStd, 14);
        Assert.Equal(s, report.MeasuredStd, 12);
        Assert.Equal(1.0, report.StdRatio, 12);
        Assert.Null(report.BoundRatio);
    }

    [Fact]
    public void Uniform_std_tolerance_uses_its_kurtosis_of_nine_fifths()
    {
        // U(a, b): std = (b - a) / sqrt(12), kurtosis 9/5, SE(std) = std sqrt((9/5 - 1) / (4 n)) = std sqrt(1 / (5 n)).
        const double a = -1, b = 3;
        double std = (b - a) / Math.Sqrt(12);
        var x = new double[N];
        new Generator(6).Uniform(x, a, b);
        var report = InitializerAudit.Run(Init.Uniform(a, b), x, new Shape(N), U);
        Assert.Equal(5 * std * Math.Sqrt(1.0 / (5 * N)) + std * U, Check(report, "std").Tolerance, 9);
        Assert.Equal(5 * std / Math.Sqrt(N) + 1 * U, Check(report, "mean").Tolerance, 12);
        Assert.Equal(1.0, Check(report, "mean").Expected, 14);
        // The support check and the bound ratio: max |x - 1| / 2.
        Assert.Equal(x.Max(v => Math.Abs(v - 1)) / 2, report.BoundRatio!.Value, 14);
        Assert.Equal(0, Check(report, "support").Value);
    }

    [Theory]
    [InlineData(4.0, true)]
    [InlineData(-4.0, true)]
    [InlineData(6.0, false)]
    [InlineData(-6.0, false)]
    public void A_std_off_by_k_standard_errors_passes_only_within_five(double k, bool passes)
    {
        const double s = 0.7;
        double se = s / Math.Sqrt(2.0 * N);
        var x = Standardized(7).Select(v => (s + k * se) * v).ToArray();
        var report = InitializerAudit.Run(Init.Normal(0, s), x, new Shape(N), U);
        Assert.Equal(passes, Check(report, "std").Passed);
        Assert.True(Check(report, "mean").Passed);
        Assert.True(Check(report, "ks").Passed, $"p = {report.KsPValue}: the std check alone must decide");
        Assert.Equal(passes, report.Passed);
    }

    [Theory]
    [InlineData(4.0, true)]
    [InlineData(6.0, false)]
    [InlineData(-6.0, false)]
    public void A_mean_off_by_k_standard_errors_passes_only_within_five(double k, bool passes)
    {
        const double s = 0.7;
        var x = Standardized(8).Select(v => k * s / Math.Sqrt(N) + s * v).ToArray();
        var report = InitializerAudit.Run(Init.Normal(0, s), x, new Shape(N), U);
        Assert.Equal(passes, Check(report, "mean").Passed);
        Assert.True(Check(report, "std").Passed);
    }

    [Fact]
    public void The_std_standard_error_of_a_truncated_normal_uses_its_fourth_moment_by_quadrature()
    {
        // N(0, 1) truncated to [-2, 2]: moments by Simpson's rule on the density, SE = sqrt((mu4 - s^4) / n) / (2 s).
        const double a = -2, b = 2;
        int steps = 20_000;
        double h = (b - a) / steps, m0 = 0, m2 = 0, m4 = 0;
        for (int i = 0; i <= steps; i++)
        {
            double t = a + i * h, w = (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2) * h / 3 * Math.Exp(-t * t / 2);
            m0 += w; m2 += w * t * t; m4 += w * t * t * t * t;
        }
        double variance = m2 / m0, mu4 = m4 / m0;
        var law = ElementDistribution.TruncatedNormal(0, 1, a, b);
        Assert.Equal(0.87962566103423978, Math.Sqrt(variance), 10); // JAX's constant, from the quadrature
        Assert.Equal(Math.Sqrt(variance), law.Std, 10);
        Assert.Equal(mu4, law.FourthCentralMoment, 9);
        Assert.Equal(Math.Sqrt((mu4 - variance * variance) / 500) / (2 * Math.Sqrt(variance)), law.StdStandardError(500), 9);
        Assert.Equal(0, law.StdStandardError(1));
        Assert.Equal(0, ElementDistribution.PointMass(2).StdStandardError(100));
    }

    [Fact]
    public void Normal_and_uniform_laws_have_their_textbook_fourth_moment_cdf_and_std_standard_error()
    {
        // N(1, 2^2): mu4 = 3 sigma^4 = 48, so SE(s) = sqrt((48 - 16) / n) / (2 * 2) = sigma / sqrt(2 n).
        var normal = ElementDistribution.Normal(1, 2);
        Assert.Equal(48, normal.FourthCentralMoment, 12);
        Assert.Equal(2 / Math.Sqrt(2.0 * 400), normal.StdStandardError(400), 14);
        Assert.Equal(0.5, normal.Cdf(1), 15);
        // U[2, 6): width w = 4, variance w^2 / 12, mu4 = w^4 / 80; F(3) = (3 - 2) / 4.
        var uniform = ElementDistribution.Uniform(2, 6);
        Assert.Equal(256.0 / 80, uniform.FourthCentralMoment, 12);
        Assert.Equal(4 / Math.Sqrt(12), uniform.Std, 14);
        Assert.Equal(0.25, uniform.Cdf(3), 15);
        Assert.Equal(0, uniform.Cdf(1.5));
        Assert.Equal(1, uniform.Cdf(6));
    }

    [Fact]
    public void One_element_beyond_either_bound_fails_the_support_check()
    {
        var x = new double[N];
        new Generator(9).Uniform(x, -1, 1);
        var inside = InitializerAudit.Run(Init.Uniform(-1, 1), x, new Shape(N), U);
        Assert.True(Check(inside, "support").Passed);
        foreach (double outside in new[] { 1.001, -1.001 })
        {
            var y = (double[])x.Clone();
            y[17] = outside;
            var report = InitializerAudit.Run(Init.Uniform(-1, 1), y, new Shape(N), U);
            Assert.False(Check(report, "support").Passed, $"{outside}");
            Assert.Equal(1, Check(report, "support").Value);
        }
    }

    [Theory]
    [InlineData(+1)]
    [InlineData(-1)]
    public void A_sparse_column_with_one_zero_too_many_or_too_few_fails(int change)
    {
        var init = Init.Sparse(0.5, 1);
        var shape = new Shape(10, 20);
        var w = init.Create<double>(shape, new Generator(4)).Data;
        Assert.True(InitializerAudit.Run(init, w, shape, U).Passed);
        // Column 3: zero one more non-zero, or make one zero non-zero.
        for (int i = 0; i < 10; i++)
        {
            bool isZero = w[i * 20 + 3] == 0;
            if (change > 0 && !isZero) { w[i * 20 + 3] = 0; break; }
            if (change < 0 && isZero) { w[i * 20 + 3] = 0.5; break; }
        }
        var report = InitializerAudit.Run(init, w, shape, U);
        Assert.Equal(1, Check(report, "zeros_per_column").Value);
        Assert.False(report.Passed);
    }

    [Fact]
    public void The_orthogonality_tolerance_is_16_sqrt_m_roundoffs()
    {
        // Float rounding of a Haar matrix moves each Gram entry by about sqrt(m) u; the audit allows 16 sqrt(m) u. A column
        // scaled by 1 + 10 sqrt(m) u (Gram diagonal off by about 20 sqrt(m) u) must fail.
        const int m = 256;
        var init = Init.Orthogonal();
        var shape = new Shape(m, m);
        var q = Array.ConvertAll(init.Create<float>(shape, new Generator(6)).Data, v => (double)v);
        var report = InitializerAudit.Run(init, q, shape, U);
        Assert.True(report.Passed, string.Join("; ", report.Checks));
        Assert.Equal(16 * Math.Sqrt(m) * U + 1e-13, Check(report, "gram").Tolerance, 1e-18);
        double factor = 1 + 10 * Math.Sqrt(m) * U;
        for (int i = 0; i < m; i++) q[i * m + 5] *= factor;
        Assert.False(Check(InitializerAudit.Run(init, q, shape, U), "gram").Passed);
    }
}
