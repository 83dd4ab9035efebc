using InitLab.Initializers;
using InitLab.Inspection;
using InitLab.Tensors;

namespace InitLab.Tests.Inspection;

public sealed class ParameterNamingTests
{
    [Theory]
    [InlineData("fc1.weight", 2, ParameterRole.Weight)]
    [InlineData("features.0.weight", 4, ParameterRole.Weight)]
    [InlineData("fc1.bias", 1, ParameterRole.Bias)]
    [InlineData("bn1.weight", 1, ParameterRole.NormScale)]
    [InlineData("bn1.running_mean", 1, ParameterRole.RunningMean)]
    [InlineData("bn1.running_var", 1, ParameterRole.RunningVariance)]
    [InlineData("bn1.num_batches_tracked", 0, ParameterRole.Other)]
    [InlineData("transformer.wte.weight", 2, ParameterRole.Embedding)]
    [InlineData("model.embed_tokens.weight", 2, ParameterRole.Embedding)]
    [InlineData("layers.0.self_attn.in_proj_weight", 2, ParameterRole.Weight)]
    [InlineData("layers.0.self_attn.in_proj_bias", 1, ParameterRole.Bias)]
    [InlineData("lstm.weight_ih_l0", 2, ParameterRole.Weight)]
    [InlineData("lstm.bias_hh_l0", 1, ParameterRole.Bias)]
    [InlineData("dense/kernel:0", 2, ParameterRole.Weight)]
    [InlineData("dense/bias:0", 1, ParameterRole.Bias)]
    [InlineData("batch_normalization/gamma", 1, ParameterRole.NormScale)]
    [InlineData("batch_normalization/beta", 1, ParameterRole.NormShift)]
    [InlineData("batch_normalization/moving_variance", 1, ParameterRole.RunningVariance)]
    [InlineData("embedding/embeddings", 2, ParameterRole.Embedding)]
    [InlineData("LayerNorm.scale", 1, ParameterRole.NormScale)]
    public void Names_follow_the_framework_conventions(string name, int rank, ParameterRole role) =>
        Assert.Equal(role, ParameterNaming.RoleFromName(name, rank));

    [Theory]
    [InlineData("cls_token", 3)]
    [InlineData("onnx::MatMul_25", 2)]
    public void Names_without_a_convention_say_nothing(string name, int rank) =>
        Assert.Null(ParameterNaming.RoleFromName(name, rank));

    [Fact]
    public void A_bias_takes_the_fans_of_its_weight_and_a_norm_bias_becomes_a_shift()
    {
        var resolved = ParameterNaming.Resolve(
        [
            new("conv.weight", new Shape(32, 16, 3, 3)),
            new("conv.bias", new Shape(32)),
            new("bn.weight", new Shape(32)),
            new("bn.bias", new Shape(32)),
            new("head", new Shape(10, 32)),
            new("head_b", new Shape(10), WeightName: "head"),
            new("x", new Shape(7), Role: ParameterRole.Bias),
        ]).ToDictionary(p => p.Name);
        Assert.Equal(new Fans(144, 288, 9), resolved["conv.weight"].LayerFans);
        Assert.Equal((ParameterRole.Bias, new Fans(144, 288, 9), "name"), (resolved["conv.bias"].Role, resolved["conv.bias"].LayerFans, resolved["conv.bias"].RoleSource));
        Assert.Equal(ParameterRole.NormScale, resolved["bn.weight"].Role);
        Assert.Equal((ParameterRole.NormShift, (Fans?)null), (resolved["bn.bias"].Role, resolved["bn.bias"].LayerFans));
        Assert.Equal((ParameterRole.Weight, "shape"), (resolved["head"].Role, resolved["head"].RoleSource));
        Assert.Equal(ParameterRole.Other, resolved["head_b"].Role); // no role from the file or name: rank 1 is "other"
        Assert.Equal((ParameterRole.Bias, "file", (Fans?)null), (resolved["x"].Role, resolved["x"].RoleSource, resolved["x"].LayerFans));
    }

    [Fact]
    public void The_file_s_roles_layouts_and_weight_links_win_over_names()
    {
        var resolved = ParameterNaming.Resolve(
        [
            new("onnx::MatMul_25", new Shape(16, 32), ParameterRole.Weight, FanLayout.Keras),
            new("up.bias", new Shape(32), ParameterRole.Bias, WeightName: "onnx::MatMul_25"),
            new("fc.weight", new Shape(8, 4), ParameterRole.Embedding),
        ]).ToDictionary(p => p.Name);
        Assert.Equal(new Fans(16, 32, 1), resolved["onnx::MatMul_25"].LayerFans);
        Assert.Equal(new Fans(16, 32, 1), resolved["up.bias"].LayerFans);
        Assert.Equal((ParameterRole.Embedding, "file"), (resolved["fc.weight"].Role, resolved["fc.weight"].RoleSource));
    }

    [Fact]
    public void Keras_kernels_are_read_in_keras_layout_and_others_in_the_default()
    {
        var resolved = ParameterNaming.Resolve([new("conv2d/kernel", new Shape(3, 3, 8, 16)), new("conv2d/bias", new Shape(16)), new("w", new Shape(8, 4))]);
        Assert.Equal((FanLayout.Keras, new Fans(72, 144, 9)), (resolved[0].Layout, resolved[0].LayerFans));
        Assert.Equal(new Fans(72, 144, 9), resolved[1].LayerFans);
        Assert.Equal(FanLayout.Torch, resolved[2].Layout);
        Assert.Equal(FanLayout.Keras, ParameterNaming.Resolve([new("w", new Shape(8, 4))], FanLayout.Keras)[0].Layout);
    }

    [Fact]
    public void Duplicate_names_are_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => ParameterNaming.Resolve([new("a", new Shape(2)), new("a", new Shape(3))]));
}
