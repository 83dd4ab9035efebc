using InitLab.Initializers;
using InitLab.Inspection;
using InitLab.Numerics;
using InitLab.Random;

namespace InitLab.Tests.Inspection;

public sealed class GoodnessOfFitTests
{
    private const double Float32 = 1.0 / (1 << 24);

    [Fact]
    public void Bonferroni_multiplies_the_smallest_p_value_by_the_number_of_tests()
    {
        Assert.Equal(0.03, GoodnessOfFit.Combine(0.3, 0.01, null, 0.5, null, null).Combined, 15);
        Assert.Equal(1.0, GoodnessOfFit.Combine(0.9, 0.8, 0.7, 0.6, 0.5, 0.4).Combined);
        Assert.Equal(3, GoodnessOfFit.Combine(0.3, 0.01, null, 0.5, null, null).Tests);
        Assert.Equal("mean", GoodnessOfFit.Combine(0.3, 0.01, null, 0.5, null, null).Weakest);
    }

    [Theory]
    [InlineData(1.959963984540054, 0.05)]
    [InlineData(-2.5758293035489004, 0.01)]
    [InlineData(0, 1)]
    public void Without_skewness_the_moment_p_value_is_the_two_sided_normal_one(double z, double p) =>
        Assert.Equal(p, GoodnessOfFit.TwoSidedCornishFisher(z, 0), 12);

    [Fact]
    public void With_right_skew_the_upper_tail_is_heavier_and_the_lower_tail_lighter()
    {
        // w = z - g (z^2 - 1) / 6: at z = 3, g = 0.2: w = 3 - 0.2 * 8 / 6 = 2.7333.
        Assert.Equal(2 * SpecialFunctions.NormalCdf(-(3 - 0.2 * 8 / 6)), GoodnessOfFit.TwoSidedCornishFisher(3, 0.2), 14);
        Assert.Equal(2 * SpecialFunctions.NormalCdf(-3 - 0.2 * 8 / 6), GoodnessOfFit.TwoSidedCornishFisher(-3, 0.2), 14);
    }

    [Fact]
    public void The_extremes_p_value_is_the_exact_law_of_the_maximum_and_minimum()
    {
        // n = 100 values of which the largest is 3 and the smallest -2.5 under N(0, 1):
        // p_hi = 1 - Phi(3)^100, p_lo = 1 - (1 - Phi(-2.5))^100, p = 2 min.
        var x = Enumerable.Range(0, 100).Select(i => -2 + 4.0 * i / 99 * 0.5).ToArray();
        x[0] = 3;
        x[1] = -2.5;
        var sample = new TensorSample(x, Math.Pow(2, -53));
        double pHi = 1 - Math.Pow(SpecialFunctions.NormalCdf(3), 100);
        double pLo = 1 - Math.Pow(1 - SpecialFunctions.NormalCdf(-2.5), 100);
        Assert.Equal(Math.Min(1, 2 * Math.Min(pHi, pLo)), GoodnessOfFit.ExtremesPValue(ElementDistribution.Normal(0, 1), sample), 10);
    }

    [Fact]
    public void An_element_outside_a_bounded_support_has_p_value_zero_but_rounding_of_the_bound_is_allowed()
    {
        var law = ElementDistribution.Uniform(-0.1, 0.1);
        var inside = new double[64];
        inside[0] = (float)0.1; // the bound rounded to float32 (0.100000001490116)
        Assert.True(GoodnessOfFit.ExtremesPValue(law, new TensorSample(inside, Float32)) > 0);
        inside[0] = 0.1001;
        Assert.Equal(0, GoodnessOfFit.ExtremesPValue(law, new TensorSample(inside, Float32)));
    }

    [Fact]
    public void Five_outliers_at_100_sigma_pass_the_KS_test_but_fail_the_extremes_and_the_combination()
    {
        // PyTorch's trunc_normal_(std=0.002) once wrote values at its absolute bounds +-2: 1000 sigma (pytorch#155588).
        var x = new double[65536];
        new Generator(11).Normal(x, 0, 0.02);
        for (int i = 0; i < 5; i++) x[i * 1000] = i % 2 == 0 ? 2.0 : -2.0;
        var law = Init.TruncNormal(0, 0.02).DistributionOf(new InitLab.Tensors.Shape(x.Length))!;
        var fit = GoodnessOfFit.Test(law, new TensorSample(x, Math.Pow(2, -53)));
        Assert.True(fit.Ks > 0.01, $"KS alone p = {fit.Ks}");
        Assert.True(fit.Extremes < 1e-100, $"extremes p = {fit.Extremes}");
        Assert.True(fit.Combined < 1e-100);
    }

    [Fact]
    public void A_fresh_sample_passes_and_a_sample_of_the_wrong_scale_fails_on_the_variance()
    {
        var x = new double[20000];
        new Generator(5).Normal(x, 0, 0.1);
        var sample = new TensorSample(x, Math.Pow(2, -53));
        Assert.True(GoodnessOfFit.Test(ElementDistribution.Normal(0, 0.1), sample).Combined >= 1e-3);
        var wrong = GoodnessOfFit.Test(ElementDistribution.Normal(0, 0.103), sample);
        Assert.True(wrong.Combined < 1e-3, wrong.ToString());
        Assert.Equal("variance", wrong.Weakest);
    }

    [Fact]
    public void Rounding_to_bfloat16_never_lowers_the_KS_p_value_when_declared()
    {
        var x = new double[1 << 16];
        new Generator(8).Normal(x);
        for (int i = 0; i < x.Length; i++) x[i] = RoundToBFloat16(x[i]);
        var law = ElementDistribution.Normal(0, 1);
        double declared = GoodnessOfFit.KsPValue(law, new TensorSample(x, Math.Pow(2, -8)));
        double ignored = GoodnessOfFit.KsPValue(law, new TensorSample(x, Math.Pow(2, -53)));
        Assert.True(declared >= ignored, $"declared {declared}, ignored {ignored}");
        Assert.True(declared >= 1e-3);
    }

    [Fact]
    public void The_spectral_component_rejects_a_rank_one_spike_that_no_element_test_sees()
    {
        // W = G / 16 + theta u v^T (256 x 256, entries of variance 1/256: bulk edge 2), theta = 1.6 = 0.8 x the edge. The
        // spike adds theta^2 = 2.6 to ||W||_F^2 = 256 (1 %, 1.8 standard errors of the variance) but pushes sigma_max to
        // theta + 1 / theta = 2.2 (Benaych-Georges & Nadakuditi 2012), 11 % above the edge, where Tracy-Widom
        // fluctuations are 1 %.
        const int n = 256;
        var w = new double[n * n];
        var g = new Generator(3);
        g.Normal(w, 0, 1.0 / 16);
        double[] u = new double[n], v = new double[n];
        g.Normal(u);
        g.Normal(v);
        double nu = Math.Sqrt(u.Sum(a => a * a)), nv = Math.Sqrt(v.Sum(a => a * a));
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) w[i * n + j] += 1.6 * u[i] / nu * v[j] / nv;
        double lambda = InitLab.LinearAlgebra.SymmetricEigen.SquaredSingularValues(w, n, n)[0];
        Assert.Equal(1.6 + 1 / 1.6, Math.Sqrt(lambda), 1);
        var fit = GoodnessOfFit.Test(ElementDistribution.Normal(0, 1.0 / 16), new TensorSample(w, Math.Pow(2, -53), n, n, lambda));
        Assert.True(fit.Ks > 1e-3 && fit.Variance > 1e-3 && fit.Mean > 1e-3 && fit.Extremes > 1e-3, fit.ToString());
        Assert.True(fit.Spectral < 1e-10, fit.ToString());
        Assert.Equal("spectral", fit.Weakest);
    }

    /// <summary>Standardized moments of a truncated normal, against Simpson quadrature of the density (independent of the recursion).</summary>
    [Fact]
    public void Truncated_normal_moments_match_quadrature()
    {
        var law = ElementDistribution.TruncatedNormal(0.3, 1.2, -1.0, 2.5);
        var c = LawFunctions.StandardizedMoments(law);
        double Density(double x) => Math.Exp(-0.5 * Math.Pow((x - 0.3) / 1.2, 2));
        double Integral(Func<double, double> f)
        {
            const int m = 20000;
            double h = 3.5 / m, s = f(-1.0) + f(2.5);
            for (int i = 1; i < m; i++) s += (i % 2 == 1 ? 4 : 2) * f(-1.0 + i * h);
            return s * h / 3;
        }
        double z = Integral(Density), mean = Integral(x => x * Density(x)) / z;
        double sd = Math.Sqrt(Integral(x => (x - mean) * (x - mean) * Density(x)) / z);
        Assert.Equal(mean, law.Mean, 10);
        for (int j = 3; j <= 12; j++)
        {
            double expected = Integral(x => Math.Pow((x - mean) / sd, j) * Density(x)) / z;
            Assert.True(Math.Abs(c[j] - expected) <= 1e-8 * Math.Max(1, Math.Abs(expected)), $"c[{j}] = {c[j]:R}, quadrature {expected:R}");
        }
    }

    [Fact]
    public void Normal_and_uniform_moments_are_double_factorials_and_powers_of_three()
    {
        var normal = LawFunctions.StandardizedMoments(ElementDistribution.Normal(1, 2));
        Assert.Equal([1, 0, 1, 0, 3, 0, 15, 0, 105, 0, 945, 0, 10395], normal);
        var uniform = LawFunctions.StandardizedMoments(ElementDistribution.Uniform(-3, 5));
        Assert.Equal(9.0 / 5, uniform[4], 14);      // E z^4 on (-sqrt 3, sqrt 3) = 9 / 5
        Assert.Equal(27.0 / 7, uniform[6], 14);
        Assert.Equal(729.0 / 13, uniform[12], 12);
    }

    [Fact]
    public void Lower_and_upper_tails_are_the_CDF_and_its_complement()
    {
        Assert.Equal(0.25, LawFunctions.LowerTail(ElementDistribution.Uniform(-1, 3), 0), 15);
        Assert.Equal(0.75, LawFunctions.Survival(ElementDistribution.Uniform(-1, 3), 0), 15);
        var t = ElementDistribution.TruncatedNormal(0.5, 2, -1, 4);
        foreach (double x in new[] { -0.5, 0.7, 3.9 })
        {
            Assert.Equal(t.Cdf(x), LawFunctions.LowerTail(t, x), 13);
            Assert.Equal(1 - t.Cdf(x), LawFunctions.Survival(t, x), 13);
        }
        // The far normal tail keeps its relative precision: Phi(-30) = 4.906713927148187e-198.
        Assert.Equal(1.0, LawFunctions.LowerTail(ElementDistribution.Normal(0, 1), -30) / 4.906713927148187e-198, 12);
    }

    private static double RoundToBFloat16(double x)
    {
        uint bits = BitConverter.SingleToUInt32Bits((float)x);
        uint rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000u; // round to nearest even on the upper 16 bits
        return BitConverter.UInt32BitsToSingle(rounded);
    }

    internal static float RoundToBFloat16(float x) => (float)RoundToBFloat16((double)x);
}
