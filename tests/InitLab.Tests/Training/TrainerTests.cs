using InitLab.Activations;
using InitLab.Propagation;
using InitLab.Random;
using InitLab.Theory;
using InitLab.Training;

namespace InitLab.Tests.Training;

public class TrainerTests
{
    private static NetworkSpec Spec(int inputs, int width, int depth, Activation act, double sigmaW, double sigmaB = 0) =>
        new([inputs, .. Enumerable.Repeat(width, depth)], act, WeightDistribution.Gaussian.WithSigmaW(sigmaW)) { SigmaB = sigmaB };

    private static Dataset Random(int count, int features, int classes, ulong seed)
    {
        var x = new float[count * features];
        new Generator(seed).Normal(x);
        return new Dataset(x, features, Enumerable.Range(0, count).Select(i => i % classes).ToArray(), classes);
    }

    [Fact]
    public void A_classifier_starts_from_the_explicit_engines_weights_and_biases()
    {
        var spec = Spec(7, 5, 3, Activation.Tanh, 1.3, 0.2);
        var model = MlpClassifier.Create(spec, 4, 9);
        int[] widths = [7, 5, 5, 5, 4];
        for (int l = 1; l <= 4; l++)
        {
            // Layer l: stream 2l, N(0, sigma_w^2 / fan_in); biases stream 2l + 1, N(0, sigma_b^2).
            var w = new float[widths[l] * widths[l - 1]];
            new Generator(9, 2UL * (ulong)l).Normal(w, 0f, (float)(1.3 / Math.Sqrt(widths[l - 1])));
            var b = new float[widths[l]];
            new Generator(9, 2UL * (ulong)l + 1).Normal(b, 0f, 0.2f);
            Assert.Equal(w, model.Weights[l - 1]);
            Assert.Equal(b, model.Biases[l - 1]);
        }
        // Same hidden statistics as propagate's explicit engine on the same inputs.
        var input = new float[4 * 7];
        new Generator(1).Normal(input);
        var engine = ExplicitEngine.Run(spec with { Batch = 4, Input = input }, 9);
        var session = new TrainingSession(model, new Dataset(input, 7, [0, 1, 2, 3], 4), new TrainingOptions(1, 4, new Optimizer.Sgd(0.1)), 0);
        session.Step();
        var trained = session.LastTrace!;
        // The session's batch is a shuffle of the same 4 rows: per-layer statistics are permutation invariant up to rounding.
        for (int l = 0; l < 3; l++) Assert.Equal(engine.Layers[l].MeanSquare, trained.Layers[l].MeanSquare, 5);
    }

    [Fact]
    public void The_prediction_is_the_mean_field_theory_of_the_initial_weights()
    {
        var data = Random(64, 10, 3, 1);
        var model = MlpClassifier.Create(Spec(10, 32, 4, Activation.Tanh, 1.5, 0.05), 3, 2);
        var r = Trainer.Run(model, data, data, new TrainingOptions(5, 16, new Optimizer.Sgd(0.01)), 2);
        var theory = new MeanFieldModel(Activation.Tanh, 1.5, 0.05).Analyze(1.0);
        Assert.Equal(1.5, r.Prediction.SigmaW, 15);
        Assert.Equal(theory.XiC, r.Prediction.XiC);
        Assert.Equal(theory.Chi1, r.Prediction.Chi1);
        Assert.Equal(Phase.Chaotic, r.Prediction.Phase);
        Assert.Equal(6 * theory.XiC, r.Prediction.TrainableDepth);
        Assert.Equal(5, r.Loss.Count);
        Assert.All(r.InitialTrace.Layers, l => Assert.True(l.GradNorm > 0 && l.WeightGradNorm > 0));
    }

    [Fact]
    public void Effective_sigma_w_of_orthogonal_and_uniform_weights_is_their_variance_scale()
    {
        var orthogonal = MlpClassifier.Create(new NetworkSpec([10, 64, 64], Activation.Tanh, new WeightDistribution.Orthogonal(1.7)), 3, 1);
        Assert.Equal(1.7, Trainer.EffectiveSigmaW(orthogonal), 12);
        // U(-a, a) with a = sqrt(3) s / sqrt(fan_in) has std s / sqrt(fan_in): sigma_w = s, measured from 64 x 64 draws
        // (relative standard error of a sample variance of uniforms: sqrt(0.8 / 4096) = 1.4%; 5 sigma = 7%).
        var uniform = new WeightDistribution.Custom("uniform", (g, w, rows, cols) =>
            g.Uniform(w.Span, (float)(-Math.Sqrt(3) * 0.9 / Math.Sqrt(cols)), (float)(Math.Sqrt(3) * 0.9 / Math.Sqrt(cols))));
        var u = MlpClassifier.Create(new NetworkSpec([10, 64, 64], Activation.Tanh, uniform), 3, 1);
        Assert.Equal(0.9, Trainer.EffectiveSigmaW(u), 0.9 * 0.035);
    }

    [Fact]
    public void A_learning_rate_that_diverges_stops_at_the_first_non_finite_loss()
    {
        var data = Random(64, 10, 3, 1);
        var model = MlpClassifier.Create(Spec(10, 16, 2, Activation.Relu, Math.Sqrt(2)), 3, 2);
        var r = Trainer.Run(model, data, data, new TrainingOptions(50, 16, new Optimizer.Sgd(1e6)), 2);
        Assert.NotNull(r.DivergedAtStep);
        Assert.Equal(r.DivergedAtStep + 1, r.Loss.Count);
        Assert.False(double.IsFinite(r.Loss[^1]));
        Assert.All(r.Loss.SkipLast(1), l => Assert.True(double.IsFinite(l)));
        Assert.Null(r.TestAccuracy);
    }

    [Fact]
    public void Training_networks_it_cannot_train_is_refused_by_name()
    {
        var shared = Spec(8, 8, 2, Activation.Tanh, 1) with { SharedWeights = true };
        Assert.Contains("shared weights", Assert.Throws<ArgumentException>(() => MlpClassifier.Create(shared, 3, 0)).Message);
        var model = MlpClassifier.Create(Spec(10, 8, 2, Activation.Tanh, 1), 3, 0);
        Assert.Contains("input width is 10", Assert.Throws<ArgumentException>(() => Trainer.Run(model, Random(20, 9, 3, 0), null, new TrainingOptions(1, 4, new Optimizer.Sgd(0.1)), 0)).Message);
        Assert.Contains("steps", Assert.Throws<ArgumentException>(() => Trainer.Run(model, Random(20, 10, 3, 0), null, new TrainingOptions(0, 4, new Optimizer.Sgd(0.1)), 0)).Message);
    }

    [Fact]
    public void Same_seed_gives_the_same_bits_on_any_thread_count()
    {
        // Batch 512 x width 256: every hidden product is at least 2^25 multiply-adds, so GEMM really splits across threads.
        var data = Random(1024, 784, 10, 5);
        float[][] Train(int threads)
        {
            var model = MlpClassifier.Create(Spec(784, 256, 2, Activation.Tanh, 1.2, 0.05), 10, 8, threads);
            var r = Trainer.Run(model, data, data, new TrainingOptions(2, 512, new Optimizer.Adam(1e-3)), 8, threads: threads);
            Assert.Null(r.DivergedAtStep);
            return [.. model.Weights, .. model.Biases, [.. r.Loss.Select(l => (float)l), (float)r.TestAccuracy!.Value]];
        }
        float[][]? first = null;
        foreach (int threads in ThreadCounts.All)
        {
            var result = ThreadCounts.Parallel(threads, Train);
            first ??= result;
            Assert.Equal(first.Length, result.Length);
            for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], result[i]);
        }
    }
}
