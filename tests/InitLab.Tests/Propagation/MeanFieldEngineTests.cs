using InitLab.Activations;
using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

public class MeanFieldEngineTests
{
    [Theory]
    [InlineData("tanh", 1.5, 0.1)]
    [InlineData("relu", 1.4142135623730951, 0.0)]
    [InlineData("erf", 1.2, 0.3)]
    public void Explicit_engine_matches_mean_field_within_the_finite_width_error(string act, double sigmaW, double sigmaB)
    {
        // R independent width-2048 networks. A single network's q_l fluctuates by O(sqrt(l / N)) (the inputs become
        // correlated with depth, so the batch does not average it away); the mean over R networks has standard error
        // sd / sqrt(R), estimated from the runs. Mean-field theory is the N -> infinity limit; its bias is O(l / N)
        // (zero for relu, whose variance recursion is exact in expectation). Tolerance: 5 standard errors + l / N.
        const int n = 2048, batch = 8, depth = 6, runs = 12;
        var spec = new NetworkSpec(n, depth, ActivationRegistry.Parse(act), WeightDistribution.Gaussian.WithSigmaW(sigmaW))
        {
            Batch = batch,
            SigmaB = sigmaB,
        };
        var predicted = MeanFieldEngine.Run(spec);
        var q = new double[depth][];
        for (int l = 0; l < depth; l++) q[l] = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            var trace = ExplicitEngine.Run(spec, (ulong)(42 + r));
            for (int l = 0; l < depth; l++) q[l][r] = trace.Layers[l].Pre.MeanSquare;
        }
        for (int l = 1; l <= depth; l++)
        {
            var s = InitLab.Tensors.Stats.Of(q[l - 1]);
            double theory = predicted.Layers[l - 1].Pre.MeanSquare;
            double tolerance = 5 * s.Std / Math.Sqrt(runs) + theory * l / (double)n;
            Assert.True(Math.Abs(s.Mean - theory) <= tolerance,
                $"{act} layer {l}: measured q {s.Mean} +- {s.Std / Math.Sqrt(runs)}, theory {theory}, tolerance {tolerance}");
        }
    }

    [Fact]
    public void Mean_field_reproduces_the_closed_form_relu_variance_recursion()
    {
        // ReLU: m_l = q_l / 2 and q_(l+1) = sigma_w^2 m_l + sigma_b^2, from q_1 = sigma_w^2 m_0 + sigma_b^2.
        double sw = 1.3, sb = 0.2;
        var spec = new NetworkSpec(100, 6, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(sw)) { SigmaB = sb, InputVariance = 2.0 };
        var trace = MeanFieldEngine.Run(spec);
        double m = 2.0;
        foreach (var layer in trace.Layers)
        {
            double q = sw * sw * m + sb * sb;
            Assert.Equal(q, layer.Pre.MeanSquare, 10);
            m = q / 2;
            Assert.Equal(m, layer.MeanSquare, 10);
            Assert.Equal(Math.Sqrt(q / (2 * Math.PI)), layer.Mean, 10);
        }
    }

    [Fact]
    public void Mean_field_refuses_shared_and_non_gaussian_weights()
    {
        var shared = new NetworkSpec(8, 2, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(1)) { SharedWeights = true };
        Assert.Throws<ArgumentException>(() => MeanFieldEngine.Run(shared));
        var custom = new NetworkSpec(8, 2, Activation.Tanh, new WeightDistribution.Custom("uniform", (g, w, r, c) => g.Uniform(w.Span)));
        Assert.Throws<ArgumentException>(() => MeanFieldEngine.Run(custom));
    }

    [Fact]
    public void Orthogonal_square_layers_have_mean_field_sigma_w_equal_to_the_gain() =>
        Assert.Equal(1.7, MeanFieldEngine.SigmaW(new WeightDistribution.Orthogonal(1.7), 64, 64), 15);
}
