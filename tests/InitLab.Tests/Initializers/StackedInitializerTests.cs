using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

/// <summary>Stacked row blocks (an attention's in_proj_weight as W_q, W_k, W_v): each block drawn with its own fans, in order.</summary>
public class StackedInitializerTests
{
    [Fact]
    public void Blocks_are_drawn_in_order_from_one_generator_with_their_own_fans()
    {
        var stacked = Init.Stacked(Init.XavierNormal(), Init.XavierNormal(), Init.Normal(0, 0.25));
        var w = stacked.Create<double>(new Shape(3 * 8, 8), new Generator(7, 3));
        // The same draws made by hand: block after block from one generator, each as an (8, 8) tensor.
        var g = new Generator(7, 3);
        var q = Init.XavierNormal().Create<double>(new Shape(8, 8), g);
        var k = Init.XavierNormal().Create<double>(new Shape(8, 8), g);
        var v = Init.Normal(0, 0.25).Create<double>(new Shape(8, 8), g);
        Assert.Equal([.. q.Span, .. k.Span, .. v.Span], w.Span.ToArray());
    }

    [Fact]
    public void Law_is_the_blocks_common_law_or_none_when_they_differ()
    {
        var shape = new Shape(3 * 16, 16);
        // xavier of a (16, 16) block: std sqrt(2 / 32) = 1/4, not the stacked (48, 16) matrix's sqrt(2 / 64).
        var same = Init.Stacked(Init.XavierNormal(), Init.XavierNormal(), Init.XavierNormal());
        Assert.Equal(0.25, same.DistributionOf(shape)!.Std, 1e-15);
        var scaled = Init.Stacked(Init.XavierNormal(), Init.XavierNormal(), Init.XavierNormal(gain: 0.5));
        Assert.Null(scaled.DistributionOf(shape));
        // The rms over blocks: sqrt((1/16 + 1/16 + 1/64) / 3).
        Assert.Equal(Math.Sqrt((1.0 / 16 + 1.0 / 16 + 1.0 / 64) / 3), scaled.TargetStd(shape), 1e-15);
        Assert.Equal("stacked(xavier_normal,xavier_normal,xavier_normal)", scaled.Name);
    }

    [Fact]
    public void A_shape_that_does_not_split_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Init.Stacked(Init.Zeros(), Init.Zeros(), Init.Zeros()).DistributionOf(new Shape(8, 4)));
        Assert.Contains("does not split into 3 equal blocks", e.Message);
    }
}
