using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

public sealed class SchemesTests
{
    [Fact]
    public void Every_scheme_name_of_the_design_is_registered()
    {
        string[] design =
        [
            "uniform", "normal", "trunc_normal", "constant", "zeros", "ones", "eye", "dirac", "xavier_uniform",
            "xavier_normal", "lecun_uniform", "lecun_normal", "variance_scaling", "orthogonal",
            "delta_orthogonal", "sparse", "identity", "glorot_uniform", "glorot_normal", "kaiming_uniform", "kaiming_normal", "he_uniform", "he_normal",
        ];
        foreach (var name in design) Assert.True(Schemes.Contains(name), name);
    }

    [Fact]
    public void Aliases_create_the_scheme_they_alias()
    {
        var shape = new Shape(30, 20);
        var glorot = Schemes.Create("glorot_uniform", new InitializerOptions { Gain = 2 });
        var xavier = Schemes.Create("xavier_uniform", new InitializerOptions { Gain = 2 });
        Assert.Equal(xavier.Name, glorot.Name);
        Assert.Equal(xavier.DistributionOf(shape), glorot.DistributionOf(shape));
    }

    [Fact]
    public void Options_reach_the_initializer()
    {
        var vs = (VarianceScaling)Schemes.Create("variance_scaling", new InitializerOptions
        {
            Scale = 2, Mode = FanMode.FanOut, Distribution = VarianceDistribution.Uniform, Layout = FanLayout.Keras,
        });
        Assert.Equal(2, vs.Scale);
        Assert.Equal(FanMode.FanOut, vs.Mode);
        Assert.Equal(VarianceDistribution.Uniform, vs.Distribution);
        Assert.Equal(FanLayout.Keras, vs.Layout);
    }

    [Fact]
    public void An_unknown_scheme_lists_the_valid_names()
    {
        var ex = Assert.Throws<ArgumentException>(() => Schemes.Create("glorot_gaussian"));
        Assert.Equal("name", ex.ParamName);
        Assert.Contains("xavier_normal", ex.Message);
        Assert.Contains("delta_orthogonal", ex.Message);
    }

    [Fact]
    public void An_option_the_scheme_does_not_use_is_an_error_listing_what_it_accepts()
    {
        var ex = Assert.Throws<ArgumentException>(() => Schemes.Create("uniform", new InitializerOptions { Gain = 2 }));
        Assert.Contains("'gain'", ex.Message);
        Assert.Contains("low, high", ex.Message);
    }

    [Fact]
    public void A_missing_required_option_is_an_error_naming_it()
    {
        Assert.Equal("sparsity", Assert.Throws<ArgumentException>(() => Schemes.Create("sparse")).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentException>(() => Schemes.Create("constant")).ParamName);
    }
}
