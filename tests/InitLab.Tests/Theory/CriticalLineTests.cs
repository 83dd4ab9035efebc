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

    /// <summary>
    /// A critical sigma_w far above 10 (tanh with sigma_b = 100: q* ~ 1e4, so tanh' is non-zero only on |z| &lt; ~0.01 and
    /// chi_1 = sigma_w^2 E[sech^4(sqrt(q*) z)] needs sigma_w ~ 14) is found, not refused; checked against chi_1 and q* computed
    /// here by a fine Simpson rule over z (the peak resolved by 2e5 panels).
    /// </summary>
    [Fact]
    public void A_critical_sigma_w_above_ten_is_found()
    {
        double sw = CriticalLine.SigmaW(Activation.Tanh, 100).SigmaW;
        Assert.InRange(sw, 10, 100);
        static double Gauss(Func<double, double> f)
        {
            const int n = 200_000;
            const double a = -10, h = 20.0 / n;
            double sum = f(a) * Math.Exp(-a * a / 2) + f(-a) * Math.Exp(-a * a / 2);
            for (int k = 1; k < n; k++)
            {
                double z = a + k * h;
                sum += (k % 2 == 1 ? 4 : 2) * f(z) * Math.Exp(-z * z / 2);
            }
            return sum * h / 3 / Math.Sqrt(2 * Math.PI);
        }
        double q = 1e4;
        for (int it = 0; it < 50; it++) q = sw * sw * Gauss(z => Math.Pow(Math.Tanh(Math.Sqrt(q) * z), 2)) + 100 * 100;
        double chi1 = sw * sw * Gauss(z => Math.Pow(1 / Math.Cosh(Math.Sqrt(q) * z), 4));
        Assert.Equal(1.0, chi1, 1e-6);
    }
}
