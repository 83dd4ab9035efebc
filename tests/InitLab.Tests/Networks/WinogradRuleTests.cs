using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

/// <summary>
/// The dispatch rule of Winograd F(2 x 2, 3 x 3) in each spatial axis on its own: a convolution that is strided, dilated or not
/// 3 wide in only one of its two axes keeps the direct convolution (the transforms assume unit stride and dilation and a 3 x 3
/// kernel in both).
/// </summary>
public class WinogradRuleTests
{
    [Theory]
    [InlineData(3, 3, 1, 2, 1, 1)]
    [InlineData(3, 3, 2, 1, 1, 1)]
    [InlineData(3, 3, 1, 1, 1, 2)]
    [InlineData(3, 3, 1, 1, 2, 1)]
    [InlineData(3, 5, 1, 1, 1, 1)]
    [InlineData(5, 3, 1, 1, 1, 1)]
    [InlineData(3, 1, 1, 1, 1, 1)]
    public void A_convolution_off_the_rule_in_one_axis_does_not_apply(int kh, int kw, int sh, int sw, int dh, int dw)
    {
        var shape = new Shape(16, 12, 12);
        Assert.True(WinogradConv.Applies(Window.Of(shape, [3, 3], [1, 1], [1, 1], [1, 1]), 1, 16));
        Assert.False(WinogradConv.Applies(Window.Of(shape, [kh, kw], [sh, sw], [2, 2], [dh, dw]), 1, 16));
    }
}
