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
        long size = 1;
        for (int i = 0; i < _dims.Length; i++)
        {
            if (_dims[i] < 0)
                throw new ArgumentException($"dims[{i}] must be >= 0, got {_dims[i]} in shape {Format(_dims)}.", nameof(dims));
            size = checked(size * _dims[i]);
        }
        if (size > Array.MaxLength)
            throw new ArgumentException($"shape {Format(_dims)} has {size} elements, more than an array can hold ({Array.MaxLength}).", nameof(dims));
        Size = size;
    }

    /// <summary>The number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <summary>The product of the dimensions (1 for rank 0).</summary>
    public long Size { get; }

    /// <summary>The dimensions.</summary>
    public ReadOnlySpan<int> Dims => _dims;

    /// <summary>Dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int this[int axis] => _dims[axis < 0 ? axis + _dims.Length : axis];

    /// <summary>Parses "3,5" or "(3, 5)" or "16x3x3x3".</summary>
    /// <exception cref="ArgumentException">The text is not a list of non-negative integers.</exception>
    public static Shape Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string body = text.Trim().TrimStart('(', '[').TrimEnd(')', ']').Replace('x', ',').Replace('X', ',');
        var parts = body.Split(',').Select(p => p.Trim()).ToList();
        if (parts.Count > 1 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1); // "(5,)": a Python 1-tuple
        if (parts.Count == 1 && parts[0].Length == 0) return new Shape();
        var dims = new int[parts.Count];
        for (int i = 0; i < parts.Count; i++)
        {
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out dims[i]))
                throw new ArgumentException($"shape '{text}' is not a comma-separated list of integers (bad part '{parts[i]}').", nameof(text));
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
