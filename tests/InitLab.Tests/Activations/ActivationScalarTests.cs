using InitLab.Activations;

namespace InitLab.Tests.Activations;

public class ActivationScalarTests
{
    // Reference values from the closed forms, evaluated independently (Python math module, double precision).
    // Tolerance 1e-13 relative: Phi(x) for x < -0.7 goes through erfc = 1 - erf below 2.5, which loses ~1e-13 there.
    [Theory]
    [InlineData("identity", -1.5, -1.5)]
    [InlineData("relu", -1.0, 0.0)]
    [InlineData("relu", 2.0, 2.0)]
    [InlineData("leaky_relu", -2.0, -0.02)]
    [InlineData("tanh", 1.0, 0.7615941559557649)]
    [InlineData("sigmoid", 0.0, 0.5)]
    [InlineData("sigmoid", -40.0, 4.248354255291589e-18)]
    [InlineData("erf", 0.5, 0.5204998778130465)]
    [InlineData("gelu", 1.0, 0.8413447460685429)]
    [InlineData("gelu", -3.0, -0.004049694094890287)]
    [InlineData("silu", 1.0, 0.7310585786300049)]
    [InlineData("selu", 1.0, 1.0507009873554805)]
    [InlineData("selu", -1.0, -1.1113307378125625)]
    [InlineData("elu", -1.0, -0.6321205588285577)]
    [InlineData("elu", -1e-10, -9.999999999500001e-11)]
    [InlineData("softplus", 0.0, 0.6931471805599453)]
    [InlineData("softplus", -50.0, 1.9287498479639178e-22)]
    [InlineData("softplus", 50.0, 50.0)]
    [InlineData("mish", 1.0, 0.8650983882673103)]
    public void Forward_matches_the_closed_form(string name, double x, double expected)
    {
        double actual = ActivationRegistry.Parse(name).Forward(x);
        Assert.True(Math.Abs(actual - expected) <= 1e-13 * Math.Abs(expected) + 1e-300, $"{name}({x}) = {actual:R}, expected {expected:R}");
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.Names), MemberType = typeof(ActivationTestData))]
    public void Derivative_matches_a_finite_difference_away_from_kinks(string name, double? parameter)
    {
        var phi = ActivationRegistry.Parse(name, parameter);
        foreach (double x in new[] { -4.3, -1.7, -0.6, -0.05, 0.05, 0.3, 1.1, 2.9, 6.0 })
        {
            // Central difference with h = 1e-5: truncation h^2 |phi'''| / 6 and rounding eps |phi| / h are both < 1e-9.
            const double h = 1e-5;
            double numeric = (phi.Forward(x + h) - phi.Forward(x - h)) / (2 * h);
            Assert.True(Math.Abs(phi.Derivative(x) - numeric) < 1e-8, $"{phi}'({x}) = {phi.Derivative(x):R}, numeric {numeric:R}");
        }
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.Names), MemberType = typeof(ActivationTestData))]
    public void NaN_propagates_through_forward_and_derivative(string name, double? parameter)
    {
        var phi = ActivationRegistry.Parse(name, parameter);
        Assert.True(double.IsNaN(phi.Forward(double.NaN)), $"{phi} forward");
        Assert.True(double.IsNaN(phi.Derivative(double.NaN)), $"{phi} derivative");
    }

    [Fact]
    public void Relu_derivative_at_the_kink_is_zero_as_in_PyTorch()
    {
        Assert.Equal(0.0, Activation.Relu.Derivative(0.0));
        Assert.Equal([0.0], Activation.Relu.Kinks);
        Assert.Empty(Activation.Tanh.Kinks);
    }

    [Fact]
    public void Custom_activation_without_derivative_uses_an_accurate_numerical_one()
    {
        var cube = Activation.Custom("cube_sin", x => Math.Sin(x) * x * x);
        foreach (double x in new[] { -3.0, -0.2, 0.0, 0.7, 12.0 })
        {
            double exact = Math.Cos(x) * x * x + 2 * x * Math.Sin(x);
            Assert.True(Math.Abs(cube.Derivative(x) - exact) < 1e-9 * Math.Max(1, Math.Abs(exact)), $"x = {x}");
        }
    }

    [Fact]
    public void Custom_activation_uses_the_given_derivative_and_kinks()
    {
        var abs = Activation.Custom("abs", Math.Abs, x => Math.Sign(x), [0.0]);
        Assert.Equal(-1.0, abs.Derivative(-2.0));
        Assert.Equal([0.0], abs.Kinks);
        Assert.Equal("abs", abs.Name);
    }

    [Fact]
    public void Custom_activation_rejects_an_empty_name_and_non_finite_kinks()
    {
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => Activation.Custom(" ", x => x)).ParamName);
        Assert.Equal("kinks", Assert.Throws<ArgumentException>(() => Activation.Custom("f", x => x, kinks: [double.NaN])).ParamName);
    }
}
