using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Random;

// Each fill is tested as a distribution by a Kolmogorov-Smirnov test at alpha = 1e-4 with a fixed seed
// (the probability that a correct sampler fails one of these tests is 1e-4 per test, once, for this seed).
public class GeneratorDistributionTests
{
    private const double Alpha = 1e-4;
    private const int N = 200_003;

    [Fact]
    public void Float_uniform_in_low_high_passes_ks_against_the_uniform_cdf()
    {
        var x = new float[N];
        new Generator(11).Uniform(x, -1f, 3f);
        Assert.True(KolmogorovSmirnov.Test(x, KolmogorovSmirnov.UniformCdf(-1, 3)).Passes(Alpha));
        Assert.All(x, v => Assert.InRange(v, -1f, MathF.BitDecrement(3f)));
    }

    [Fact]
    public void Float_normal_passes_ks_against_the_normal_cdf()
    {
        var x = new float[N];
        new Generator(12).Normal(x, 0.5f, 2f);
        var ks = KolmogorovSmirnov.Test(x, KolmogorovSmirnov.NormalCdf(0.5, 2));
        Assert.True(ks.Passes(Alpha), ks.ToString());
    }

    [Theory]
    [InlineData(0.0, 1.0, -2.0, 2.0)]     // PyTorch's default trunc_normal_
    [InlineData(0.5, 2.0, 2.5, 8.0)]     // entirely in the upper tail (mirrored)
    [InlineData(0.0, 1.0, -4.9, -1.0)]   // far lower tail, still on the float quantile
    [InlineData(0.0, 1.0, -6.0, 3.0)]    // beyond 5 std: the double-precision quantile
    public void Float_truncated_normal_passes_ks_against_the_truncated_cdf(double mean, double std, double a, double b)
    {
        var x = new float[N];
        new Generator(13).TruncatedNormal(x, (float)mean, (float)std, (float)a, (float)b);
        Assert.All(x, v => Assert.InRange(v, (float)a, (float)b));
        var ks = KolmogorovSmirnov.Test(x, KolmogorovSmirnov.TruncatedNormalCdf(mean, std, a, b));
        Assert.True(ks.Passes(Alpha), ks.ToString());
    }

    [Fact]
    public void Float_uniform_rejects_a_range_whose_width_overflows()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Generator(1).Uniform(new float[4], -3e38f, 3e38f));
        Assert.Equal("high", ex.ParamName);
    }
}
