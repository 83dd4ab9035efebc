using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Propagation;
using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Tests.Initializers;

/// <summary>An activation may be given as an object or by its catalogue name, with the same result, in Init, Gain and the lab.</summary>
public class ActivationArgumentTests
{
    [Theory]
    [InlineData("tanh", null)]
    [InlineData("relu", null)]
    [InlineData("leaky_relu", 0.2)]
    [InlineData("gelu", null)]
    [InlineData("elu", 0.5)]
    public void Gain_exact_by_name_equals_gain_exact_of_the_object(string name, double? parameter) =>
        Assert.Equal(Gain.Exact(ActivationRegistry.Parse(name, parameter)), Gain.Exact(name, parameter));

    [Fact]
    public void Kaiming_of_an_activation_object_is_kaiming_of_its_name_with_its_slope()
    {
        var shape = new Shape(64, 100);
        // leaky_relu with slope 0.2: gain sqrt(2 / (1 + 0.2^2)) (He et al. 2015), std = gain / sqrt(fan_in).
        double expected = Math.Sqrt(2 / (1 + 0.04)) / Math.Sqrt(100);
        Assert.Equal(expected, Init.KaimingNormal(Activation.LeakyRelu(0.2)).TargetStd(shape), 12);
        Assert.Equal(expected, Init.KaimingUniform(Activation.LeakyRelu(0.2)).TargetStd(shape), 12);
        Assert.Equal(Math.Sqrt(2.0 / 100), Init.KaimingNormal(Activation.Relu).TargetStd(shape), 12);
        Assert.Equal(Init.KaimingNormal(nonlinearity: "tanh", mode: FanMode.FanOut).TargetStd(shape),
            Init.KaimingNormal(Activation.Tanh, FanMode.FanOut).TargetStd(shape), 15);
        Assert.Throws<ArgumentException>(() => Init.KaimingNormal(Activation.Gelu)); // not in PyTorch's gain table
    }

    [Fact]
    public void A_network_spec_by_activation_name_propagates_as_the_object()
    {
        var weights = WeightDistribution.FromScheme("kaiming_normal");
        var byName = new NetworkSpec(32, 5, "leaky_relu", weights, activationParameter: 0.1) { Batch = 4 };
        var byObject = new NetworkSpec(32, 5, Activation.LeakyRelu(0.1), weights) { Batch = 4 };
        Assert.Equal(Propagator.Run(byObject, Engine.Explicit, 9).Layers, Propagator.Run(byName, Engine.Explicit, 9).Layers);
        Assert.Throws<ArgumentException>(() => new NetworkSpec(32, 5, "no_such_activation", weights));
    }

    [Fact]
    public void Mean_field_theory_by_activation_name_is_the_theory_of_the_object()
    {
        var byName = new MeanFieldModel("leaky_relu", 1.3, 0.2, activationParameter: 0.3).Analyze();
        var byObject = new MeanFieldModel(Activation.LeakyRelu(0.3), 1.3, 0.2).Analyze();
        Assert.Equal(byObject.Chi1, byName.Chi1);
        Assert.Equal(byObject.QStar, byName.QStar);
        // Positively homogeneous: chi_1 = sigma_w^2 E[phi'(z)^2] = sigma_w^2 (1 + a^2) / 2, whatever q*.
        Assert.Equal(1.3 * 1.3 * (1 + 0.09) / 2, byName.Chi1, 12);
        Assert.Equal(CriticalLine.SigmaW(Activation.Tanh, 0.1).SigmaW, CriticalLine.SigmaW("tanh", 0.1).SigmaW);
        Assert.Equal(Math.Sqrt(2 / (1 + 0.25)), CriticalLine.SigmaW("leaky_relu", 0.0, activationParameter: 0.5).SigmaW, 9);
        Assert.Throws<ArgumentException>(() => new MeanFieldModel("tanh", 1, 0, activationParameter: 0.1)); // tanh has no parameter
        Assert.Throws<ArgumentException>(() => CriticalLine.SigmaW("no_such_activation", 0.1));
    }
}
