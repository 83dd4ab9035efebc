using InitLab.Initializers;
using InitLab.Random;

namespace InitLab.Tests.Random;

/// <summary>
/// trunc_normal_ with an infinite bound (a one-sided interval), which PyTorch accepts: norm_cdf(-inf) = 0 and
/// norm_cdf(inf) = 1. The expected bit patterns were printed by PyTorch 1.13 (Debian's python3-torch), e.g.
/// <c>torch.manual_seed(4); t = torch.empty(7); torch.nn.init.trunc_normal_(t, a=1, b=math.inf)</c>, then each value's
/// IEEE bits (<c>struct.pack('&lt;f', v)</c>).
/// </summary>
public class TorchOneSidedTruncNormalTests
{
    [Fact]
    public void An_upper_tail_gives_pytorchs_bits()
    {
        var x = new float[7];
        TorchInit.TruncNormal(x.AsSpan(), new TorchGenerator(4), 0, 1, 1, double.PositiveInfinity);
        uint[] expected = [0x3fbd0788, 0x3fbcf25d, 0x3f87ebac, 0x3f930908, 0x3f809af2, 0x3f835014, 0x40437c65];
        Assert.Equal(expected, x.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void A_lower_tail_with_a_mean_and_std_gives_pytorchs_bits()
    {
        var x = new float[20];
        TorchInit.TruncNormal(x.AsSpan(), new TorchGenerator(9), 0.5, 2.0, double.NegativeInfinity, 0.0);
        uint[] expected =
        [
            0xbf446abe, 0xbfeb443e, 0xbf9e5173, 0xbef6156e, 0xbe307734, 0xbe140adc, 0xc000d287, 0xbdc746e0, 0xbfc66a2e, 0xbfb9ad7b,
            0xbdd1a250, 0xbf7d5a4a, 0xc02c1728, 0xc0114a52, 0xbf91d0a4, 0xbf9c6885, 0xbf8fe2c6, 0xbfd587ac, 0xbfaaaf4e, 0xbf53d144,
        ];
        Assert.Equal(expected, x.Select(BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void Both_bounds_infinite_in_double_give_pytorchs_bits()
    {
        var x = new double[5];
        TorchInit.TruncNormal(x.AsSpan(), new TorchGenerator(9), 0, 1, double.NegativeInfinity, double.PositiveInfinity);
        ulong[] expected = [0xbfe5f5cd9bd358c3, 0x3fefb6c1a6a5c2e4, 0xbfd9c009443ab043, 0xbff62cc94481c903, 0xbffb615145335e10];
        Assert.Equal(expected, x.Select(BitConverter.DoubleToUInt64Bits));
    }

    [Fact]
    public void NaN_or_reversed_infinite_bounds_are_refused_naming_the_bound()
    {
        var x = new float[3];
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => TorchInit.TruncNormal(x.AsSpan(), new TorchGenerator(1), 0, 1, double.NaN, 1)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => TorchInit.TruncNormal(x.AsSpan(), new TorchGenerator(1), 0, 1, double.PositiveInfinity, double.PositiveInfinity)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => TorchInit.TruncNormal(x.AsSpan(), new TorchGenerator(1), 0, 1, 0, double.NegativeInfinity)).ParamName);
    }
}
