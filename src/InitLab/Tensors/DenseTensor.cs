using System.Numerics;

namespace InitLab.Tensors;

/// <summary>
/// A small dense row-major tensor of <see cref="float"/> or <see cref="double"/>: a <see cref="Shape"/>
/// and a flat array of <c>Shape.Size</c> elements, element (i0, ..., ik) at offset sum_j i_j * stride_j.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class DenseTensor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Wraps <paramref name="data"/> (not copied) with <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">data.Length differs from shape.Size.</exception>
    public DenseTensor(Shape shape, T[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != shape.Size)
            throw new ArgumentException($"data has {data.Length} elements but shape {shape} needs {shape.Size}.", nameof(data));
        Shape = shape;
        Data = data;
    }

    /// <summary>A zero-filled tensor.</summary>
    public static DenseTensor<T> Zeros(Shape shape) => new(shape, new T[shape.Size]);

    /// <summary>A zero-filled tensor of the given dimensions.</summary>
    public static DenseTensor<T> Zeros(params int[] dims) => Zeros(new Shape(dims));

    /// <summary>The shape.</summary>
    public Shape Shape { get; }

    /// <summary>The elements in row-major order.</summary>
    public T[] Data { get; }

    /// <summary>The elements as a span.</summary>
    public Span<T> Span => Data;

    /// <summary>Number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>Rows of a rank-2 tensor.</summary>
    public int Rows => RequireMatrix()[0];

    /// <summary>Columns of a rank-2 tensor.</summary>
    public int Columns => RequireMatrix()[1];

    /// <summary>Element of a rank-2 tensor.</summary>
    public T this[int row, int column]
    {
        get => Data[Offset(row, column)];
        set => Data[Offset(row, column)] = value;
    }

    /// <summary>Element at a full index.</summary>
    public T this[params int[] index]
    {
        get => Data[Offset(index)];
        set => Data[Offset(index)] = value;
    }

    /// <summary>The same data viewed with another shape of equal size (no copy).</summary>
    public DenseTensor<T> Reshape(Shape shape)
    {
        if (shape.Size != Shape.Size)
            throw new ArgumentException($"cannot reshape {Shape} ({Shape.Size} elements) to {shape} ({shape.Size} elements).", nameof(shape));
        return new DenseTensor<T>(shape, Data);
    }

    /// <summary>A deep copy.</summary>
    public DenseTensor<T> Clone() => new(Shape, (T[])Data.Clone());

    /// <inheritdoc/>
    public override string ToString() => $"DenseTensor<{typeof(T).Name}>{Shape}";

    private ReadOnlySpan<int> RequireMatrix()
    {
        if (Shape.Rank != 2)
            throw new InvalidOperationException($"expected a rank-2 tensor, got shape {Shape}.");
        return Shape.Dims;
    }

    private int Offset(int row, int column)
    {
        var d = RequireMatrix();
        if ((uint)row >= (uint)d[0] || (uint)column >= (uint)d[1])
            throw new IndexOutOfRangeException($"index ({row}, {column}) is outside shape {Shape}.");
        return row * d[1] + column;
    }

    private int Offset(int[] index)
    {
        if (index.Length != Shape.Rank)
            throw new ArgumentException($"index has {index.Length} components but the tensor has rank {Shape.Rank}.", nameof(index));
        int offset = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)Shape[i])
                throw new IndexOutOfRangeException($"index component {i} = {index[i]} is outside shape {Shape}.");
            offset = offset * Shape[i] + index[i];
        }
        return offset;
    }
}
