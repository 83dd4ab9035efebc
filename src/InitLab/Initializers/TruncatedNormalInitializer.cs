using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// N(mean, std^2) truncated to the ABSOLUTE interval [a, b] (PyTorch <c>trunc_normal_(mean, std, a, b)</c>, defaults
/// 0, 1, -2, 2), sampled exactly by inverting the truncated CDF (nothing is clamped or redrawn). <c>std</c> is the
/// parameter before truncation; the std after truncation is smaller (see <see cref="ElementDistribution.Std"/>).
/// <see cref="InStds"/> gives the variant with bounds in units of std around the mean (TensorFlow / Keras style).
/// </summary>
public sealed class TruncatedNormalInitializer : Initializer
{
    /// <summary>Creates N(mean, std^2) truncated to the absolute interval [a, b]; a may be -infinity, b +infinity, and the
    /// interval may lie arbitrarily far in a tail (sampling and moments are exact there, docs/numerics.md).</summary>
    /// <exception cref="ArgumentException">mean or std not finite, std &lt;= 0, a or b NaN, or a &gt;= b.</exception>
    public TruncatedNormalInitializer(double mean = 0, double std = 1, double a = -2, double b = 2)
    {
        ElementDistribution.TruncatedNormal(mean, std, a, b);
        Mean = mean;
        Std = std;
        A = a;
        B = b;
    }

    /// <summary>N(mean, std^2) truncated to [mean + lower * std, mean + upper * std].</summary>
    /// <exception cref="ArgumentException">As the constructor; lower &gt;= upper.</exception>
    public static TruncatedNormalInitializer InStds(double mean = 0, double std = 1, double lower = -2, double upper = 2)
    {
        Guard.Finite(mean);
        Guard.Positive(std);
        Guard.Interval(lower, upper);
        return new TruncatedNormalInitializer(mean, std, mean + lower * std, mean + upper * std);
    }

    /// <inheritdoc/>
    public override string Name => "trunc_normal";

    /// <summary>Mean of the untruncated normal.</summary>
    public double Mean { get; }

    /// <summary>Std of the untruncated normal (before truncation).</summary>
    public double Std { get; }

    /// <summary>Lower absolute bound.</summary>
    public double A { get; }

    /// <summary>Upper absolute bound.</summary>
    public double B { get; }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads) =>
        Draw.TruncatedNormal(generator, weights, Mean, Std, A, B, threads);

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator) =>
        TorchInit.TruncNormal(weights, generator, Mean, Std, A, B);

    private protected override ElementDistribution? Law(Shape shape) => ElementDistribution.TruncatedNormal(Mean, Std, A, B);
}
