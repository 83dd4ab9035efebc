using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

public sealed class FansTests
{
    // torch.nn.init._calculate_fan_in_and_fan_out, PyTorch 1.13 (values copied from the reference run).
    [Theory]
    [InlineData(new[] { 3, 5 }, 5, 3)]
    [InlineData(new[] { 16, 3, 3, 3 }, 27, 144)]
    [InlineData(new[] { 8, 4, 5 }, 20, 40)]
    [InlineData(new[] { 2, 3, 4, 5, 6 }, 360, 240)]
    [InlineData(new[] { 1, 1 }, 1, 1)]
    [InlineData(new[] { 0, 3 }, 3, 0)]
    public void Torch_layout_fans_match_PyTorch(int[] dims, long fanIn, long fanOut)
    {
        var fans = Fans.Of(new Shape(dims), FanLayout.Torch);
        Assert.Equal(fanIn, fans.FanIn);
        Assert.Equal(fanOut, fans.FanOut);
    }

    // Keras compute_fans for (*kernel, in, out), by hand: rf = prod(kernel), fan_in = in * rf, fan_out = out * rf.
    [Theory]
    [InlineData(new[] { 5, 3 }, 5, 3, 1)]          // dense (in = 5, out = 3)
    [InlineData(new[] { 3, 3, 3, 16 }, 27, 144, 9)] // conv2d 3x3, in 3, out 16
    [InlineData(new[] { 5, 4, 8 }, 20, 40, 5)]      // conv1d k 5, in 4, out 8
    [InlineData(new[] { 4, 5, 6, 3, 2 }, 360, 240, 120)]
    public void Keras_layout_fans_are_in_and_out_times_the_receptive_field(int[] dims, long fanIn, long fanOut, long rf)
    {
        var fans = Fans.Of(new Shape(dims), FanLayout.Keras);
        Assert.Equal(new Fans(fanIn, fanOut, rf), fans);
    }

    [Fact]
    public void Explicit_axes_follow_JAX_with_batch_axes_left_out_of_every_fan()
    {
        // (batch 7, k 3, in 4, out 5): in_axis = -2, out_axis = -1, batch_axis = 0 -> rf = 3.
        var fans = Fans.Of(new Shape(7, 3, 4, 5), [-2], [-1], [0]);
        Assert.Equal(new Fans(12, 15, 3), fans);
        // Several in axes multiply.
        Assert.Equal(new Fans(6, 4, 1), Fans.Of(new Shape(2, 3, 4), [0, 1], [2]));
    }

    [Fact]
    public void Fan_avg_is_the_mean_of_fan_in_and_fan_out()
    {
        var fans = Fans.Of(new Shape(16, 3, 3, 3));
        Assert.Equal((27 + 144) / 2.0, fans.Fan(FanMode.FanAvg));
        Assert.Equal(27, fans.Fan(FanMode.FanIn));
        Assert.Equal(144, fans.Fan(FanMode.FanOut));
    }

    [Theory]
    [InlineData(new[] { 5 })]
    [InlineData(new int[0])]
    public void Fans_of_a_rank_below_2_are_an_error_that_says_how_to_fix_it(int[] dims)
    {
        var ex = Assert.Throws<ArgumentException>(() => Fans.Of(new Shape(dims)));
        Assert.Equal("shape", ex.ParamName);
        Assert.Contains("at least 2 dimensions", ex.Message);
        Assert.Contains("(1, n)", ex.Message);
    }

    [Fact]
    public void An_axis_out_of_range_or_used_twice_is_rejected()
    {
        Assert.Equal("inAxes", Assert.Throws<ArgumentException>(() => Fans.Of(new Shape(2, 3), [2], [0])).ParamName);
        Assert.Equal("outAxes", Assert.Throws<ArgumentException>(() => Fans.Of(new Shape(2, 3), [1], [-1])).ParamName);
    }

    [Fact]
    public void Fan_avg_of_an_odd_fan_sum_is_a_half_integer()
    {
        Assert.Equal(2.5, Fans.Of(new Shape(3, 2)).FanAvg);
        Assert.Equal(2.5, Fans.Of(new Shape(3, 2)).Fan(FanMode.FanAvg));
        Assert.Equal(3, Fans.Of(new Shape(3, 2)).Fan(FanMode.FanOut));
        Assert.Equal(2, Fans.Of(new Shape(3, 2)).Fan(FanMode.FanIn));
    }
}
