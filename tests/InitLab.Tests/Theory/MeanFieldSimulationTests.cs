using InitLab.Activations;
using InitLab.Random;
using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Tests.Theory;

/// <summary>
/// The theory against finite-width networks with fresh Gaussian weights W_ij ~ N(0, sigma_w^2 / N), b_i ~ N(0, sigma_b^2).
/// Tolerance: given the previous layer's output x, the pre-activations h_i are i.i.d. N(0, Q), Q = sigma_w^2 |x|^2 / N +
/// sigma_b^2, so the layer's measured mean square m = mean(phi(h)^2) deviates from M(Q) = E[phi(sqrt(Q) z)^2] by noise of
/// variance V(Q) / N, V = E[phi^4] - M^2, independent of the past. To first order the deviation of Q_l from the
/// prediction q_l therefore has variance s_{l+1}^2 = F'(q_l)^2 s_l^2 + sigma_w^4 V(q_l) / N, s_1 = 0 (F' = the variance
/// map's slope), and the measured q_hat_l = mean(h^2) adds sampling noise of variance 2 q_l^2 / N. Each layer must be
/// within 5 standard deviations, bounding the sum of the two by sqrt(s_l^2) + sqrt(2 q_l^2 / N) (no independence assumed).
/// The O(1/N) bias of the nonlinear maps is far below that (1/N = 2.4e-4 of q at N = 4096).
/// </summary>
public class MeanFieldSimulationTests
{
    private const int Depth = 20;

    private static double[] StandardErrors(MeanFieldModel model, PropagationPrediction prediction, int width)
    {
        var errors = new double[prediction.Layers.Count];
        double varianceQ = 0, sw2 = model.SigmaW * model.SigmaW;
        var phi = model.Activation;
        for (int l = 0; l < errors.Length; l++)
        {
            double q = prediction.Layers[l].PreMeanSquare;
            errors[l] = Math.Sqrt(varianceQ) + Math.Sqrt(2 * q * q / width);
            double m = prediction.Layers[l].PostMeanSquare;
            double fourth = GaussianExpectation.Normal(x => Math.Pow(phi.Forward(x), 4), 0, Math.Sqrt(q), phi.Kinks);
            double slope = model.VarianceMapSlope(q);
            varianceQ = slope * slope * varianceQ + sw2 * sw2 * (fourth - m * m) / width;
        }
        return errors;
    }

    [Theory]
    [InlineData("tanh", 1.5, 0.3, 11UL)]
    [InlineData("relu", 1.3, 0.2, 12UL)]
    public void Materialized_width_1024_network_matches_the_predicted_q_l_at_every_layer_to_5_standard_errors(
        string name, double sigmaW, double sigmaB, ulong seed)
    {
        // Explicit weights: 20 fresh 1024 x 1024 matrices (21M normals) keep the test well under a second; the tolerance
        // scales as 1/sqrt(N), so this is as strict relative to its noise as the width-4096 test below.
        const int n = 1024, batch = 4;
        var phi = ActivationRegistry.Parse(name);
        var model = new MeanFieldModel(phi, sigmaW, sigmaB);
        var prediction = model.Predict(Depth, 1.0);
        double[] errors = StandardErrors(model, prediction, n);

        var g = new Generator(seed);
        var x = DenseTensor<float>.Zeros(n, batch); // column b is input b
        g.Normal(x.Span);
        for (int b = 0; b < batch; b++) // scale each input to mean square exactly 1, the prediction's m_0
        {
            double ms = 0;
            for (int i = 0; i < n; i++) ms += (double)x[i, b] * x[i, b];
            float scale = (float)(1 / Math.Sqrt(ms / n));
            for (int i = 0; i < n; i++) x[i, b] *= scale;
        }
        var w = DenseTensor<float>.Zeros(n, n);
        var bias = new float[n];
        for (int l = 0; l < Depth; l++)
        {
            g.Normal(w.Span, 0f, (float)(sigmaW / Math.Sqrt(n)));
            g.Normal(bias, 0f, (float)sigmaB);
            var h = TensorMath.MatMul(w, x);
            for (int i = 0; i < n; i++)
                for (int b = 0; b < batch; b++) h[i, b] += bias[i];
            for (int b = 0; b < batch; b++)
            {
                double qHat = 0;
                for (int i = 0; i < n; i++) qHat += (double)h[i, b] * h[i, b];
                qHat /= n;
                double q = prediction.Layers[l].PreMeanSquare;
                Assert.True(Math.Abs(qHat - q) <= 5 * errors[l],
                    $"{name} layer {l + 1} input {b}: measured {qHat:G6}, predicted {q:G6}, 5 SE = {5 * errors[l]:G3}");
            }
            phi.Forward<float>(h.Span, h.Span);
            x = h;
        }
    }

    [Theory]
    [InlineData("tanh", 1.5, 0.3, 21UL)]
    [InlineData("relu", 1.3, 0.2, 22UL)]
    [InlineData("erf", 1.0, 0.05, 23UL)]
    public void Width_4096_network_matches_the_predicted_q_l_at_depth_20(string name, double sigmaW, double sigmaB, ulong seed)
    {
        // For one input and fresh weights, W x + b is exactly N(0, sigma_w^2 |x|^2 / N + sigma_b^2 I) i.i.d. over units,
        // so the width-4096 network is sampled in distribution with 2N normals per layer instead of N^2.
        const int n = 4096;
        var phi = ActivationRegistry.Parse(name);
        var model = new MeanFieldModel(phi, sigmaW, sigmaB);
        var prediction = model.Predict(Depth, 1.0);
        double[] errors = StandardErrors(model, prediction, n);

        var g = new Generator(seed);
        var x = new double[n];
        var z = new double[n];
        var bias = new double[n];
        double meanSquare = 1.0;
        var measured = new double[Depth];
        for (int l = 0; l < Depth; l++)
        {
            double std = sigmaW * Math.Sqrt(meanSquare);
            g.Normal(z);
            g.Normal(bias);
            double qHat = 0;
            for (int i = 0; i < n; i++)
            {
                x[i] = std * z[i] + sigmaB * bias[i];
                qHat += x[i] * x[i];
            }
            qHat /= n;
            measured[l] = qHat;
            double q = prediction.Layers[l].PreMeanSquare;
            Assert.True(Math.Abs(qHat - q) <= 5 * errors[l],
                $"{name} layer {l + 1}: measured {qHat:G6}, predicted {q:G6}, 5 SE = {5 * errors[l]:G3}");
            phi.Forward<double>(x, x);
            meanSquare = 0;
            for (int i = 0; i < n; i++) meanSquare += x[i] * x[i];
            meanSquare /= n;
        }
        // The band is narrow enough to matter: a prediction for sigma_w 10% off leaves it at some layer.
        var wrong = new MeanFieldModel(phi, 1.1 * sigmaW, sigmaB).Predict(Depth, 1.0);
        Assert.Contains(Enumerable.Range(0, Depth),
            l => Math.Abs(wrong.Layers[l].PreMeanSquare - measured[l]) > 5 * errors[l]);
    }
}
