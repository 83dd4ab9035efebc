using System.Text.Json;
using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Propagation;
using InitLab.Random;
using InitLab.Tests.Random;

namespace InitLab.Tests.Propagation;

/// <summary>
/// The explicit engine on PyTorch's generator against the PyTorch script of <see cref="ExplicitEngine.Run"/>, run in
/// PyTorch 1.13 (tests/reference/torch_generator.json, "propagate"). Per-layer statistics agree to float rounding of
/// the products (relative 1e-5), which other draws would miss by far.
/// </summary>
public class ExplicitEngineTorchTests
{
    public static TheoryData<int> Configs() => [0, 1, 2, 3];

    private static NetworkSpec Spec(JsonElement c)
    {
        int[] widths = [.. c.GetProperty("widths").EnumerateArray().Select(w => w.GetInt32())];
        string init = c.GetProperty("init").GetString()!;
        var weights = init == "sigma_w"
            ? WeightDistribution.Gaussian.WithSigmaW(c.GetProperty("sigma_w").GetDouble())
            : WeightDistribution.FromScheme(init);
        return new NetworkSpec(widths, ActivationRegistry.Parse(c.GetProperty("act").GetString()!), weights)
        {
            Batch = c.GetProperty("batch").GetInt32(),
            SigmaB = c.GetProperty("sigma_b").GetDouble(),
            InputVariance = c.GetProperty("input_variance").GetDouble(),
            SharedWeights = c.GetProperty("shared").GetBoolean(),
        };
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected) + 1e-6, $"{what}: ours {actual}, PyTorch {expected}");

    [Theory]
    [MemberData(nameof(Configs))]
    public void Layer_statistics_match_the_PyTorch_script(int index)
    {
        var c = TorchReference.Document.GetProperty("propagate")[index];
        bool backward = c.GetProperty("backward").GetBoolean();
        var trace = ExplicitEngine.Run(Spec(c), c.GetProperty("seed").GetUInt64(), backward, generator: GeneratorKind.Torch);
        var means = c.GetProperty("mean");
        var stds = c.GetProperty("std");
        Assert.Equal(means.GetArrayLength(), trace.Layers.Count);
        for (int l = 0; l < trace.Layers.Count; l++)
        {
            Close(means[l].GetDouble(), trace.Layers[l].Mean, $"layer {l + 1} mean");
            Close(stds[l].GetDouble(), trace.Layers[l].Std, $"layer {l + 1} std");
            if (backward) Close(c.GetProperty("grad_norm")[l].GetDouble(), trace.Layers[l].GradNorm!.Value, $"layer {l + 1} grad norm");
        }
        if (backward) Close(c.GetProperty("input_grad_norm").GetDouble(), trace.Input.GradNorm!.Value, "input grad norm");
    }

    [Fact]
    public void Other_engines_refuse_the_torch_generator()
    {
        var spec = new NetworkSpec(8, 3, ActivationRegistry.Parse("tanh"), WeightDistribution.Gaussian.WithSigmaW(1));
        var e = Assert.Throws<ArgumentException>(() => Propagator.Run(spec, Engine.Ensemble, 0, generator: GeneratorKind.Torch));
        Assert.Contains("explicit", e.Message);
        Assert.Throws<ArgumentException>(() => Propagator.Run(spec, Engine.MeanField, 0, generator: GeneratorKind.Torch));
    }

    [Fact]
    public void Weights_without_a_torch_counterpart_are_refused()
    {
        var spec = new NetworkSpec(8, 2, ActivationRegistry.Parse("tanh"), WeightDistribution.FromScheme("lecun_normal"));
        Assert.Throws<ArgumentException>(() => ExplicitEngine.Run(spec, 0, generator: GeneratorKind.Torch));
    }
}
