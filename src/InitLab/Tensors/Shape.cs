namespace InitLab.Tensors;

/// <summary>
/// The dimensions of a dense row-major tensor, e.g. (out, in) for a linear layer or (out, in, k1, k2)
/// for a 2-D convolution kernel. Immutable, compared by value, printed as <c>(3, 5)</c>.
/// </summary>
public sealed class Shape : IEquatable<Shape>
{
    private readonly int[] _dims;

    /// <summary>Creates a shape from its dimensions (each &gt;= 0).</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the element count overflows.</exception>
    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        _dims = (int[])dims.Clone();
        double size = 1; // in double: a product of many large dimensions overflows long
        for (int i = 0; i < _dims.Length; i++)
        {
            if (_dims[i] < 0)
                throw new ArgumentException($"dims[{i}] must be >= 0, got {_dims[i]} in shape {Format(_dims)}.", nameof(dims));
            size *= _dims[i];
        }
        if (size > Array.MaxLength)
            throw new ArgumentException($"shape {Format(_dims)} has {size.ToString("0.###e+0", System.Globalization.CultureInfo.InvariantCulture)} elements, more than an array can hold ({Array.MaxLength}).", nameof(dims));
        Size = (long)size;
    }

    /// <summary>The number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <summary>The product of the dimensions (1 for rank 0).</summary>
    public long Size { get; }

    /// <summary>The dimensions.</summary>
    public ReadOnlySpan<int> Dims => _dims;

    /// <summary>Dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => _dims[axis < 0 ? axis + _dims.Length : axis];

    /// <summary>
    /// Parses "3,5", "(3, 5)", "[3, 5]" or "16x3x3x3"; "(5,)" is Python's 1-tuple. Each dimension is a non-negative integer
    /// in <see cref="Numerics.NumberText"/>'s strict syntax (no exponent, no separators); spaces around a dimension are allowed.
    /// </summary>
    /// <exception cref="ArgumentException">The text is not a list of non-negative integers.</exception>
    public static Shape Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string body = text.Trim();
        bool bracketed = body.Length >= 2 && ((body[0] == '(' && body[^1] == ')') || (body[0] == '[' && body[^1] == ']'));
        if (bracketed) body = body[1..^1];
        body = body.Replace('x', ',').Replace('X', ',');
        var parts = body.Split(',').Select(p => p.Trim(' ')).ToList();
        if (bracketed && parts.Count > 1 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1); // "(5,)": a Python 1-tuple
        if (parts.Count == 1 && parts[0].Length == 0)
        {
            if (bracketed) return new Shape(); // "()": a scalar
            throw new ArgumentException($"shape '{text}' is empty; write the dimensions, e.g. 256,128.", nameof(text));
        }
        var dims = new int[parts.Count];
        for (int i = 0; i < parts.Count; i++)
        {
            if (!Numerics.NumberText.TryParseInt32(parts[i], out dims[i]) || dims[i] < 0)
                throw new ArgumentException(
                    $"shape '{text}' is not a comma-separated list of non-negative integers (dimension {i + 1} is '{parts[i]}'{Numerics.NumberText.Why(parts[i], integer: true, false, int.MaxValue)}).",
                    nameof(text));
        }
        return new Shape(dims);
    }

    /// <inheritdoc/>
    public bool Equals(Shape? other) => other is not null && _dims.AsSpan().SequenceEqual(other._dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Shape);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in _dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(Shape? a, Shape? b) => a is null ? b is null : a.Equals(b);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Shape? a, Shape? b) => !(a == b);

    /// <inheritdoc/>
    public override string ToString() => Format(_dims);

    private static string Format(int[] dims) => dims.Length == 1 ? $"({dims[0]},)" : "(" + string.Join(", ", dims) + ")";
}
