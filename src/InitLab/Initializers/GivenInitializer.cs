using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// Given values instead of a draw: the weights of a real model (an imported ONNX graph), copied into every tensor it fills (the
/// generator is not used). Its <see cref="Initializer.TargetStd"/> is the values' root mean square sqrt(mean(w^2)): what a
/// variance-propagating engine needs of a fixed weight (sum_j w_j^2 Var(x_j) = n rms^2 Var(x) for i.i.d. inputs).
/// </summary>
public sealed class GivenInitializer : Initializer
{
    private readonly float[] _values;
    private readonly string _name;

    /// <summary>Wraps <paramref name="values"/> (not copied; do not change them) under <paramref name="name"/> (e.g. <c>file</c>).</summary>
    /// <exception cref="ArgumentException">An empty name.</exception>
    public GivenInitializer(float[] values, string name)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentException.ThrowIfNullOrEmpty(name);
        _values = values;
        _name = name;
    }

    /// <inheritdoc/>
    public override string Name => _name;

    /// <summary>The values, row-major.</summary>
    public ReadOnlySpan<float> Values => _values;

    private protected override void ValidateShape(Shape shape)
    {
        if (shape.Size != _values.Length)
            throw new ArgumentException($"{_name} holds {_values.Length} values; shape {shape} needs {shape.Size}.", nameof(shape));
    }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        for (int i = 0; i < weights.Length; i++) weights[i] = T.CreateTruncating(_values[i]);
    }

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator) => FillWithoutDraws(weights, shape);

    private protected override double StructuredStd(Shape shape)
    {
        double s = 0;
        foreach (float v in _values) s += (double)v * v;
        return _values.Length == 0 ? double.NaN : Math.Sqrt(s / _values.Length);
    }
}
