using InitLab.Activations;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Tests.Training;

public class GradientTests
{
    [Theory]
    [InlineData("tanh")]
    [InlineData("gelu")]
    [InlineData("sigmoid")]
    public void Training_loss_gradients_match_central_finite_differences_in_double(string act)
    {
        // Widths 5 -> 4 -> 6 -> 3 hidden (unequal on purpose), a readout to 4 classes, batch 5.
        int[] widths = [5, 4, 6, 3, 4];
        var activation = ActivationRegistry.Parse(act, null);
        var g = new Generator(42);
        var weights = new List<double[]>();
        var biases = new List<double[]>();
        for (int l = 1; l < widths.Length; l++)
        {
            var w = new double[widths[l] * widths[l - 1]];
            g.Normal(w, 0, 1.2 / Math.Sqrt(widths[l - 1]));
            weights.Add(w);
            var b = new double[widths[l]];
            g.Normal(b, 0, 0.3);
            biases.Add(b);
        }
        var x = new double[5 * widths[0]];
        g.Normal(x);
        int[] labels = [0, 3, 1, 1, 2];
        var gw = weights.Select(w => new double[w.Length]).ToArray();
        var gb = biases.Select(b => new double[b.Length]).ToArray();

        double Loss() => MlpClassifier.LossAndGradients<double>(widths, activation, weights, biases, x, labels,
            weights.Select(w => new double[w.Length]).ToArray(), biases.Select(b => new double[b.Length]).ToArray()).Loss;

        double loss = MlpClassifier.LossAndGradients<double>(widths, activation, weights, biases, x, labels, gw, gb).Loss;
        Assert.Equal(Loss(), loss);
        const double h = 1e-6;
        void Check(double[] parameters, double[] gradient)
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                double saved = parameters[i];
                parameters[i] = saved + h;
                double up = Loss();
                parameters[i] = saved - h;
                double down = Loss();
                parameters[i] = saved;
                // Central differences: truncation O(h^2) ~ 1e-12, rounding ~ 1e-16 / h = 1e-10 relative to the loss.
                Assert.Equal((up - down) / (2 * h), gradient[i], 8);
            }
        }
        for (int l = 0; l < weights.Count; l++)
        {
            Check(weights[l], gw[l]);
            Check(biases[l], gb[l]);
        }
    }

    [Fact]
    public void The_float_path_agrees_with_the_double_path()
    {
        int[] widths = [8, 16, 16, 10];
        var g = new Generator(3);
        var wd = new List<double[]>();
        var bd = new List<double[]>();
        for (int l = 1; l < widths.Length; l++)
        {
            var w = new double[widths[l] * widths[l - 1]];
            g.Normal(w, 0, 1.0 / Math.Sqrt(widths[l - 1]));
            wd.Add(w);
            var b = new double[widths[l]];
            g.Normal(b, 0, 0.1);
            bd.Add(b);
        }
        var x = new double[4 * 8];
        g.Normal(x);
        int[] y = [1, 9, 0, 4];
        var gwd = wd.Select(w => new double[w.Length]).ToArray();
        var gbd = bd.Select(b => new double[b.Length]).ToArray();
        double lossD = MlpClassifier.LossAndGradients<double>(widths, Activation.Tanh, wd, bd, x, y, gwd, gbd).Loss;
        float[] F(double[] a) => Array.ConvertAll(a, v => (float)v);
        var gwf = wd.Select(w => new float[w.Length]).ToArray();
        var gbf = bd.Select(b => new float[b.Length]).ToArray();
        double lossF = MlpClassifier.LossAndGradients<float>(widths, Activation.Tanh, wd.Select(F).ToArray(), bd.Select(F).ToArray(), F(x), y, gwf, gbf).Loss;
        Assert.Equal(lossD, lossF, 5);
        for (int l = 0; l < gwd.Length; l++)
            for (int i = 0; i < gwd[l].Length; i++) Assert.Equal(gwd[l][i], gwf[l][i], 5);
    }
}
