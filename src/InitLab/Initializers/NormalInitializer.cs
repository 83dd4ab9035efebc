using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>N(mean, std^2) element-wise (PyTorch <c>normal_(mean, std)</c>). Any shape.</summary>
public sealed class NormalInitializer : Initializer
{
    /// <summary>Creates N(mean, std^2).</summary>
    /// <exception cref="ArgumentException">mean is not finite, or std is negative or not finite.</exception>
    public NormalInitializer(double mean = 0, double std = 1)
    {
        Guard.Finite(mean);
        Guard.NonNegative(std);
        Mean = mean;
        Std = std;
    }

    /// <inheritdoc/>
    public override string Name => "normal";

    /// <summary>The mean.</summary>
    public double Mean { get; }

    /// <summary>The standard deviation.</summary>
    public double Std { get; }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads) => Draw.Normal(generator, weights, Mean, Std, threads);

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator) => TorchInit.Normal(weights, generator, Mean, Std);

    private protected override ElementDistribution? Law(Shape shape) => ElementDistribution.Normal(Mean, Std);
}
