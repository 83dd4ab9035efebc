using InitLab.Activations;
using InitLab.Propagation;
using InitLab.Random;

namespace InitLab.Tests.Propagation;

public class BackwardTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Weight_and_input_gradients_match_central_finite_differences(bool residual)
    {
        // A tiny network in double: widths 4-4-4 (residual) or 3-5-4-2, tanh, batch 3; loss L = sum(top ⊙ x_L).
        int[] widths = residual ? [4, 4, 4] : [3, 5, 4, 2];
        const int batch = 3;
        var g = new Generator(123);
        var weights = new List<double[]>();
        var biases = new List<double[]>();
        for (int l = 1; l < widths.Length; l++)
        {
            var w = new double[widths[l] * widths[l - 1]];
            g.Normal(w, 0, 0.8);
            weights.Add(w);
            var b = new double[widths[l]];
            g.Normal(b, 0, 0.3);
            biases.Add(b);
        }
        var x0 = new double[batch * widths[0]];
        g.Normal(x0);
        var top = new double[batch * widths[^1]];
        g.Normal(top);
        double? alpha = residual ? 0.7 : null;

        double Loss()
        {
            var r = ExplicitEngine.Propagate<double>(widths, batch, Activation.Tanh, alpha, x0, l => weights[l - 1], l => biases[l - 1], null);
            double s = 0;
            for (int i = 0; i < top.Length; i++) s += top[i] * r.Output![i];
            return s;
        }

        var result = ExplicitEngine.Propagate<double>(widths, batch, Activation.Tanh, alpha, x0, l => weights[l - 1], l => biases[l - 1], top, keepWeightGradients: true);
        for (int l = 0; l < weights.Count; l++) FiniteDifferences.Check(weights[l], result.WeightGradients![l], Loss, 7);
        FiniteDifferences.Check(x0, result.InputGradient!, Loss, 7);
        // Without kept gradients the per-layer weight-gradient norm comes from two B x B Gram matrices; it equals the norm
        // of the full gradient.
        var normsOnly = ExplicitEngine.Propagate<double>(widths, batch, Activation.Tanh, alpha, x0, l => weights[l - 1], l => biases[l - 1], top);
        for (int l = 0; l < weights.Count; l++)
            Assert.Equal(Math.Sqrt(result.WeightGradients![l].Sum(v => v * v)), normsOnly.Layers[l].WeightGradNorm!.Value, 10);
    }

    [Fact]
    public void Backward_reports_a_gradient_norm_per_layer()
    {
        var spec = new NetworkSpec(64, 5, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(Math.Sqrt(2))) { Batch = 8 };
        var trace = ExplicitEngine.Run(spec, 3, backward: true);
        Assert.All(trace.Layers, l => Assert.True(l.GradNorm > 0 && l.WeightGradNorm > 0));
        var forwardOnly = ExplicitEngine.Run(spec, 3);
        Assert.All(forwardOnly.Layers, l => Assert.Null(l.GradNorm));
    }
}
