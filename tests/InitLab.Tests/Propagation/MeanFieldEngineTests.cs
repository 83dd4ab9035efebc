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
        // Width N = 2048, batch B = 64. Each layer's q is a mean of h^2 over N B nearly independent Gaussian entries:
        // relative sd sqrt(2 / (N B)); errors of earlier layers carry over, so after l layers at most sqrt(2 l / (N B)).
        // The finite-width bias of mean-field theory is O(1/N). Tolerance: 5 of those sds plus 2/N.
        const int n = 2048, batch = 64, depth = 8;
        var spec = new NetworkSpec(n, depth, ActivationRegistry.Parse(act), WeightDistribution.Gaussian.WithSigmaW(sigmaW))
        {
            Batch = batch,
            SigmaB = sigmaB,
        };
        var measured = ExplicitEngine.Run(spec, 42);
        var predicted = MeanFieldEngine.Run(spec);
        for (int l = 1; l <= depth; l++)
        {
            double tolerance = 5 * Math.Sqrt(2.0 * l / (n * batch)) + 2.0 / n;
            double q = predicted.Layers[l - 1].Pre.MeanSquare;
            double relative = measured.Layers[l - 1].Pre.MeanSquare / q - 1;
            Assert.True(Math.Abs(relative) <= tolerance, $"{act} layer {l}: measured q {measured.Layers[l - 1].Pre.MeanSquare}, theory {q}, relative error {relative:G3} > {tolerance:G3}");
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
