using InitLab.Activations;
using InitLab.Numerics;
using InitLab.Theory;

namespace InitLab.Tests.Theory;

/// <summary>
/// The moment engine's Gaussian moments of activations, against the library's adaptive quadrature (an independent code path:
/// adaptive bisection to 1e-13) and against integrals written here.
/// </summary>
public class ActivationMomentsTests
{
    public static TheoryData<string, double, double> Cases()
    {
        var data = new TheoryData<string, double, double>();
        foreach (string act in new[] { "relu", "leaky_relu", "gelu", "tanh", "silu", "elu", "selu", "erf", "softplus", "sigmoid", "mish", "identity" })
            foreach (var (m, v) in new[] { (0.0, 1.0), (0.7, 0.3), (-1.3, 4.0), (2.5, 100.0), (0.1, 1e-4) })
                data.Add(act, m, v);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Mean_second_moment_and_derivative_square_equal_adaptive_quadrature(string name, double m, double v)
    {
        var phi = ActivationRegistry.Parse(name);
        double s = Math.Sqrt(v);
        var (mean, second) = ActivationMoments.Of(phi, m, v);
        double mean0 = GaussianExpectation.Normal(phi.Forward, m, s, phi.Kinks);
        double second0 = GaussianExpectation.Normal(x => phi.Forward(x) * phi.Forward(x), m, s, phi.Kinks);
        double d2 = GaussianExpectation.Normal(x => phi.Derivative(x) * phi.Derivative(x), m, s, phi.Kinks);
        Assert.Equal(mean0, mean, 1e-11 * (1 + Math.Abs(second0)));
        Assert.Equal(second0, second, 1e-11 * (1 + second0));
        Assert.Equal(d2, ActivationMoments.DerivativeSquare(phi, m, v), 1e-11 * (1 + d2));
        Assert.Equal(mean0, ActivationMoments.Smoothed(phi, m, v), 1e-11 * (1 + Math.Abs(second0)));
    }

    [Theory]
    [InlineData("relu", 0.0, 2.0, 0.6)]
    [InlineData("relu", 0.8, 1.5, 0.3)]
    [InlineData("relu", -1.1, 0.7, 0.95)]
    [InlineData("relu", 3.0, 1.0, 0.0)]
    [InlineData("leaky_relu", 0.0, 1.0, 0.5)]
    [InlineData("gelu", 0.2, 1.0, 0.7)]
    [InlineData("tanh", -0.5, 2.0, -0.4)]
    [InlineData("silu", 1.0, 3.0, 0.99)]
    public void Cross_moments_equal_bivariate_quadrature(string name, double m, double v, double rho)
    {
        var phi = ActivationRegistry.Parse(name);
        double expected = GaussianExpectation.Bivariate((a, b) => phi.Forward(m + a) * phi.Forward(m + b), v, v, rho,
            phi.Kinks.Select(k => k - m).ToArray());
        Assert.Equal(expected, ActivationMoments.Cross(phi, m, v, rho * v), 2e-9 * (1 + Math.Abs(expected)));
    }

    [Fact]
    public void The_relu_cross_moment_with_a_mean_matches_a_brute_force_integral_written_here()
    {
        // E[relu(X1) relu(X2)] by a product midpoint rule over (z1, z2) on [-8, 8]^2 with X2 = m + s (rho z1 + sqrt(1 - rho^2) z2).
        foreach (var (m, v, rho) in new[] { (0.5, 1.0, 0.3), (-0.4, 2.0, 0.8), (1.7, 0.5, 0.05) })
        {
            double s = Math.Sqrt(v), c = Math.Sqrt(1 - rho * rho), h = 0.01, sum = 0;
            for (double z1 = -8 + h / 2; z1 < 8; z1 += h)
            {
                double x1 = Math.Max(0, m + s * z1), w1 = Math.Exp(-0.5 * z1 * z1);
                if (x1 == 0) continue;
                for (double z2 = -8 + h / 2; z2 < 8; z2 += h)
                    sum += w1 * Math.Exp(-0.5 * z2 * z2) * x1 * Math.Max(0, m + s * (rho * z1 + c * z2));
            }
            double brute = sum * h * h / (2 * Math.PI);
            // The midpoint rule's error on the kinked integrand is O(h^2) = 1e-4 of the value.
            Assert.Equal(brute, ActivationMoments.ReluCross(m, v, rho), 2e-4 * brute);
        }
    }

    [Fact]
    public void Owens_t_has_its_closed_forms_at_h_0_and_q_1()
    {
        // T(0, q) = atan(q) / (2 pi); T(h, 1) = Phi(h) (1 - Phi(h)) / 2.
        foreach (double q in new[] { 0.1, 0.5, 1.0 })
            Assert.Equal(Math.Atan(q) / (2 * Math.PI), ActivationMoments.OwenT(0, q), 1e-15);
        foreach (double h in new[] { -2.0, 0.3, 1.7 })
        {
            double p = SpecialFunctions.NormalCdf(h);
            Assert.Equal(p * (1 - p) / 2, ActivationMoments.OwenT(h, 1), 1e-14);
        }
    }

    [Fact]
    public void The_fast_normal_table_agrees_with_the_reference_erfc_to_its_rounding()
    {
        for (double x = -7.5; x <= 7.5; x += 0.0137)
        {
            double reference = SpecialFunctions.Erfc(x);
            // exp(-x^2) carries a relative rounding of about x^2 ulp.
            Assert.True(Math.Abs(FastNormal.Erfc(x) - reference) <= 1e-14 * (1 + x * x) * reference, $"erfc({x}): {FastNormal.Erfc(x)} vs {reference}");
        }
        Assert.Equal(SpecialFunctions.Erfc(9), FastNormal.Erfc(9));
        Assert.True(double.IsNaN(FastNormal.Erfc(double.NaN)));
    }

    [Fact]
    public void The_fixed_gaussian_rule_matches_adaptive_quadrature_for_kinked_and_wide_integrands()
    {
        var elu = Activation.Elu(1.3);
        foreach (var (m, s) in new[] { (0.0, 1.0), (5.0, 0.2), (-3.0, 30.0), (0.4, 1e3) })
        {
            double expected = GaussianExpectation.Normal(x => elu.Forward(x) * elu.Forward(x), m, s, elu.Kinks);
            Assert.Equal(expected, GaussianRule.Expect(x => elu.Forward(x) * elu.Forward(x), m, s, elu.Kinks), 1e-10 * (1 + expected));
        }
    }
}
