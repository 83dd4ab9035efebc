using InitLab.Initializers;
using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

/// <summary>WeightDistribution.FromScheme: the initializer-to-weights mapping the CLI used to hold, now a library API.</summary>
public class WeightsFromSchemeTests
{
    [Theory]
    [InlineData(64, 32)]
    [InlineData(7, 300)]
    public void Normal_schemes_become_exact_Gaussians_with_the_schemes_std(int fanIn, int fanOut)
    {
        // Written out here, independently of the initializers: kaiming_normal (leaky_relu, a = 0) std = sqrt(2 / fan_in);
        // xavier_normal std = gain sqrt(2 / (fan_in + fan_out)); lecun_normal is a truncated normal, so it is not Gaussian.
        var kaiming = Assert.IsType<WeightDistribution.Gaussian>(WeightDistribution.FromScheme("kaiming_normal"));
        Assert.Equal(Math.Sqrt(2.0 / fanIn), kaiming.Std(fanIn, fanOut), 12);
        var fanOutMode = Assert.IsType<WeightDistribution.Gaussian>(WeightDistribution.FromScheme("he_normal", new InitializerOptions { Mode = FanMode.FanOut }));
        Assert.Equal(Math.Sqrt(2.0 / fanOut), fanOutMode.Std(fanIn, fanOut), 12);
        var xavier = Assert.IsType<WeightDistribution.Gaussian>(WeightDistribution.FromScheme("xavier_normal", new InitializerOptions { Gain = 1.5 }));
        Assert.Equal(1.5 * Math.Sqrt(2.0 / (fanIn + fanOut)), xavier.Std(fanIn, fanOut), 12);
        var normal = Assert.IsType<WeightDistribution.Gaussian>(WeightDistribution.FromScheme("normal", new InitializerOptions { Std = 0.02 }));
        Assert.Equal(0.02, normal.Std(fanIn, fanOut), 15);
    }

    [Fact]
    public void Orthogonal_keeps_its_gain_and_other_schemes_run_their_own_sampler()
    {
        var orthogonal = Assert.IsType<WeightDistribution.Orthogonal>(WeightDistribution.FromScheme("orthogonal", new InitializerOptions { Gain = 2.0 }));
        Assert.Equal(2.0, orthogonal.Gain);
        Assert.Equal(2.0, Assert.IsType<OrthogonalInitializer>(orthogonal.Scheme).Gain);   // the torch generator fills through it
        var uniform = Assert.IsType<WeightDistribution.Custom>(WeightDistribution.FromScheme("kaiming_uniform"));
        var w = new float[300 * 200];
        uniform.Fill(new InitLab.Random.Generator(1), w, 300, 200);
        double bound = Math.Sqrt(6.0 / 200); // sqrt(3) * sqrt(2 / fan_in)
        Assert.True(w.Max() <= bound && w.Min() >= -bound);
        Assert.True(w.Max() > 0.99 * bound && w.Min() < -0.99 * bound);
        Assert.IsType<WeightDistribution.Custom>(WeightDistribution.FromScheme("lecun_normal"));
        Assert.IsType<WeightDistribution.Custom>(WeightDistribution.FromScheme("normal", new InitializerOptions { Mean = 0.1 }));
    }

    [Fact]
    public void Unknown_schemes_and_unused_options_are_errors()
    {
        Assert.Contains("unknown scheme", Assert.Throws<ArgumentException>(() => WeightDistribution.FromScheme("nope")).Message);
        Assert.Contains("does not apply", Assert.Throws<ArgumentException>(() => WeightDistribution.FromScheme("normal", new InitializerOptions { Gain = 2 })).Message);
    }
}
