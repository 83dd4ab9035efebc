using InitLab.Activations;

namespace InitLab.Tests.Activations;

public class ActivationRegistryTests
{
    [Fact]
    public void Every_design_name_parses_to_an_activation_of_that_name()
    {
        foreach (string name in ActivationRegistry.Names)
            Assert.Equal(name, ActivationRegistry.Parse(name).Name);
    }

    [Theory]
    [InlineData("linear", "identity")]
    [InlineData("swish", "silu")]
    [InlineData("Leaky-ReLU", "leaky_relu")]
    [InlineData(" TANH ", "tanh")]
    public void Aliases_and_spelling_variants_map_to_the_canonical_name(string given, string canonical) =>
        Assert.Equal(canonical, ActivationRegistry.Parse(given).Name);

    [Fact]
    public void Parameters_default_to_PyTorch_values_and_can_be_set()
    {
        Assert.Equal(0.01, ActivationRegistry.Parse("leaky_relu").Parameter);
        Assert.Equal(1.0, ActivationRegistry.Parse("elu").Parameter);
        Assert.Equal(0.2, ActivationRegistry.Parse("leaky_relu", 0.2).Parameter);
        Assert.Equal(-0.2, ActivationRegistry.Parse("leaky_relu", 0.2).Forward(-1.0), 15);
        Assert.Equal("leaky_relu(a = 0.2)", ActivationRegistry.Parse("leaky_relu", 0.2).ToString());
    }

    [Fact]
    public void Unknown_name_is_an_ArgumentException_listing_the_valid_names()
    {
        var ex = Assert.Throws<ArgumentException>(() => ActivationRegistry.Parse("relu6"));
        Assert.Equal("name", ex.ParamName);
        Assert.Contains("relu6", ex.Message);
        foreach (string name in ActivationRegistry.Names) Assert.Contains(name, ex.Message);
    }

    [Fact]
    public void A_parameter_for_an_activation_without_one_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => ActivationRegistry.Parse("relu", 0.1));
        Assert.Equal("parameter", ex.ParamName);
        Assert.Contains("0.1", ex.Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Non_finite_parameters_are_rejected(double value)
    {
        Assert.Throws<ArgumentException>(() => ActivationRegistry.Parse("leaky_relu", value));
        Assert.Throws<ArgumentException>(() => Activation.Elu(value));
        Assert.Throws<ArgumentException>(() => Activation.LeakyRelu(value));
    }
}
