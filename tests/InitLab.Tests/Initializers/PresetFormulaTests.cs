using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

/// <summary>Each preset's law, checked against its paper's formula on a convolution kernel (where a 2-D-only test would miss rf).</summary>
public sealed class PresetFormulaTests
{
    // (out 16, in 3, 3 x 3): fan_in = 27, fan_out = 144.
    private static readonly Shape Conv = new(16, 3, 3, 3);

    [Fact]
    public void Glorot_uniform_bound_is_sqrt_6_over_fan_sum()
    {
        var law = Init.XavierUniform(1.5).DistributionOf(Conv)!;
        Assert.Equal(1.5 * Math.Sqrt(6.0 / (27 + 144)), law.High, 14);
        Assert.Equal(-law.High, law.Low, 14);
        Assert.Equal(1.5 * Math.Sqrt(2.0 / (27 + 144)), law.Std, 14);
    }

    [Fact]
    public void Glorot_normal_std_is_gain_times_sqrt_2_over_fan_sum_untruncated()
    {
        var law = Init.XavierNormal(0.5).DistributionOf(Conv)!;
        Assert.Equal(DistributionKind.Normal, law.Kind);
        Assert.Equal(0.5 * Math.Sqrt(2.0 / 171), law.Std, 14);
    }

    [Fact]
    public void Glorot_and_xavier_are_the_same_scheme()
    {
        Assert.Equal(Init.XavierUniform(2).DistributionOf(Conv), Init.GlorotUniform(2).DistributionOf(Conv));
        Assert.Equal(Init.XavierNormal(2).DistributionOf(Conv), Init.GlorotNormal(2).DistributionOf(Conv));
    }

    [Fact]
    public void Lecun_normal_std_after_truncation_is_1_over_sqrt_fan_in()
    {
        // The 0.87962566103423978 correction makes the std of N(0, s^2) truncated at +-2s equal to the target.
        var law = Init.LecunNormal().DistributionOf(Conv)!;
        Assert.Equal(DistributionKind.TruncatedNormal, law.Kind);
        Assert.Equal(1 / Math.Sqrt(27), law.Std, 12);
        Assert.Equal(2 * law.Scale, law.High, 14);
    }

    [Fact]
    public void The_truncation_constant_is_the_std_of_a_standard_normal_truncated_to_plus_minus_2()
    {
        var law = ElementDistribution.TruncatedNormal(0, 1, -2, 2);
        Assert.Equal(VarianceScaling.TruncatedStdAtTwo, law.Std, 15);
    }

    [Fact]
    public void Kaiming_defaults_are_PyTorch_leaky_relu_a_0_fan_in_so_gain_sqrt_2()
    {
        var law = Init.KaimingNormal().DistributionOf(Conv)!;
        Assert.Equal(DistributionKind.Normal, law.Kind);
        Assert.Equal(Math.Sqrt(2.0 / 27), law.Std, 14);
        Assert.Equal(Math.Sqrt(6.0 / 27), Init.KaimingUniform().DistributionOf(Conv)!.High, 14);
    }

    [Fact]
    public void Kaiming_uses_the_recommended_gain_of_the_nonlinearity_and_the_fan_of_the_mode()
    {
        // leaky_relu with a = 0.2: gain^2 = 2 / 1.04; fan_out = 144.
        Assert.Equal(Math.Sqrt(2 / 1.04 / 144), Init.KaimingNormal(0.2, FanMode.FanOut).DistributionOf(Conv)!.Std, 14);
        // tanh: gain 5/3, a ignored as in PyTorch.
        Assert.Equal(5.0 / 3 / Math.Sqrt(27), Init.KaimingNormal(0.7, FanMode.FanIn, "tanh").DistributionOf(Conv)!.Std, 14);
        // PyTorch's layer default is kaiming_uniform with a = sqrt(5).
        Assert.Equal(Init.TorchDefault().DistributionOf(Conv)!.High, Init.KaimingUniform(Math.Sqrt(5)).DistributionOf(Conv)!.High, 14);
    }

    [Fact]
    public void He_is_kaiming()
    {
        Assert.Equal(Init.KaimingNormal(0.1).DistributionOf(Conv), Init.HeNormal(0.1).DistributionOf(Conv));
        Assert.Equal(Init.KaimingUniform(0.1).DistributionOf(Conv), Init.HeUniform(0.1).DistributionOf(Conv));
    }

    [Fact]
    public void Lecun_uniform_bound_is_sqrt_3_over_fan_in()
    {
        Assert.Equal(Math.Sqrt(3.0 / 27), Init.LecunUniform().DistributionOf(Conv)!.High, 14);
    }

    [Fact]
    public void Torch_default_is_uniform_within_1_over_sqrt_fan_in()
    {
        var law = Init.TorchDefault().DistributionOf(Conv)!;
        Assert.Equal(1 / Math.Sqrt(27), law.High, 14);
        Assert.Equal(1 / Math.Sqrt(3 * 27), law.Std, 14);
    }

    [Fact]
    public void Keras_layout_takes_in_and_out_from_the_last_two_axes()
    {
        // (3, 3, in 3, out 16) is the Keras spelling of the same kernel.
        var torch = Init.XavierUniform().DistributionOf(Conv)!;
        var keras = Init.XavierUniform(1, FanLayout.Keras).DistributionOf(new Shape(3, 3, 3, 16))!;
        Assert.Equal(torch, keras);
    }

    [Fact]
    public void Variance_scaling_with_explicit_axes_uses_JAX_fans()
    {
        var vs = VarianceScaling.WithAxes(2, FanMode.FanIn, VarianceDistribution.Normal, [-2], [-1], [0]);
        Assert.Equal(Math.Sqrt(2.0 / 12), vs.Std(new Shape(7, 3, 4, 5)), 14);
    }

    [Fact]
    public void Truncated_normal_law_std_matches_the_closed_form_for_symmetric_bounds()
    {
        // Var of N(0, 1) truncated to [-c, c] = 1 - 2 c phi(c) / (2 Phi(c) - 1).
        double c = 1.3;
        double phi = Math.Exp(-c * c / 2) / Math.Sqrt(2 * Math.PI);
        double mass = 2 * InitLab.Numerics.SpecialFunctions.NormalCdf(c) - 1;
        var law = ElementDistribution.TruncatedNormal(0, 2, -2 * c, 2 * c);
        Assert.Equal(2 * Math.Sqrt(1 - 2 * c * phi / mass), law.Std, 12);
    }
}
