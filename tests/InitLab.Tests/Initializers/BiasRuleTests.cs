using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

public sealed class BiasRuleTests
{
    [Fact]
    public void PyTorch_s_bias_rule_is_uniform_on_one_over_root_fan_in()
    {
        // nn.Conv2d(20, 64, 3): fan_in = 20 * 9 = 180, bound = 1 / sqrt(180).
        var law = BiasRule.For("torch_default", Fans.Of(new Shape(64, 20, 3, 3))).DistributionOf(new Shape(64))!;
        Assert.Equal((DistributionKind.Uniform, -1 / Math.Sqrt(180), 1 / Math.Sqrt(180)), (law.Kind, law.Low, law.High));
    }

    [Theory]
    [InlineData("kaiming_normal")]
    [InlineData("xavier_uniform")]
    [InlineData("orthogonal")]
    public void Every_other_scheme_starts_biases_at_zero(string scheme) =>
        Assert.Equal("zeros", BiasRule.For(scheme, Fans.Of(new Shape(4, 4))).Name);

    [Fact]
    public void The_rule_needs_the_layer_fans_and_a_layer_without_inputs_gets_zeros()
    {
        Assert.Equal("layerFans", Assert.Throws<ArgumentException>(() => BiasRule.For("torch_default", null)).ParamName);
        Assert.Equal("zeros", BiasRule.TorchDefault(0).Name);
        Assert.Throws<ArgumentException>(() => BiasRule.TorchDefault(-1));
    }
}
