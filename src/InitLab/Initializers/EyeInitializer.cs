using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// gain * I for a 2-D tensor: W[i, i] = gain for i &lt; min(rows, cols), 0 elsewhere. Name "eye" (PyTorch <c>eye_</c>,
/// gain 1) or "identity" (Keras <c>Identity(gain)</c>); preserves the identity of the inputs in linear layers.
/// Consumes no random numbers.
/// </summary>
public sealed class EyeInitializer : Initializer
{
    private readonly string _name;

    /// <summary>Creates gain * I.</summary>
    /// <exception cref="ArgumentException">gain is negative, NaN or infinite.</exception>
    public EyeInitializer(double gain = 1) : this("eye", gain) { }

    internal EyeInitializer(string name, double gain)
    {
        Guard.NonNegative(gain);
        _name = name;
        Gain = gain;
    }

    /// <inheritdoc/>
    public override string Name => _name;

    /// <summary>The diagonal value.</summary>
    public double Gain { get; }

    private protected override void ValidateShape(Shape shape)
    {
        if (shape.Rank != 2)
            throw new ArgumentException($"{Name} needs a 2-D shape (rows, cols), got {shape}; use dirac for convolution kernels.", nameof(shape));
    }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        weights.Clear();
        int rows = shape[0], cols = shape[1];
        for (int i = 0; i < Math.Min(rows, cols); i++) weights[i * cols + i] = T.CreateTruncating(Gain);
    }

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator) => FillWithoutDraws(weights, shape);

    private protected override double StructuredStd(Shape shape) =>
        PatternStd.OfIndicator(Math.Min(shape[0], shape[1]), shape.Size, Gain);
}
