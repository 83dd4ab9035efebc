using InitLab.Activations;
using InitLab.Propagation;
using InitLab.Tensors;

namespace InitLab.Tests.Propagation;

public class EnginesTests
{
    private const double Alpha = 1e-3; // per KS test; three layers are tested per case, so a correct engine fails 0.3% of seeds sets

    private static NetworkSpec Spec(WeightDistribution w, int width = 128, int depth = 8, int batch = 6, double sigmaB = 0.1) =>
        new(width, depth, Activation.Tanh, w) { Batch = batch, SigmaB = sigmaB };

    public static TheoryData<string> Distributions => new() { "gaussian", "orthogonal" };

    private static WeightDistribution Make(string kind) => kind == "gaussian"
        ? WeightDistribution.Gaussian.WithSigmaW(1.3)
        : new WeightDistribution.Orthogonal(1.3);

    [Theory]
    [MemberData(nameof(Distributions))]
    public void Explicit_and_ensemble_per_layer_std_are_statistically_indistinguishable(string kind)
    {
        // 60 independent networks per engine; two-sample KS on the per-layer std at layers 1, 4 and 8.
        var spec = Spec(Make(kind));
        const int runs = 60;
        var explicitStd = new double[3][];
        var ensembleStd = new double[3][];
        for (int q = 0; q < 3; q++) { explicitStd[q] = new double[runs]; ensembleStd[q] = new double[runs]; }
        int[] layers = [1, 4, 8];
        for (int r = 0; r < runs; r++)
        {
            var ex = ExplicitEngine.Run(spec, seed: (ulong)(1000 + r));
            var en = EnsembleEngine.Run(spec, seed: (ulong)(5000 + r));
            for (int q = 0; q < 3; q++)
            {
                explicitStd[q][r] = ex.Layers[layers[q] - 1].Std;
                ensembleStd[q][r] = en.Layers[layers[q] - 1].Std;
            }
        }
        for (int q = 0; q < 3; q++)
        {
            var ks = KolmogorovSmirnov.TwoSample(explicitStd[q], ensembleStd[q]);
            Assert.True(ks.Passes(Alpha), $"{kind} layer {layers[q]}: D = {ks.Statistic}, p = {ks.PValue}");
        }
    }

    [Fact]
    public void The_two_sample_test_can_tell_a_different_sigma_w_apart()
    {
        // Power of the comparison above: with n = m = 60 the two-sample KS rejects at alpha = 1e-3 once
        // D > c(alpha) sqrt((n + m) / (n m)) = sqrt(ln(2 / alpha) / 2) sqrt(2 / 60) = 0.356. For two samples of spread s
        // whose centres differ by delta, D is about 2 Phi(delta / 2s) - 1: sigma_w 1.3 against 1.45 moves the mean-field
        // final std by delta >= 3 s (checked below with s measured), so D is about 0.87 and the test must reject.
        const int runs = 60;
        var a = new double[runs];
        var b = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            a[r] = ExplicitEngine.Run(Spec(WeightDistribution.Gaussian.WithSigmaW(1.3)), (ulong)r).Layers[^1].Std;
            b[r] = EnsembleEngine.Run(Spec(WeightDistribution.Gaussian.WithSigmaW(1.45)), (ulong)(9000 + r)).Layers[^1].Std;
        }
        double delta = MeanFieldEngine.Run(Spec(WeightDistribution.Gaussian.WithSigmaW(1.45))).Layers[^1].Std
                       - MeanFieldEngine.Run(Spec(WeightDistribution.Gaussian.WithSigmaW(1.3))).Layers[^1].Std;
        double spread = Math.Max(InitLab.Tensors.Stats.Of(a).Std, InitLab.Tensors.Stats.Of(b).Std);
        Assert.True(delta >= 3 * spread, $"the alternative is too close to test power: delta {delta}, spread {spread}");
        Assert.False(KolmogorovSmirnov.TwoSample(a, b).Passes(Alpha));
    }

    [Fact]
    public void Ensemble_refuses_what_it_cannot_sample_exactly()
    {
        var shared = Spec(WeightDistribution.Gaussian.WithSigmaW(1)) with { SharedWeights = true };
        Assert.Contains("explicit", Assert.Throws<ArgumentException>(() => EnsembleEngine.Run(shared, 0)).Message);
        var uniform = Spec(new WeightDistribution.Custom("uniform", (g, w, r, c) => g.Uniform(w.Span, -1f, 1f)));
        Assert.Contains("uniform", Assert.Throws<ArgumentException>(() => EnsembleEngine.Run(uniform, 0)).Message);
        var narrowing = new NetworkSpec([64, 32], Activation.Relu, new WeightDistribution.Orthogonal(1));
        Assert.Throws<ArgumentException>(() => EnsembleEngine.Run(narrowing, 0));
    }

    [Fact]
    public void Ensemble_handles_a_rank_deficient_batch_without_jitter()
    {
        // Batch 8 > width 4: the Gram matrix has rank 4; repeated inputs make it rank-deficient too.
        var spec = new NetworkSpec(4, 3, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(Math.Sqrt(2))) { Batch = 8 };
        var trace = EnsembleEngine.Run(spec, 1);
        Assert.All(trace.Layers, l => Assert.Equal(0, l.NonFinite));
        var same = new float[2 * 16];
        for (int i = 0; i < 16; i++) same[i] = same[16 + i] = i - 7.5f;
        var duplicated = new NetworkSpec(16, 2, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(1)) { Batch = 2, Input = same };
        var t = EnsembleEngine.Run(duplicated, 2);
        // Two identical inputs stay identical: correlation exactly 1 at every layer.
        Assert.All(t.Layers, l => Assert.Equal(1.0, l.Correlation!.Value, 12));
    }

    [Fact]
    public void Same_seed_gives_the_same_explicit_trace_on_any_thread_count()
    {
        // 64 x 1024 x 1024 = 6.7e7 multiply-adds per layer product: above GEMM's 2^25 serial threshold.
        var spec = Spec(WeightDistribution.Gaussian.WithSigmaW(1.1), width: 1024, depth: 2, batch: 64);
        var reference = ExplicitEngine.Run(spec, 7, backward: true, threads: 1);
        foreach (int threads in ThreadCounts.All)
        {
            var t = ThreadCounts.Parallel(threads, n => ExplicitEngine.Run(spec, 7, backward: true, threads: n));
            Assert.Equal(reference.Layers, t.Layers);
            Assert.Equal(reference.Input, t.Input);
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_ensemble_trace_on_any_thread_count()
    {
        // Gram matrix 128 x 128 x 4096 = 6.7e7 multiply-adds and Z fills of 128 x 4096 elements: both cross their thresholds.
        var spec = Spec(WeightDistribution.Gaussian.WithSigmaW(1.3), width: 4096, depth: 2, batch: 128) with { SigmaB = 0.1 };
        var reference = EnsembleEngine.Run(spec, 9, threads: 1);
        foreach (int threads in ThreadCounts.All)
        {
            var t = ThreadCounts.Parallel(threads, n => EnsembleEngine.Run(spec, 9, threads: n));
            Assert.Equal(reference.Layers, t.Layers);
        }
    }

    [Fact]
    public void A_negative_thread_count_is_rejected_by_every_engine()
    {
        var spec = Spec(WeightDistribution.Gaussian.WithSigmaW(1), width: 8, depth: 1, batch: 2);
        Assert.Equal("threads", Assert.Throws<ArgumentException>(() => ExplicitEngine.Run(spec, 1, threads: -1)).ParamName);
        Assert.Equal("threads", Assert.Throws<ArgumentException>(() => EnsembleEngine.Run(spec, 1, threads: -1)).ParamName);
        Assert.Equal("threads", Assert.Throws<ArgumentException>(() => Propagator.Run(spec, Engine.MeanField, 1, threads: -2)).ParamName);
    }
}
