using InitLab.Activations;
using InitLab.Theory;

namespace InitLab.Tests.Theory;

public class CriticalLineTests
{
    // For odd activations at sigma_b = 0, chi_1 - 1 vanishes quadratically in sigma_w - sigma_c on the chaotic side
    // (q* grows linearly from 0), so quadrature noise of 1e-13 moves the root by up to sqrt(1e-13) ~ 3e-7.
    private const double TangentialTolerance = 1e-6;

    [Fact]
    public void Tanh_at_sigma_b_zero_is_critical_at_sigma_w_1() =>
        Assert.Equal(1.0, CriticalLine.SigmaW(Activation.Tanh, 0).SigmaW, TangentialTolerance);

    [Fact]
    public void Erf_at_sigma_b_zero_is_critical_at_sqrt_pi_over_2() =>
        Assert.Equal(Math.Sqrt(Math.PI) / 2, CriticalLine.SigmaW(Activation.Erf, 0).SigmaW, TangentialTolerance);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    public void Relu_and_linear_critical_points_are_sqrt_2_and_1(double sigmaB)
    {
        Assert.Equal(Math.Sqrt(2), CriticalLine.SigmaW(Activation.Relu, sigmaB).SigmaW, 12);
        Assert.Equal(1.0, CriticalLine.SigmaW(Activation.Identity, sigmaB).SigmaW, 12);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.3)]
    public void Erf_critical_point_satisfies_the_closed_form_chi1_equal_1(double sigmaB)
    {
        double sw = CriticalLine.SigmaW(Activation.Erf, sigmaB).SigmaW;
        // Independent check with the arcsine kernel: iterate q <- sw^2 (2/pi) asin(2q / (1 + 2q)) + sb^2 to its fixed point
        // (a contraction here), then chi_1 = sw^2 (4/pi) / sqrt(1 + 4 q).
        double q = 1;
        for (int i = 0; i < 2000; i++) q = sw * sw * ClosedFormKernels.Erf(q, q, 1) + sigmaB * sigmaB;
        Assert.Equal(1.0, sw * sw * ClosedFormKernels.ErfDerivative(q, q, 1), 10);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.1)]
    [InlineData(0.3)]
    public void Tanh_critical_point_has_chi1_equal_1_and_grows_with_sigma_b(double sigmaB)
    {
        var point = CriticalLine.SigmaW(Activation.Tanh, sigmaB);
        Assert.Equal(1.0, point.Chi1, 12);
        Assert.Equal(FixedPointKind.Finite, point.FixedPoint.Kind);
        Assert.True(point.SigmaW > 1.0);
        var report = new MeanFieldModel(Activation.Tanh, point.SigmaW, sigmaB).Analyze();
        Assert.Equal(Phase.Critical, report.Phase);
        Assert.True(double.IsPositiveInfinity(report.XiC!.Value), "xi_c diverges at criticality");
    }

    [Fact]
    public void An_activation_without_a_critical_point_is_an_error_not_a_hang()
    {
        var zero = Activation.Custom("zero", _ => 0.0, _ => 0.0);
        var ex = Assert.Throws<ArgumentException>(() => CriticalLine.SigmaW(zero, 0.1));
        Assert.Contains("no critical point", ex.Message);
        Assert.Equal("sigma_b", Assert.Throws<ArgumentException>(() => CriticalLine.SigmaW(Activation.Tanh, double.NaN)).ParamName);
    }

    [Fact]
    public void Where_chi1_jumps_across_1_the_boundary_is_reported_with_a_note()
    {
        // gelu with sigma_b > 0: from q0 = 1 the bounded fixed point is lost as sigma_w grows and q diverges, so chi_1
        // jumps from below 1 to sigma_w^2 / 2 > 1 without passing through 1.
        var point = CriticalLine.SigmaW(Activation.Gelu, 0.1);
        Assert.NotNull(point.Note);
        Assert.Contains("jumps", point.Note);
        Assert.Null(CriticalLine.SigmaW(Activation.Tanh, 0.1).Note);
    }
}
