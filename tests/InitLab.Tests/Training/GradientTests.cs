using InitLab.Activations;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Tests.Training;

public class GradientTests
{
    /// <summary>Weights N(0, sigma_w^2 / fan_in), biases N(0, sigma_b^2) and a Gaussian input batch, in double.</summary>
    private static (double[][] Weights, double[][] Biases, double[] X) Network(int[] widths, int batch, double sigmaW, double sigmaB, ulong seed)
    {
        var g = new Generator(seed);
        var weights = new double[widths.Length - 1][];
        var biases = new double[widths.Length - 1][];
        for (int l = 1; l < widths.Length; l++)
        {
            weights[l - 1] = new double[widths[l] * widths[l - 1]];
            g.Normal(weights[l - 1], 0, sigmaW / Math.Sqrt(widths[l - 1]));
            biases[l - 1] = new double[widths[l]];
            g.Normal(biases[l - 1], 0, sigmaB);
        }
        var x = new double[batch * widths[0]];
        g.Normal(x);
        return (weights, biases, x);
    }

    private static T[][] Zeros<T>(double[][] like) => [.. like.Select(a => new T[a.Length])];

    [Theory]
    [InlineData("tanh")]
    [InlineData("gelu")]
    [InlineData("sigmoid")]
    public void Training_loss_gradients_match_central_finite_differences_in_double(string act)
    {
        // Widths 5 -> 4 -> 6 -> 3 hidden (unequal on purpose), a readout to 4 classes, batch 5.
        int[] widths = [5, 4, 6, 3, 4];
        var activation = ActivationRegistry.Parse(act, null);
        var (weights, biases, x) = Network(widths, 5, 1.2, 0.3, 42);
        int[] labels = [0, 3, 1, 1, 2];
        var gw = Zeros<double>(weights);
        var gb = Zeros<double>(biases);

        double Loss() => MlpClassifier.LossAndGradients<double>(widths, activation, weights, biases, x, labels, Zeros<double>(weights), Zeros<double>(biases)).Loss;

        double loss = MlpClassifier.LossAndGradients<double>(widths, activation, weights, biases, x, labels, gw, gb).Loss;
        Assert.Equal(Loss(), loss);
        for (int l = 0; l < weights.Length; l++)
        {
            FiniteDifferences.Check(weights[l], gw[l], Loss, 1e-8);
            FiniteDifferences.Check(biases[l], gb[l], Loss, 1e-8);
        }
    }

    [Fact]
    public void The_float_path_agrees_with_the_double_path()
    {
        int[] widths = [8, 16, 16, 10];
        var (wd, bd, x) = Network(widths, 4, 1.0, 0.1, 3);
        int[] y = [1, 9, 0, 4];
        var gwd = Zeros<double>(wd);
        double lossD = MlpClassifier.LossAndGradients<double>(widths, Activation.Tanh, wd, bd, x, y, gwd, Zeros<double>(bd)).Loss;
        float[] F(double[] a) => Array.ConvertAll(a, v => (float)v);
        var gwf = Zeros<float>(wd);
        double lossF = MlpClassifier.LossAndGradients<float>(widths, Activation.Tanh, wd.Select(F).ToArray(), bd.Select(F).ToArray(), F(x), y, gwf, Zeros<float>(bd)).Loss;
        Assert.Equal(lossD, lossF, 5);
        for (int l = 0; l < gwd.Length; l++)
            for (int i = 0; i < gwd[l].Length; i++) Assert.Equal(gwd[l][i], gwf[l][i], 5);
    }
}
