using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

public sealed class SpectralNormalizedInitializerTests
{
    [Fact]
    public void Spectral_normalization_sets_the_largest_singular_value_of_the_flattened_kernel()
    {
        var shape = new Shape(24, 6, 3, 3);
        var w = Init.SpectralNormalized(Init.XavierNormal(), 1.5).Create<double>(shape, new Generator(2));
        double sigma = InitLab.LinearAlgebra.SpectralNorm.Exact(w.Data, 24, 54);
        Assert.True(Math.Abs(sigma - 1.5) <= 1e-4 * 1.5, $"sigma_max = {sigma}");
    }

    [Fact]
    public void Spectral_normalization_rejects_a_non_positive_target_and_a_zero_matrix()
    {
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => Init.SpectralNormalized(Init.Normal(), 0)).ParamName);
        Assert.Throws<ArgumentException>(() => Init.SpectralNormalized(Init.Zeros()).Create<float>(new Shape(3, 3), new Generator(0)));
    }
}
