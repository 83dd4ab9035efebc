using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>U[low, high) element-wise (PyTorch <c>uniform_(a, b)</c>): std = (high - low) / sqrt(12). Any shape.</summary>
public sealed class UniformInitializer : Initializer
{
    /// <summary>Creates U[low, high).</summary>
    /// <exception cref="ArgumentException">low or high is not finite, or low &gt;= high.</exception>
    public UniformInitializer(double low = 0, double high = 1)
    {
        Guard.Less(low, high);
        Low = low;
        High = high;
    }

    /// <inheritdoc/>
    public override string Name => "uniform";

    /// <summary>Lower bound (inclusive).</summary>
    public double Low { get; }

    /// <summary>Upper bound (exclusive).</summary>
    public double High { get; }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads) => Draw.Uniform(generator, weights, Low, High, threads);

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator) => TorchInit.Uniform(weights, generator, Low, High);

    private protected override ElementDistribution? Law(Shape shape) => ElementDistribution.Uniform(Low, High);
}
