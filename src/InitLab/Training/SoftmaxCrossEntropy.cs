using System.Numerics;

namespace InitLab.Training;

/// <summary>
/// Softmax cross-entropy of a batch of logits z (B x C, row-major) against integer labels y:
/// <c>L = (1/B) sum_r [log sum_c exp(z_rc) - z_(r, y_r)]</c>, with the gradient
/// <c>dL/dz_rc = (softmax(z_r)_c - [c = y_r]) / B</c> (as torch.nn.functional.cross_entropy with mean reduction).
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// The mean loss over the batch; writes dL/dz into <paramref name="gradient"/> (which may be <paramref name="logits"/>
    /// itself). The log-sum-exp subtracts each row's maximum first, so large finite logits do not overflow; a non-finite
    /// logit gives a NaN or infinite loss, which the trainer reports as divergence.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes do not match, or a label lies outside 0..classes-1.</exception>
    public static double LossAndGradient<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, int classes, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int batch = labels.Length;
        if (classes < 1) throw new ArgumentException($"classes must be >= 1, got {classes}.", nameof(classes));
        if (logits.Length != (long)batch * classes)
            throw new ArgumentException($"logits has {logits.Length} values, expected batch x classes = {batch} x {classes}.", nameof(logits));
        if (gradient.Length != logits.Length)
            throw new ArgumentException($"gradient has {gradient.Length} values, expected {logits.Length}.", nameof(gradient));
        double total = 0;
        T inverseBatch = T.One / T.CreateTruncating(batch);
        for (int r = 0; r < batch; r++)
        {
            int y = labels[r];
            if ((uint)y >= (uint)classes) throw new ArgumentException($"labels[{r}] = {y} is outside 0..{classes - 1}.", nameof(labels));
            var z = logits.Slice(r * classes, classes);
            var g = gradient.Slice(r * classes, classes);
            T max = z[0];
            for (int c = 1; c < classes; c++) max = T.MaxNumber(max, z[c]);
            double zy = double.CreateTruncating(z[y]);
            double sum = 0;
            for (int c = 0; c < classes; c++)
            {
                T e = T.Exp(z[c] - max);
                g[c] = e;
                sum += double.CreateTruncating(e);
            }
            total += Math.Log(sum) + double.CreateTruncating(max) - zy;
            T inverseSum = T.CreateTruncating(1.0 / sum);
            for (int c = 0; c < classes; c++) g[c] = g[c] * inverseSum * inverseBatch;
            g[y] -= inverseBatch;
        }
        return total / batch;
    }
}
