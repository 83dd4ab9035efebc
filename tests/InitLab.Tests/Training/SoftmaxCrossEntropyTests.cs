using InitLab.Training;

namespace InitLab.Tests.Training;

public class SoftmaxCrossEntropyTests
{
    [Fact]
    public void Loss_and_gradient_match_the_definition()
    {
        double[] z = [1.0, -2.0, 0.5, 3.0, 3.0, -1.0];
        int[] y = [2, 0];
        var g = new double[6];
        double loss = SoftmaxCrossEntropy.LossAndGradient<double>(z, y, 3, g);
        // Independent: -log softmax(z_r)[y_r], averaged; gradient (p - onehot) / B.
        double expected = 0;
        for (int r = 0; r < 2; r++)
        {
            double s = Math.Exp(z[3 * r]) + Math.Exp(z[3 * r + 1]) + Math.Exp(z[3 * r + 2]);
            expected += -Math.Log(Math.Exp(z[3 * r + y[r]]) / s) / 2;
            for (int c = 0; c < 3; c++)
                Assert.Equal((Math.Exp(z[3 * r + c]) / s - (c == y[r] ? 1 : 0)) / 2, g[3 * r + c], 15);
        }
        Assert.Equal(expected, loss, 14);
    }

    [Fact]
    public void Large_logits_do_not_overflow_and_each_gradient_row_sums_to_zero()
    {
        float[] z = [1e4f, 0, -1e4f, 50, 100, 80];
        var g = new float[6];
        double loss = SoftmaxCrossEntropy.LossAndGradient<float>(z, [1, 1], 3, g);
        // Row 1: loss 1e4 (log-sum-exp = 1e4); row 2: -log softmax = log(1 + e^-50 + e^-20) ~ 2.06e-9.
        Assert.Equal((1e4 + Math.Log(1 + Math.Exp(-50) + Math.Exp(-20))) / 2, loss, 6);
        Assert.Equal(0, g[0] + g[1] + g[2], 7);
        Assert.Equal(0, g[3] + g[4] + g[5], 7);
    }

    [Fact]
    public void A_non_finite_logit_gives_a_non_finite_loss()
    {
        var g = new float[3];
        Assert.False(double.IsFinite(SoftmaxCrossEntropy.LossAndGradient<float>([float.PositiveInfinity, 0, 0], [1], 3, g)));
        Assert.False(double.IsFinite(SoftmaxCrossEntropy.LossAndGradient<float>([float.NaN, 0, 0], [1], 3, g)));
    }

    [Fact]
    public void Bad_labels_and_sizes_are_rejected()
    {
        var g = new double[3];
        Assert.Contains("labels[0] = 3", Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.LossAndGradient<double>([0, 0, 0], [3], 3, g)).Message);
        Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.LossAndGradient<double>([0, 0], [0], 3, g));
    }
}
