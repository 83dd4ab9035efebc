using InitLab.Initializers;
using InitLab.Inspection;
using InitLab.Tensors;

namespace InitLab.Tests.Inspection;

public sealed class SchemeCatalogueTests
{
    // The std after truncation of N(0, 1) on (-2, 2): sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)) (Keras/JAX constant).
    private const double TruncatedStd = 0.87962566103423978;

    /// <summary>Each candidate's law at a conv shape, from the formulas written out by hand (not the library's presets).</summary>
    [Theory]
    [InlineData(FanLayout.Torch, new[] { 32, 16, 3, 3 })]
    [InlineData(FanLayout.Keras, new[] { 3, 3, 16, 32 })]
    public void Every_layer_candidate_has_the_law_its_formula_gives(FanLayout layout, int[] dims)
    {
        double fanIn = 16 * 9, fanOut = 32 * 9, fanAvg = (fanIn + fanOut) / 2;
        var expected = new Dictionary<string, (DistributionKind Kind, double Std)>
        {
            ["torch_default"] = (DistributionKind.Uniform, 1 / Math.Sqrt(3 * fanIn)),
            ["kaiming_uniform"] = (DistributionKind.Uniform, Math.Sqrt(2 / fanIn)),
            ["kaiming_normal"] = (DistributionKind.Normal, Math.Sqrt(2 / fanIn)),
            ["kaiming_uniform(mode=fan_out)"] = (DistributionKind.Uniform, Math.Sqrt(2 / fanOut)),
            ["kaiming_normal(mode=fan_out)"] = (DistributionKind.Normal, Math.Sqrt(2 / fanOut)),
            ["xavier_uniform"] = (DistributionKind.Uniform, Math.Sqrt(2 / (fanIn + fanOut))),
            ["xavier_normal"] = (DistributionKind.Normal, Math.Sqrt(2 / (fanIn + fanOut))),
            ["lecun_normal"] = (DistributionKind.TruncatedNormal, Math.Sqrt(1 / fanIn)),
            ["lecun_uniform"] = (DistributionKind.Uniform, Math.Sqrt(1 / fanIn)),
            ["kaiming_normal(nonlinearity=linear)"] = (DistributionKind.Normal, Math.Sqrt(1 / fanIn)),
            ["variance_scaling(scale=2, mode=fan_in, distribution=truncated_normal)"] = (DistributionKind.TruncatedNormal, Math.Sqrt(2 / fanIn)),
            ["variance_scaling(scale=1, mode=fan_avg, distribution=truncated_normal)"] = (DistributionKind.TruncatedNormal, Math.Sqrt(1 / fanAvg)),
        };
        var candidates = SchemeCatalogue.For(new Shape(dims), layout, ParameterRole.Weight);
        foreach (var (name, (kind, std)) in expected)
        {
            var law = candidates.Single(c => c.Name == name).Law;
            Assert.Equal(kind, law.Kind);
            Assert.True(Math.Abs(law.Std - std) <= 1e-12 * std, $"{name}: std {law.Std:R}, formula {std:R}");
            if (kind == DistributionKind.Uniform)
                Assert.Equal(Math.Sqrt(3) * std, law.High, 12);
            if (kind == DistributionKind.TruncatedNormal)
            {
                // Keras/JAX: the pre-truncation sigma is std / 0.8796..., truncated at +-2 sigma.
                Assert.Equal(std / TruncatedStd, law.Scale, 12);
                Assert.Equal(2 * std / TruncatedStd, law.High, 12);
            }
        }
    }

    [Fact]
    public void The_fixed_laws_are_the_framework_defaults()
    {
        var candidates = SchemeCatalogue.For(new Shape(100), FanLayout.Torch, ParameterRole.Other);
        var normal002 = candidates.Single(c => c.Name == "normal(std=0.02)").Law;
        Assert.Equal((DistributionKind.Normal, 0.02), (normal002.Kind, normal002.Std));
        var tf = candidates.Single(c => c.Name == "trunc_normal(std=0.02, low=-0.04, high=0.04)").Law;
        Assert.Equal((-0.04, 0.04, 0.02), (tf.Low, tf.High, tf.Scale));
        var keras = candidates.Single(c => c.Name == "uniform(low=-0.05, high=0.05)").Law;
        Assert.Equal((-0.05, 0.05), (keras.Low, keras.High));
        Assert.DoesNotContain(candidates, c => c.Name == "kaiming_normal"); // a vector has no fans
        Assert.DoesNotContain(candidates, c => c.Name == "torch_default_bias");
    }

    [Fact]
    public void Normalization_shifts_and_running_statistics_have_no_law_and_scales_only_theirs()
    {
        Assert.Empty(SchemeCatalogue.For(new Shape(64), FanLayout.Torch, ParameterRole.NormShift));
        Assert.Empty(SchemeCatalogue.For(new Shape(64), FanLayout.Torch, ParameterRole.RunningVariance));
        Assert.Equal(["uniform", "normal(mean=1, std=0.02)"], SchemeCatalogue.For(new Shape(64), FanLayout.Torch, ParameterRole.NormScale).Select(c => c.Name));
        Assert.Equal(["torch_default_bias"], SchemeCatalogue.For(new Shape(64), FanLayout.Torch, ParameterRole.Bias, Fans.Of(new Shape(64, 9))).Select(c => c.Name));
    }

    [Fact]
    public void A_bias_gets_the_PyTorch_rule_with_the_fan_in_of_its_weight()
    {
        var fans = Fans.Of(new Shape(64, 20, 3, 3));
        var rule = SchemeCatalogue.For(new Shape(64), FanLayout.Torch, ParameterRole.Bias, fans).Single(c => c.Name == "torch_default_bias").Law;
        Assert.Equal((DistributionKind.Uniform, -1 / Math.Sqrt(180), 1 / Math.Sqrt(180)), (rule.Kind, rule.Low, rule.High));
        Assert.DoesNotContain(SchemeCatalogue.For(new Shape(64), FanLayout.Torch, ParameterRole.Bias), c => c.Name == "torch_default_bias");
    }

    [Fact]
    public void Candidate_names_are_unique() =>
        Assert.Equal(SchemeCatalogue.Names.Count, SchemeCatalogue.Names.Distinct().Count());
}
