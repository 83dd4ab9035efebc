using InitLab.Inspection;
using InitLab.Numerics;

namespace InitLab.Tests.Inspection;

public sealed class MarchenkoPasturTests
{
    [Fact]
    public void The_edge_is_s_times_the_sum_of_the_root_dimensions() =>
        Assert.Equal(0.5 * (10 + 20), MarchenkoPastur.Edge(0.25, 100, 400), 14);

    [Fact]
    public void Ma_centering_uses_half_integer_dimensions()
    {
        // N = 400, P = 100: a = sqrt(399.5) + sqrt(99.5); mu = a^2; sigma = a (1/sqrt(399.5) + 1/sqrt(99.5))^(1/3).
        double a = Math.Sqrt(399.5) + Math.Sqrt(99.5);
        var (mu, sigma) = MarchenkoPastur.Centering(100, 400);
        Assert.Equal(a * a, mu, 10);
        Assert.Equal(a * Math.Pow(1 / Math.Sqrt(399.5) + 1 / Math.Sqrt(99.5), 1.0 / 3), sigma, 12);
        Assert.Equal((mu, sigma), MarchenkoPastur.Centering(400, 100));
    }

    [Fact]
    public void The_p_value_of_an_eigenvalue_at_mu_plus_sigma_s_is_twice_the_Tracy_Widom_tail_at_s()
    {
        var (mu, sigma) = MarchenkoPastur.Centering(64, 256);
        double variance = 0.01;
        Assert.Equal(2 * TracyWidom.UpperTail(2.0), MarchenkoPastur.LargestEigenvaluePValue(variance * (mu + 2 * sigma), variance, 64, 256), 12);
        Assert.Equal(1.0, MarchenkoPastur.LargestEigenvaluePValue(variance * (mu - 3 * sigma), variance, 64, 256));
        Assert.Equal(variance * (mu + sigma * TracyWidom.UpperQuantile(5e-4)), MarchenkoPastur.SpikeThreshold(variance, 64, 256, 1e-3), 12);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.Edge(-1, 3, 3));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.Edge(1, 0, 3));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.LargestEigenvaluePValue(1, 0, 3, 3));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.SpikeThreshold(1, 3, 3, 1.5));
    }
}
