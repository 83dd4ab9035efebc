using InitLab.Activations;
using InitLab.Theory;

namespace InitLab.Tests.Theory;

/// <summary>
/// The shortcuts of <see cref="MeanFieldModel"/> before its general paths (mutation lines 106-108), checked at points
/// where the shortcut must not fire, or must fire, against closed forms written out here: a linear network's variance
/// map F(q) = sigma_w^2 q + sigma_b^2 has q* = sigma_b^2 / (1 - sigma_w^2) for sigma_w &lt; 1, and relu's
/// F(q) = sigma_w^2 q / 2 grows without bound when sigma_w^2 / 2 &gt; 1 and sigma_b = 0.
/// </summary>
public class MeanFieldMutationTests
{
    [Fact]
    public void A_fixed_point_two_parts_in_1e5_from_the_start_is_not_taken_for_the_start()
    {
        // F(1) - 1 = 1e-5: not a fixed point; q* = (0.5 + 1e-5) / 0.5 = 1 + 2e-5.
        double sigmaW = Math.Sqrt(0.5), sigmaB = Math.Sqrt(0.5 + 1e-5);
        var fixedPoint = new MeanFieldModel(Activation.Identity, sigmaW, sigmaB).FindVarianceFixedPoint(1.0);
        double expected = sigmaB * sigmaB / (1 - sigmaW * sigmaW);
        Assert.Equal(FixedPointKind.Finite, fixedPoint.Kind);
        Assert.True(Math.Abs(fixedPoint.QStar - expected) <= 1e-12 * expected, $"q* {fixedPoint.QStar:R} vs {expected:R}");
        Assert.True(fixedPoint.QStar > 1 + 1e-5);
    }

    [Fact]
    public void Relu_slightly_above_critical_without_bias_diverges_even_though_F_of_1_is_close_to_1()
    {
        // F(q) = (1 + 1e-5) q > q for every q > 0: no finite fixed point, although |F(1) - 1| = 1e-5.
        var fixedPoint = new MeanFieldModel(Activation.Relu, Math.Sqrt(2 * (1 + 1e-5)), 0).FindVarianceFixedPoint(1.0);
        Assert.Equal(FixedPointKind.Divergent, fixedPoint.Kind);
        Assert.Equal(double.PositiveInfinity, fixedPoint.QStar);
    }

    [Fact]
    public void A_tiny_bias_gives_a_tiny_finite_fixed_point_below_the_halving_search_not_a_trivial_one()
    {
        // sigma_b^2 = 1e-32: q* = 2e-32 lies below the halving search's floor (1e-30 q0), so it is found from F(0) > 0.
        double sigmaW = Math.Sqrt(0.5), sigmaB = 1e-16;
        var fixedPoint = new MeanFieldModel(Activation.Identity, sigmaW, sigmaB).FindVarianceFixedPoint(1.0);
        double expected = sigmaB * sigmaB / (1 - sigmaW * sigmaW);
        Assert.Equal(FixedPointKind.Finite, fixedPoint.Kind);
        Assert.True(Math.Abs(fixedPoint.QStar - expected) <= 1e-9 * expected, $"q* {fixedPoint.QStar:R} vs {expected:R}");
    }

    [Fact]
    public void The_critical_linear_network_keeps_correlation_one()
    {
        // phi = identity, sigma_w = 1, sigma_b = 0: F(q) = q, chi_1 = 1 (to the quadrature's rounding), C(c) = c; c* = 1 by the contract
        // (chi_1 <= 1 + CriticalTolerance), not the other fixed point c = 0 that the general search finds first.
        var report = new MeanFieldModel(Activation.Identity, 1, 0).Analyze();
        Assert.Equal(1.0, report.QStar);
        Assert.True(Math.Abs(report.Chi1 - 1) <= 1e-14, $"chi_1 {report.Chi1:R}");
        Assert.Equal(Phase.Critical, report.Phase);
        Assert.Equal(1.0, report.CStar);
    }

    [Fact]
    public void Tanh_without_bias_at_a_tiny_variance_is_ordered_so_c_star_is_one()
    {
        // chi(q) = E[sech^4(sqrt(q) z)] = 1 - 2 q + O(q^2) for sigma_w = 1: at q = 1e-10, chi = 1 - 2e-10 (above
        // 1 - CriticalTolerance), and C'(1) = chi < 1 makes c = 1 the attractor; c = 0 (C(0) = 0 for odd phi without
        // bias) repels.
        var model = new MeanFieldModel(Activation.Tanh, 1, 0);
        double chi = model.Chi(1e-10);
        Assert.True(Math.Abs(chi - (1 - 2e-10)) <= 1e-12, $"chi {chi:R}");
        Assert.Equal(1.0, model.FindCorrelationFixedPoint(1e-10));
    }
}
