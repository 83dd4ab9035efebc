using InitLab.Activations;
using InitLab.Propagation;
using InitLab.Theory;
using InitLab.Training;

namespace InitLab.Tests.Training;

/// <summary>
/// The final proof on real data, in small seeded runs (300 SGD steps of 32 on 5000 Fashion-MNIST images, 1000 test
/// images): networks the lab calls stable learn, the same depth with weights it calls exploding or vanishing does not,
/// and a chaotic tanh network learns below 6 xi_c but not far beyond it.
/// </summary>
public class LearningTests
{
    private static readonly TrainingOptions Options = new(300, 32, new Optimizer.Sgd(0.01, 0.9));

    /// <summary>
    /// A network that ignores its input is right at most as often as the commonest test label; the threshold is that
    /// frequency plus 5 binomial standard errors (a p-value below 1e-6 for a network that learned nothing).
    /// </summary>
    private static double LearnedThreshold(Dataset test)
    {
        var labels = test.Labels.ToArray();
        double p = Enumerable.Range(0, test.ClassCount).Max(c => labels.Count(y => y == c)) / (double)test.Count;
        return p + 5 * Math.Sqrt(p * (1 - p) / test.Count);
    }

    private static TrainingResult Train(Activation act, int width, int depth, double sigmaW, double sigmaB = 0)
    {
        var (train, test) = FashionMnistData.Subset;
        var spec = new NetworkSpec([train.FeatureCount, .. Enumerable.Repeat(width, depth)], act, WeightDistribution.Gaussian.WithSigmaW(sigmaW)) { SigmaB = sigmaB };
        return Trainer.Run(MlpClassifier.Create(spec, train.ClassCount, 1), train, test, Options, 1);
    }

    [Fact]
    public void A_relu_network_the_lab_calls_stable_learns_and_exploding_or_vanishing_ones_do_not()
    {
        var test = FashionMnistData.Subset.Test;
        double threshold = LearnedThreshold(test);
        Assert.InRange(threshold, 0.15, 0.2);

        // Depth 16, width 64: Kaiming's sigma_w = sqrt 2 keeps the std; 2 multiplies it by sqrt 2 per layer (x256 over
        // 16 layers); 0.7 by 0.49 per layer (x1e-5).
        var stable = Train(Activation.Relu, 64, 16, Math.Sqrt(2));
        var exploding = Train(Activation.Relu, 64, 16, 2.0);
        var vanishing = Train(Activation.Relu, 64, 16, 0.7);

        Assert.Equal(Verdict.Stable, stable.Prediction.Verdict);
        Assert.Equal(Verdict.Exploding, exploding.Prediction.Verdict);
        Assert.Equal(Verdict.Vanishing, vanishing.Prediction.Verdict);

        Assert.Null(stable.DivergedAtStep);
        Assert.True(stable.TestAccuracy > threshold, $"stable: accuracy {stable.TestAccuracy}, threshold {threshold}");
        Assert.True(exploding.DivergedAtStep is not null || exploding.TestAccuracy <= threshold,
            $"exploding: accuracy {exploding.TestAccuracy}, diverged at {exploding.DivergedAtStep}");
        Assert.True(vanishing.DivergedAtStep is not null || vanishing.TestAccuracy <= threshold,
            $"vanishing: accuracy {vanishing.TestAccuracy}, diverged at {vanishing.DivergedAtStep}");
        // The loss curve is reported for every step, and a network that learned ends far below log(10), where the others stay.
        Assert.Equal(300, stable.Loss.Count);
        Assert.True(stable.Loss.TakeLast(20).Average() < 0.75 * Math.Log(10));
    }

    [Fact]
    public void A_chaotic_tanh_network_learns_below_6_xi_c_and_not_far_beyond()
    {
        var test = FashionMnistData.Subset.Test;
        double threshold = LearnedThreshold(test);
        // tanh, sigma_w = 3, sigma_b = 0.05: chaotic, xi_c = 4.65, 6 xi_c = 27.9 layers.
        double xi = new MeanFieldModel(Activation.Tanh, 3, 0.05).Analyze().XiC!.Value;
        var shallow = Train(Activation.Tanh, 64, 8, 3, 0.05);
        var deep = Train(Activation.Tanh, 64, 60, 3, 0.05);
        Assert.Equal(6 * xi, shallow.Prediction.TrainableDepth!.Value, 12);
        Assert.True(shallow.Prediction.Trainable(8));
        Assert.False(deep.Prediction.Trainable(60));
        Assert.True(shallow.TestAccuracy > threshold, $"depth 8: accuracy {shallow.TestAccuracy}, threshold {threshold}");
        Assert.True(deep.DivergedAtStep is not null || deep.TestAccuracy <= threshold, $"depth 60: accuracy {deep.TestAccuracy}, threshold {threshold}");
        // The signal itself is stable at both depths (tanh saturates): it is the gradients that grow, by about chi_1 per layer.
        Assert.Equal(Verdict.Stable, deep.Prediction.Verdict);
        Assert.True(deep.GradientGrowthPerLayer > 1.2, $"gradient growth {deep.GradientGrowthPerLayer}");
    }
}
