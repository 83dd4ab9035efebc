using InitLab.Activations;
using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

/// <summary>Every op's backward pass against central finite differences on tiny double-precision graphs.</summary>
public class OpGradientTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Linear_gradients_match_finite_differences(bool bias) =>
        GradientCheck.Run(GradientCheck.Chain([2, 5], new LinearOp(4, bias)));

    [Theory]
    [InlineData(new[] { 7 }, new[] { 3 }, new[] { 1 }, new[] { 1 }, new[] { 1 }, 1)]
    [InlineData(new[] { 6, 5 }, new[] { 3 }, new[] { 1 }, new[] { 1 }, new[] { 1 }, 1)]
    [InlineData(new[] { 7, 6 }, new[] { 3, 2 }, new[] { 2, 1 }, new[] { 1, 0 }, new[] { 1, 2 }, 1)]
    [InlineData(new[] { 5, 5 }, new[] { 3 }, new[] { 1 }, new[] { 1 }, new[] { 1 }, 2)]
    [InlineData(new[] { 5, 5 }, new[] { 3 }, new[] { 1 }, new[] { 1 }, new[] { 1 }, 4)]
    [InlineData(new[] { 4, 4 }, new[] { 1 }, new[] { 1 }, new[] { 0 }, new[] { 1 }, 2)]
    [InlineData(new[] { 4, 3, 5 }, new[] { 2, 2, 3 }, new[] { 1, 1, 2 }, new[] { 1, 0, 1 }, new[] { 1 }, 1)]
    public void Conv_gradients_match_finite_differences(int[] spatial, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups)
    {
        // 4 input channels, 4 output channels: groups 1 (dense), 2, 4 (depthwise).
        var op = new ConvOp(4, kernel, stride, padding, dilation, groups);
        GradientCheck.Run(GradientCheck.Chain([4, .. spatial], op), batch: 2, samplesPerTensor: 16);
    }

    [Theory]
    [InlineData(PoolKind.Max, new[] { 6, 6 }, new[] { 2 }, null, new[] { 0 })]
    [InlineData(PoolKind.Max, new[] { 7, 5 }, new[] { 3 }, new[] { 2 }, new[] { 1 })]
    [InlineData(PoolKind.Average, new[] { 6, 6 }, new[] { 2 }, null, new[] { 0 })]
    [InlineData(PoolKind.Average, new[] { 7, 5 }, new[] { 3 }, new[] { 2 }, new[] { 1 })]
    [InlineData(PoolKind.Max, new[] { 9 }, new[] { 3 }, null, new[] { 0 })]
    [InlineData(PoolKind.Average, new[] { 4, 4, 4 }, new[] { 2 }, null, new[] { 0 })]
    public void Pool_gradients_match_finite_differences(PoolKind kind, int[] spatial, int[] kernel, int[]? stride, int[] padding) =>
        GradientCheck.Run(GradientCheck.Chain([2, .. spatial], new PoolOp(kind, kernel, stride, padding)));

    [Fact]
    public void Avg_pool_without_padding_in_the_count_matches_finite_differences() =>
        GradientCheck.Run(GradientCheck.Chain([2, 5, 5], new PoolOp(PoolKind.Average, [3], [2], [1], countIncludePad: false)));

    [Fact]
    public void Global_average_pool_gradients_match_finite_differences() =>
        GradientCheck.Run(GradientCheck.Chain([3, 4, 5], new GlobalAvgPoolOp()));

    [Theory]
    [InlineData(new[] { 3, 4, 4 })]
    [InlineData(new[] { 5 })]
    public void Batch_norm_gradients_match_finite_differences(int[] shape) =>
        GradientCheck.Run(GradientCheck.Chain(shape, new BatchNormOp()), batch: 4);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Layer_norm_gradients_match_finite_differences(int dims) =>
        GradientCheck.Run(GradientCheck.Chain([3, 6], new LayerNormOp(dims)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rms_norm_gradients_match_finite_differences(bool bias) =>
        GradientCheck.Run(GradientCheck.Chain([3, 6], new RmsNormOp(bias: bias)));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Group_norm_gradients_match_finite_differences(int groups) =>
        GradientCheck.Run(GradientCheck.Chain([4, 3, 2], new GroupNormOp(groups)));

    public static TheoryData<string> ActivationNames => [.. ActivationRegistry.Names];

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void Every_activation_gradient_matches_finite_differences(string name) =>
        GradientCheck.Run(GradientCheck.Chain([2, 5], new ActivationOp(ActivationRegistry.Parse(name))));

    [Fact]
    public void Add_with_scales_and_a_repeated_input_matches_finite_differences()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(6));
        b.Add("fc", new LinearOp(6), "x");
        b.Add("t", new ActivationOp(Activation.Tanh), "fc");
        b.Add("sum", new AddOp([1.0, 0.7, -0.4]), "x", "t", "t");
        GradientCheck.Run(b.Build());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void Concat_gradients_match_finite_differences(int axis)
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(2, 3, 4));
        b.Add("t", new ActivationOp(Activation.Tanh), "x");
        b.Add("s", new ActivationOp(Activation.Sigmoid), "x");
        b.Add("cat", new ConcatOp(axis), "t", "s", "x");
        GradientCheck.Run(b.Build());
    }

    [Fact]
    public void Dropout_gradients_match_finite_differences() =>
        GradientCheck.Run(GradientCheck.Chain([10], new LinearOp(10), new DropoutOp(0.4)));

    [Fact]
    public void Embedding_gradients_match_finite_differences()
    {
        var b = new GraphBuilder();
        b.Add("ids", new InputOp(new Shape(5), vocab: 7));
        b.Add("emb", new EmbeddingOp(7, 4), "ids");
        GradientCheck.Run(b.Build(), batch: 4, samplesPerTensor: 28);
    }

    [Fact]
    public void Flatten_and_reshape_gradients_match_finite_differences() =>
        GradientCheck.Run(GradientCheck.Chain([2, 3, 2], new FlattenOp(), new LinearOp(6), new ReshapeOp([3, -1]), new ActivationOp(Activation.Tanh)));

    [Fact]
    public void Softmax_gradients_match_finite_differences() =>
        GradientCheck.Run(GradientCheck.Chain([3, 5], new SoftmaxOp()));

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    [InlineData(4, true)]
    public void Attention_gradients_match_finite_differences(int heads, bool causal) =>
        GradientCheck.Run(GradientCheck.Chain([5, 8], new AttentionOp(heads, causal)), batch: 2, samplesPerTensor: 20);

    [Fact]
    public void Attention_without_bias_matches_finite_differences() =>
        GradientCheck.Run(GradientCheck.Chain([4, 6], new AttentionOp(3, causal: true, bias: false)), batch: 2);
}
