using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

public class KolmogorovSmirnovTests
{
    [Fact]
    public void The_asymptotic_p_value_matches_the_Kolmogorov_distribution_at_its_critical_points()
    {
        // Q(1.358) = 0.05 and Q(1.628) = 0.01 (Kolmogorov's limiting distribution), for large n.
        const long n = 1_000_000;
        double scale = Math.Sqrt(n) + 0.12 + 0.11 / Math.Sqrt(n);
        Assert.Equal(0.05, KolmogorovSmirnov.PValue(n, 1.3581 / scale), 3);
        Assert.Equal(0.01, KolmogorovSmirnov.PValue(n, 1.6276 / scale), 3);
    }

    [Fact]
    public void A_uniform_sample_is_rejected_as_normal()
    {
        var x = new float[20_000];
        new Generator(1).Uniform(x, -1.7320508f, 1.7320508f); // same mean and variance as N(0,1)
        var r = KolmogorovSmirnov.Test(x, KolmogorovSmirnov.NormalCdf());
        Assert.False(r.Passes(1e-4), $"p = {r.PValue}");
    }

    [Fact]
    public void Empty_and_NaN_samples_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.Test(Array.Empty<double>(), KolmogorovSmirnov.NormalCdf()));
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.Test(new[] { double.NaN }, KolmogorovSmirnov.NormalCdf()));
    }
}
