using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Propagation;
using InitLab.Random;

namespace InitLab.Tests.Propagation;

/// <summary>
/// The MLP lab runs through the graph's one walk: its numbers equal the lab's former loops bit for bit, and LSUV honours every
/// option of the spec (it used to ignore sigma_b and shared weights).
/// </summary>
public class OneWalkTests
{
    public static TheoryData<string> Specs => ["plain", "bias", "residual", "shared", "widths", "exploding", "uniform", "orthogonal", "input", "tanh-overflow"];

    private static NetworkSpec Make(string kind) => kind switch
    {
        "plain" => new NetworkSpec(64, 12, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(Math.Sqrt(2))) { Batch = 8 },
        "bias" => new NetworkSpec(48, 10, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(1.5)) { Batch = 6, SigmaB = 0.3 },
        "residual" => new NetworkSpec(32, 15, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(1.2)) { Batch = 5, ResidualAlpha = 0.6, SigmaB = 0.1 },
        "shared" => new NetworkSpec(40, 20, Activation.Identity, WeightDistribution.Gaussian.WithSigmaW(1.0)) { Batch = 4, SharedWeights = true, SigmaB = 0.2 },
        "widths" => new NetworkSpec([30, 70, 20, 50, 10], Activation.Gelu, WeightDistribution.Gaussian.WithSigmaW(1.4)) { Batch = 7 },
        "exploding" => new NetworkSpec(64, 60, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(8)) { Batch = 4 },
        "uniform" => new NetworkSpec(32, 6, Activation.Silu, new WeightDistribution.Custom("xavier_uniform", (g, w, r, c) => Init.XavierUniform().Fill(w.Span, new InitLab.Tensors.Shape(r, c), g))) { Batch = 3 },
        "orthogonal" => new NetworkSpec([16, 32, 32, 48], Activation.Tanh, new WeightDistribution.Orthogonal(1.1)) { Batch = 9, InputVariance = 2.5 },
        "input" => new NetworkSpec(12, 5, Activation.Sigmoid, WeightDistribution.Gaussian.WithSigmaW(2)) { Batch = 3, Input = Enumerable.Range(0, 36).Select(i => (float)Math.Sin(i)).ToArray() },
        // h overflows to Inf at some layer while tanh(h) stays finite: the lab's loop goes on, and so must the walk.
        "tanh-overflow" => new NetworkSpec(16, 6, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(1e39)) { Batch = 3 },
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void The_explicit_engine_gives_the_former_loops_numbers_bit_for_bit(string kind)
    {
        var spec = Make(kind);
        var legacy = LegacyMlpLoops.Explicit(spec, 17);
        var trace = ExplicitEngine.Run(spec, 17);
        Assert.Equal(legacy.Input, trace.Input);
        Assert.Equal(legacy.Layers, trace.Layers);
        Assert.Equal(legacy.FirstNonFinite, trace.FirstNonFiniteLayer);
        if (kind == "exploding") Assert.NotNull(trace.FirstNonFiniteLayer);
        if (kind == "tanh-overflow") Assert.Contains(trace.Layers, l => double.IsInfinity(l.Pre.Std) || double.IsNaN(l.Pre.Std));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("bias")]
    [InlineData("residual")]
    [InlineData("widths")]
    [InlineData("orthogonal")]
    [InlineData("exploding")]
    public void The_ensemble_engine_gives_the_former_loops_numbers_bit_for_bit(string kind)
    {
        var spec = Make(kind);
        var legacy = LegacyMlpLoops.Ensemble(spec, 23);
        var trace = EnsembleEngine.Run(spec, 23);
        Assert.Equal(legacy.Input, trace.Input);
        Assert.Equal(legacy.Layers, trace.Layers);
        Assert.Equal(legacy.FirstNonFinite, trace.FirstNonFiniteLayer);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_explicit_engine_is_bit_identical_on_any_thread_count(int threads)
    {
        var spec = Make("residual");
        Assert.Equal(ExplicitEngine.Run(spec, 5, backward: true, threads: 1).Layers, ExplicitEngine.Run(spec, 5, backward: true, threads: threads).Layers);
    }

    [Fact]
    public void Lsuv_without_bias_or_shared_weights_gives_the_former_loops_numbers()
    {
        var spec = new NetworkSpec(64, 8, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(1)) { Batch = 32 };
        var legacy = LegacyMlpLoops.Lsuv(spec, 3, 0.02, 10);
        var result = Lsuv.Run(spec, 3, 0.02, 10);
        Assert.Equal(legacy, result.Layers.Select(l => (l.Std, l.Iterations, l.Scale)).ToList());
    }

    [Fact]
    public void Lsuv_includes_the_bias_in_the_variance_it_normalizes()
    {
        var plain = new NetworkSpec(64, 6, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(1)) { Batch = 32 };
        var biased = plain with { SigmaB = 0.5 };
        var a = Lsuv.Run(plain, 3, 0.01, 20);
        var b = Lsuv.Run(biased, 3, 0.01, 20);
        Assert.True(b.Converged);
        // Var(h) = s^2 Var(x W^T) + Var(b) = 1 needs a smaller weight scale when the bias adds variance.
        Assert.All(a.Layers.Zip(b.Layers), p => Assert.True(p.Second.Scale < p.First.Scale, $"layer {p.First.Layer}"));
        // The reported std is the std of h = x W^T + b: recompute layer 1 independently.
        var x = biased.DrawInput(3);
        var bias = new float[64];
        new Generator(3, 3).Normal(bias, 0f, 0.5f);
        var h = new double[32 * 64];
        for (int r = 0; r < 32; r++)
            for (int j = 0; j < 64; j++)
            {
                double s = bias[j];
                for (int i = 0; i < 64; i++) s += (double)x[r * 64 + i] * b.Weights[0][j * 64 + i];
                h[r * 64 + j] = s;
            }
        Assert.Equal(InitLab.Tensors.Stats.Of(h).Std, b.Layers[0].Std, 4);
    }

    [Fact]
    public void Lsuv_with_shared_weights_scales_one_orthonormal_matrix_per_layer()
    {
        var spec = new NetworkSpec(48, 5, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(1)) { Batch = 32 };
        var fresh = Lsuv.Run(spec, 9);
        var shared = Lsuv.Run(spec with { SharedWeights = true }, 9);
        Assert.NotEqual(fresh.Weights[1], shared.Weights[1]);
        // Every layer's weights are s_l Q for one Q: the ratio to layer 1 is one constant per layer.
        for (int l = 1; l < 5; l++)
        {
            double ratio = shared.Weights[l][0] / shared.Weights[0][0];
            for (int i = 0; i < shared.Weights[l].Length; i += 97)
                Assert.Equal(ratio, shared.Weights[l][i] / shared.Weights[0][i], 4);
            Assert.Equal(shared.Layers[l].Scale / shared.Layers[0].Scale, ratio, 4);
        }
    }

    [Fact]
    public void The_mlp_family_graph_names_its_layers_and_shares_streams_for_shared_weights()
    {
        var spec = Make("shared");
        var g = spec.ToGraph();
        Assert.Equal(["input", "linear1", "act1", "linear2"], g.Nodes.Take(4).Select(n => n.Name));
        Assert.All(g.Nodes.Where(n => n.Name.StartsWith("linear")), n => Assert.Equal(2UL, n.Parameter("weight").Stream));
        Assert.All(g.Nodes.Where(n => n.Name.StartsWith("linear")), n => Assert.Equal(3UL, n.Parameter("bias").Stream));
        var residual = Make("residual").ToGraph();
        Assert.Equal("add15", residual.Output.Name);
        Assert.Equal("layer3", residual["add3"].Block);
    }
}
