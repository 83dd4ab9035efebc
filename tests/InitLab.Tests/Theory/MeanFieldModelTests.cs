using InitLab.Activations;
using InitLab.Theory;

namespace InitLab.Tests.Theory;

public class MeanFieldModelTests
{
    private static void AssertRelative(double expected, double actual, double tolerance, string what = "") =>
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected), $"{what}: {actual:R} vs {expected:R}");

    [Theory]
    [InlineData(1.0, 0.1)]
    [InlineData(1.2, 0.5)]
    [InlineData(0.3, 1.0)]
    public void Relu_q_star_and_chi1_match_the_closed_forms(double sigmaW, double sigmaB)
    {
        var report = new MeanFieldModel(Activation.Relu, sigmaW, sigmaB).Analyze();
        AssertRelative(sigmaB * sigmaB / (1 - sigmaW * sigmaW / 2), report.QStar, 1e-12, "q*");
        AssertRelative(sigmaW * sigmaW / 2, report.Chi1, 1e-12, "chi1");
        Assert.Equal(1.0, report.CStar);
        Assert.Equal(Phase.Ordered, report.Phase);
        AssertRelative(-1 / Math.Log(sigmaW * sigmaW / 2), report.XiQ!.Value, 1e-10, "xi_q = -1/ln F'(q*) with F' = sigma_w^2/2");
    }

    [Theory]
    [InlineData(0.5, 0.2)]
    [InlineData(0.9, 1.0)]
    public void Linear_network_q_star_and_chi1_match_the_closed_forms(double sigmaW, double sigmaB)
    {
        var report = new MeanFieldModel(Activation.Identity, sigmaW, sigmaB).Analyze();
        AssertRelative(sigmaB * sigmaB / (1 - sigmaW * sigmaW), report.QStar, 1e-12, "q*");
        AssertRelative(sigmaW * sigmaW, report.Chi1, 1e-12, "chi1");
    }

    [Theory]
    [InlineData(1.5, 0.3)]
    [InlineData(0.8, 0.05)]
    public void Erf_q_star_chi1_and_correlation_map_match_the_arcsine_kernel(double sigmaW, double sigmaB)
    {
        var model = new MeanFieldModel(Activation.Erf, sigmaW, sigmaB);
        double q = model.FindVarianceFixedPoint().QStar;
        double fromKernel = sigmaW * sigmaW * ClosedFormKernels.Erf(q, q, 1) + sigmaB * sigmaB;
        AssertRelative(q, fromKernel, 1e-12, "q* is the fixed point of the closed-form map");
        AssertRelative(sigmaW * sigmaW * ClosedFormKernels.ErfDerivative(q, q, 1), model.Chi(q), 1e-12, "chi1");
        foreach (double c in new[] { 0.0, 0.4, 0.95 })
        {
            double expected = (sigmaW * sigmaW * ClosedFormKernels.Erf(q, q, c) + sigmaB * sigmaB) / q;
            AssertRelative(expected, model.CorrelationMap(q, c), 1e-11, $"C({c})");
            AssertRelative(sigmaW * sigmaW * ClosedFormKernels.ErfDerivative(q, q, c), model.ChiC(q, c), 1e-11, $"chi_c({c})");
        }
    }

    public static TheoryData<string, double, double> SmoothCases() => new()
    {
        { "tanh", 1.5, 0.05 }, { "tanh", 0.7, 0.3 }, { "sigmoid", 3.0, 0.5 }, { "gelu", 1.4, 0.1 }, { "selu", 1.0, 0.0 },
        { "softplus", 0.6, 0.2 }, { "silu", 1.2, 0.1 }, { "mish", 1.2, 0.2 }, { "elu", 1.1, 0.1 },
    };

    [Theory]
    [MemberData(nameof(SmoothCases))]
    public void Q_star_is_a_fixed_point_of_the_variance_map_to_1e_10(string name, double sigmaW, double sigmaB)
    {
        var model = new MeanFieldModel(ActivationRegistry.Parse(name), sigmaW, sigmaB);
        var fixedPoint = model.FindVarianceFixedPoint();
        Assert.Equal(FixedPointKind.Finite, fixedPoint.Kind);
        AssertRelative(fixedPoint.QStar, model.VarianceMap(fixedPoint.QStar), 1e-10, name);
    }

    [Theory]
    [InlineData("tanh", 1.5, 0.05)]
    [InlineData("gelu", 1.4, 0.1)]
    [InlineData("erf", 1.2, 0.4)]
    public void Chi1_equals_the_slope_of_the_correlation_map_at_c_equal_1(string name, double sigmaW, double sigmaB)
    {
        var model = new MeanFieldModel(ActivationRegistry.Parse(name), sigmaW, sigmaB);
        double q = model.FindVarianceFixedPoint().QStar;
        // One-sided differences D(h) = (C(1) - C(1 - h)) / h, Richardson-combined to O(h^2) = 1e-6 (C is smooth in c up
        // to 1 for smooth activations; relu's kernel has a (1 - c)^(3/2) term, so its chi_1 is checked by closed form
        // instead); rounding contributes 1e-13 / h = 1e-10.
        const double h = 1e-3;
        double d1 = (model.CorrelationMap(q, 1) - model.CorrelationMap(q, 1 - h)) / h;
        double d2 = (model.CorrelationMap(q, 1) - model.CorrelationMap(q, 1 - h / 2)) / (h / 2);
        AssertRelative(model.Chi(q), 2 * d2 - d1, 1e-5, "slope");
    }

    [Fact]
    public void Chaotic_tanh_has_an_attracting_correlation_fixed_point_below_1_whose_slope_is_chi_c()
    {
        var model = new MeanFieldModel(Activation.Tanh, 2.5, 0.3);
        var report = model.Analyze();
        Assert.Equal(Phase.Chaotic, report.Phase);
        double c = report.CStar!.Value;
        Assert.InRange(c, 0.0, 0.99);
        Assert.True(Math.Abs(model.CorrelationMap(report.QStar, c) - c) <= 1e-12, "c* is a fixed point");
        const double h = 1e-4; // central difference: error h^2 C''' / 6 ~ 1e-9
        double slope = (model.CorrelationMap(report.QStar, c + h) - model.CorrelationMap(report.QStar, c - h)) / (2 * h);
        AssertRelative(report.ChiC!.Value, slope, 1e-7, "chi_c");
        Assert.True(report.ChiC < 1);
        AssertRelative(-1 / Math.Log(report.ChiC.Value), report.XiC!.Value, 1e-14, "xi_c");
    }

    [Fact]
    public void Sigma_b_zero_with_a_contracting_map_reports_the_trivial_fixed_point_without_NaN()
    {
        var report = new MeanFieldModel(Activation.Tanh, 0.8, 0.0).Analyze();
        Assert.Equal(FixedPointKind.Trivial, report.FixedPoint.Kind);
        Assert.Equal(0.0, report.QStar);
        AssertRelative(0.64, report.Chi1, 1e-12, "chi1 = sigma_w^2 tanh'(0)^2");
        AssertRelative(-1 / Math.Log(0.64), report.XiQ!.Value, 1e-9, "xi_q");
        Assert.Null(report.CStar);
        Assert.Null(report.XiC);
        Assert.Equal(Phase.Ordered, report.Phase);
        Assert.NotNull(report.Note);

        var relu = new MeanFieldModel(Activation.Relu, 1.0, 0.0).Analyze();
        Assert.Equal(FixedPointKind.Trivial, relu.FixedPoint.Kind);
        AssertRelative(0.5, relu.Chi1, 1e-12, "relu chi1 is the q -> 0+ limit sigma_w^2 / 2");
    }

    [Fact]
    public void Relu_above_sqrt_2_with_a_bias_has_no_fixed_point_and_says_so()
    {
        var report = new MeanFieldModel(Activation.Relu, 1.5, 0.1).Analyze();
        Assert.Equal(FixedPointKind.Divergent, report.FixedPoint.Kind);
        Assert.True(double.IsPositiveInfinity(report.QStar));
        AssertRelative(1.125, report.Chi1, 1e-12, "chi1");
        Assert.Equal(Phase.Chaotic, report.Phase);
        Assert.Null(report.XiQ);
        Assert.Contains("no finite q*", report.Note);
    }

    [Fact]
    public void A_linear_network_at_sigma_w_1_keeps_every_variance_and_is_critical()
    {
        var report = new MeanFieldModel(Activation.Identity, 1.0, 0.0).Analyze(2.5);
        Assert.Equal(2.5, report.QStar);
        Assert.Equal(Phase.Critical, report.Phase);
        Assert.True(double.IsPositiveInfinity(report.XiC!.Value));
    }

    [Fact]
    public void Prediction_for_a_relu_network_follows_the_closed_form_recursion()
    {
        const double sw = 1.3, sb = 0.2, m0 = 0.7;
        var prediction = new MeanFieldModel(Activation.Relu, sw, sb).Predict(6, m0);
        double m = m0, jacobian = 1;
        foreach (var layer in prediction.Layers)
        {
            double q = sw * sw * m + sb * sb;
            AssertRelative(q, layer.PreMeanSquare, 1e-12, $"q_{layer.Layer}");
            AssertRelative(Math.Sqrt(q / (2 * Math.PI)), layer.PostMean, 1e-12, "E[relu] = sqrt(q / 2 pi)");
            AssertRelative(q / 2, layer.PostMeanSquare, 1e-12, "E[relu^2] = q / 2");
            AssertRelative(Math.Sqrt(q / 2 - q / (2 * Math.PI)), layer.PostStd, 1e-12, "std");
            m = q / 2;
            jacobian *= sw * sw / 2;
        }
        Assert.Equal(Enumerable.Range(1, 6), prediction.Layers.Select(l => l.Layer));
        AssertRelative(jacobian, prediction.JacobianMeanSquaredSingularValue, 1e-12, "chi_1^L");
    }

    [Fact]
    public void Prediction_reports_overflowing_layers_as_infinite_not_NaN()
    {
        var prediction = new MeanFieldModel(Activation.Identity, 1e10, 0).Predict(40, 1);
        Assert.True(double.IsPositiveInfinity(prediction.Layers[^1].PreMeanSquare));
        Assert.False(double.IsNaN(prediction.Layers[0].PreMeanSquare));
    }

    [Theory]
    [InlineData(-1.0, 0.0, "sigma_w")]
    [InlineData(double.NaN, 0.0, "sigma_w")]
    [InlineData(1.0, -0.1, "sigma_b")]
    [InlineData(1.0, double.PositiveInfinity, "sigma_b")]
    [InlineData(1e300, 0.0, "sigma_w")] // sigma_w^2 overflows: was refused later as "q must be a finite number"
    [InlineData(1.0, 2e154, "sigma_b")]
    public void Negative_non_finite_or_overflowing_sigmas_are_rejected(double sigmaW, double sigmaB, string parameter)
    {
        var ex = Assert.Throws<ArgumentException>(() => new MeanFieldModel(Activation.Tanh, sigmaW, sigmaB));
        Assert.Equal(parameter, ex.ParamName);
        Assert.StartsWith(parameter + " must be", ex.Message);
    }

    [Fact]
    public void The_largest_sigma_whose_square_is_finite_is_accepted()
    {
        // 1e154^2 = 1e308 < double.MaxValue = 1.8e308.
        Assert.Equal(1e154, new MeanFieldModel(Activation.Tanh, 1e154, 1e154).SigmaW);
    }

    [Fact]
    public void Other_bad_arguments_are_rejected()
    {
        var model = new MeanFieldModel(Activation.Tanh, 1, 0.1);
        Assert.Throws<ArgumentException>(() => model.Predict(0, 1));
        Assert.Throws<ArgumentException>(() => model.CorrelationMap(1, 1.1));
        Assert.Throws<ArgumentException>(() => model.FindVarianceFixedPoint(0));
        Assert.Throws<ArgumentException>(() => model.VarianceMap(-1));
    }

    [Fact]
    public void A_narrow_activation_feature_under_a_wide_Gaussian_is_not_stepped_over()
    {
        // chi(q) = E[sech(sqrt(q) z)^4] = (4/3) / sqrt(2 pi q) (1 + O(1/q)) at sigma_w = 1: the integrand is a spike of
        // width 1e-6 in z at q = 1e12.
        const double q = 1e12;
        double expected = 4.0 / 3.0 / Math.Sqrt(2 * Math.PI * q);
        AssertRelative(expected, new MeanFieldModel(Activation.Tanh, 1, 0).Chi(q), 1e-9, "chi(1e12)");
    }

    [Fact]
    public void Prediction_from_q_star_has_jacobian_chi1_to_the_depth()
    {
        var model = new MeanFieldModel(Activation.Tanh, 1.3, 0.2);
        var report = model.Analyze();
        // Input mean square m_0 with sigma_w^2 m_0 + sigma_b^2 = q*, so every layer sits at q*.
        double m0 = (report.QStar - 0.04) / 1.69;
        var prediction = model.Predict(10, m0);
        AssertRelative(report.JacobianMeanSquaredSingularValue(10), prediction.JacobianMeanSquaredSingularValue, 1e-10, "chi_1^L");
        Assert.All(prediction.Layers, l => AssertRelative(report.QStar, l.PreMeanSquare, 1e-10, "q_l = q*"));
    }

    [Fact]
    public void A_map_that_sends_every_variance_to_zero_leaves_the_correlation_at_one()
    {
        // sigma_w = sigma_b = 0: F(q) = 0 for every q, so both inputs become the same constant signal; the correlation map's
        // convention for a zero-variance output is c = 1 (identical signals), not 0.
        var model = new MeanFieldModel(Activation.Tanh, 0, 0);
        Assert.Equal(0.0, model.VarianceMap(1.0));
        Assert.Equal(1.0, model.CorrelationMap(1.0, 0.3));
        Assert.Equal(1.0, model.CorrelationMap(2.5, -0.7));
    }

    [Fact]
    public void Chaotic_tanh_without_bias_decorrelates_completely()
    {
        // tanh is odd and sigma_b = 0, so E[tanh(u1) tanh(u2)] = 0 for independent u1, u2: C(q*, 0) = 0 and c = 0 is a fixed
        // point; with chi_1 > 1 (sigma_w = 2) c = 1 is unstable and c* = 0 (Poole et al. 2016, Fig. 2).
        var model = new MeanFieldModel(Activation.Tanh, 2.0, 0);
        double qStar = model.FindVarianceFixedPoint().QStar;
        Assert.True(qStar > 0 && double.IsFinite(qStar), $"q* = {qStar}");
        Assert.True(model.Chi(qStar) > 1, $"chi_1 = {model.Chi(qStar)}");
        Assert.Equal(0.0, model.FindCorrelationFixedPoint(qStar));
    }
}
