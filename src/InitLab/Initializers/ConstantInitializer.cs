using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>Every element equal to <see cref="Value"/> (PyTorch <c>constant_</c>, <c>zeros_</c>, <c>ones_</c>). Any shape; consumes no random numbers.</summary>
public sealed class ConstantInitializer : Initializer
{
    private readonly string _name;

    /// <summary>Creates the constant initializer.</summary>
    /// <exception cref="ArgumentException">value is NaN or infinite.</exception>
    public ConstantInitializer(double value) : this("constant", value) { }

    internal ConstantInitializer(string name, double value)
    {
        Guard.Finite(value);
        _name = name;
        Value = value;
    }

    /// <inheritdoc/>
    public override string Name => _name;

    /// <summary>The value.</summary>
    public double Value { get; }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads) => weights.Fill(T.CreateTruncating(Value));

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator) => FillWithoutDraws(weights, shape);

    private protected override ElementDistribution? Law(Shape shape) => ElementDistribution.PointMass(Value);
}
