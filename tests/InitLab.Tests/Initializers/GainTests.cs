using InitLab.Activations;
using InitLab.Initializers;

namespace InitLab.Tests.Initializers;

public class GainTests
{
    // torch.nn.init.calculate_gain, PyTorch 1.13 on x86-64 (values copied from the shared reference file).
    [Theory]
    [InlineData("linear", null, 1.0)]
    [InlineData("conv1d", null, 1.0)]
    [InlineData("conv2d", null, 1.0)]
    [InlineData("conv3d", null, 1.0)]
    [InlineData("conv_transpose1d", null, 1.0)]
    [InlineData("conv_transpose2d", null, 1.0)]
    [InlineData("conv_transpose3d", null, 1.0)]
    [InlineData("sigmoid", null, 1.0)]
    [InlineData("tanh", null, 1.6666666666666667)]
    [InlineData("relu", null, 1.4142135623730951)]
    [InlineData("leaky_relu", null, 1.4141428569978354)]
    [InlineData("leaky_relu", 0.2, 1.3867504905630728)]
    [InlineData("leaky_relu", 0.0, 1.4142135623730951)]
    [InlineData("leaky_relu", 2.23606797749979, 0.5773502691896257)]
    [InlineData("selu", null, 0.75)]
    public void Recommended_gain_matches_PyTorch_calculate_gain(string name, double? param, double expected) =>
        Assert.Equal(expected, Gain.Recommended(name, param), 15);

    [Fact]
    public void Recommended_gain_of_an_activation_object_uses_its_parameter()
    {
        Assert.Equal(Math.Sqrt(2 / 1.04), Gain.Recommended(Activation.LeakyRelu(0.2)), 15);
        Assert.Equal(1.0, Gain.Recommended(Activation.Identity));
    }

    [Fact]
    public void Recommended_gain_rejects_names_PyTorch_rejects_and_lists_the_valid_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gain.Recommended("gelu"));
        Assert.Equal("nonlinearity", ex.ParamName);
        Assert.Contains("gelu", ex.Message);
        Assert.Contains("conv_transpose3d", ex.Message);
        Assert.Throws<ArgumentException>(() => Gain.Recommended(Activation.Elu()));
        Assert.False(Gain.TryRecommended("mish", null, out _));
        Assert.True(Gain.TryRecommended("tanh", null, out double g));
        Assert.Equal(5.0 / 3.0, g);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void Recommended_leaky_relu_gain_rejects_a_non_finite_slope(double slope)
    {
        var ex = Assert.Throws<ArgumentException>(() => Gain.Recommended("leaky_relu", slope));
        Assert.Equal("param", ex.ParamName);
    }

    // Oracle: 1 / sqrt(E[phi(z)^2]) by an independent computation (Python: trapezoid rule with h = 0.002 on [-14, 14]
    // for the analytic activations, whose error decays like exp(-pi^2 / h^2); Simpson on each half-line for the kinked
    // ones), which agrees with the erf closed form 1 / sqrt(2/pi asin(2/3)) to 1e-15.
    [Theory]
    [InlineData("identity", null, 1.0)]
    [InlineData("relu", null, 1.4142135623730951)]
    [InlineData("tanh", null, 1.5925374197228352)]
    [InlineData("sigmoid", null, 1.8462285453386058)]
    [InlineData("erf", null, 1.4671669504891385)]
    [InlineData("gelu", null, 1.5335304411955397)]
    [InlineData("silu", null, 1.676532470331092)]
    [InlineData("softplus", null, 1.0418668355353056)]
    [InlineData("mish", null, 1.4868475812732134)]
    [InlineData("selu", null, 0.9999999999996729)]
    [InlineData("elu", null, 1.2451983007005034)]
    public void Exact_gain_is_pinned_to_12_digits(string name, double? param, double expected)
    {
        double actual = Gain.Exact(ActivationRegistry.Parse(name, param));
        Assert.True(Math.Abs(actual - expected) <= 1e-12 * expected, $"{name}: {actual:R} vs {expected:R}");
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.2)]
    [InlineData(-0.5)]
    [InlineData(3.0)]
    public void Exact_gain_equals_the_recommended_one_for_positively_homogeneous_activations(double slope) =>
        Assert.Equal(Gain.Recommended("leaky_relu", slope), Gain.Exact(Activation.LeakyRelu(slope)), 12);

    [Fact]
    public void Exact_gain_of_selu_is_one_which_is_why_selu_self_normalizes()
    {
        Assert.Equal(1.0, Gain.Exact(Activation.Selu), 11);
        Assert.NotEqual(Gain.Recommended("selu"), Gain.Exact(Activation.Selu), 2);
    }

    [Fact]
    public void Exact_gain_of_a_user_delegate_splits_at_the_given_kinks()
    {
        // |x|: E[z^2] = 1, so the gain is exactly 1; and a relu written by hand matches sqrt 2.
        Assert.Equal(1.0, Gain.Exact(Math.Abs, [0.0]), 13);
        Assert.Equal(Math.Sqrt(2), Gain.Exact(x => x > 0 ? x : 0, [0.0]), 13);
        // 2 z: E[4 z^2] = 4, gain 1/2, with no kinks.
        Assert.Equal(0.5, Gain.Exact(x => 2 * x), 14);
    }

    [Fact]
    public void Exact_gain_of_a_zero_or_non_finite_function_is_an_ArgumentException()
    {
        Assert.Equal("activation", Assert.Throws<ArgumentException>(() => Gain.Exact(_ => 0.0)).ParamName);
        Assert.Throws<ArgumentException>(() => Gain.Exact(_ => double.NaN));
        Assert.Throws<ArgumentException>(() => Gain.Exact(x => Math.Exp(x * x)));
    }
}
