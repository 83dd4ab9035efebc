using System.Runtime.InteropServices;
using InitLab.Tensors;
using InitLab.Inspection;

namespace InitLab.Formats;

/// <summary>
/// One named tensor of a model file: its shape and stored element type, the layout and role its format states, and
/// access to its elements. Readers check the tensor's byte range against the file when they open it; the elements are
/// read when asked for (so listing a multi-gigabyte checkpoint costs only its header).
/// </summary>
public sealed class ModelTensor
{
    private readonly long[] _shape;
    private readonly Func<byte[]> _read;

    internal ModelTensor(string name, long[] shape, string dtype, Func<byte[]> read, TensorLayout layout = TensorLayout.Unknown,
        ParameterRole? role = null, TensorQuantization? quantization = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(read);
        if (!DTypes.IsKnown(dtype)) throw new ArgumentException($"dtype '{dtype}' is not one of {string.Join(", ", DTypes.All)}.", nameof(dtype));
        long count = ElementCountOf(shape, nameof(shape));
        Name = name;
        _shape = (long[])shape.Clone();
        DType = dtype;
        ElementCount = count;
        ByteLength = count * DTypes.SizeOf(dtype);
        _read = read;
        Layout = layout;
        Role = role;
        Quantization = quantization;
    }

    /// <summary>The tensor's name in its file (a state_dict key, an ONNX initializer name, a TF.js weight name).</summary>
    public string Name { get; }

    /// <summary>The dimensions as stored (row-major, C order).</summary>
    public IReadOnlyList<long> Shape => _shape;

    /// <summary>The stored element type, one of <see cref="DTypes.All"/> (dequantized TF.js weights report float32).</summary>
    public string DType { get; }

    /// <summary>The product of the dimensions (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>ElementCount * the size of <see cref="DType"/>.</summary>
    public long ByteLength { get; }

    /// <summary>The axis order the format states for this tensor, or <see cref="TensorLayout.Unknown"/>.</summary>
    public TensorLayout Layout { get; }

    /// <summary>The role the format's graph states for this tensor (the core library's <see cref="ParameterRole"/>), or null when it says nothing.</summary>
    public ParameterRole? Role { get; }

    /// <summary>How the file stored the tensor quantized, or null.</summary>
    public TensorQuantization? Quantization { get; }

    /// <summary>The shape as an InitLab <see cref="InitLab.Tensors.Shape"/>.</summary>
    /// <exception cref="InvalidOperationException">A dimension or the element count exceeds what an array holds.</exception>
    public Shape ToShape()
    {
        if (ElementCount > Array.MaxLength || _shape.Any(d => d > int.MaxValue))
            throw new InvalidOperationException($"tensor '{Name}' of shape ({string.Join(", ", _shape)}) is too large for one array.");
        return new Shape(Array.ConvertAll(_shape, d => (int)d));
    }

    /// <summary>The stored bytes (little-endian, <see cref="ByteLength"/> of them).</summary>
    /// <exception cref="InvalidDataException">The file changed or is unreadable since it was opened.</exception>
    /// <exception cref="InvalidOperationException">The tensor holds more bytes than one array can.</exception>
    public byte[] ReadBytes()
    {
        RequireArraySize(ByteLength);
        var bytes = _read();
        if (bytes.LongLength != ByteLength)
            throw new InvalidDataException($"tensor '{Name}' produced {bytes.LongLength} bytes where {ByteLength} were expected.");
        return bytes;
    }

    /// <summary>The elements widened to double in row-major order (exact for every float type and for integers up to 2^53).</summary>
    public double[] ReadDoubles()
    {
        RequireArraySize(ElementCount);
        var bytes = ReadBytes();
        var result = new double[ElementCount];
        DTypes.Widen(DType, bytes, result);
        return result;
    }

    /// <summary>The elements as float32 in row-major order (exact for float32, float16 and bfloat16; float64 rounds to nearest).</summary>
    public float[] ReadSingles()
    {
        RequireArraySize(ElementCount);
        if (DType == DTypes.Float32 && BitConverter.IsLittleEndian) return MemoryMarshal.Cast<byte, float>(ReadBytes()).ToArray();
        var doubles = ReadDoubles();
        var result = new float[doubles.Length];
        for (int i = 0; i < doubles.Length; i++) result[i] = (float)doubles[i];
        return result;
    }

    /// <summary>The same tensor (same data source and hints) under another name.</summary>
    internal ModelTensor Renamed(string name) => new(name, _shape, DType, _read, Layout, Role, Quantization);

    /// <summary>The same tensor (same data source) with other layout and role hints.</summary>
    internal ModelTensor WithHints(TensorLayout layout, ParameterRole? role) => new(Name, _shape, DType, _read, layout, role, Quantization);

    /// <summary>A float32 tensor with this tensor's name, shape, layout and role and new elements (row-major).</summary>
    /// <exception cref="ArgumentException">The data length is not <see cref="ElementCount"/>.</exception>
    public ModelTensor WithData(float[] data) => FromSingles(Name, _shape, data, Layout, Role);

    /// <summary>A float64 tensor with this tensor's name, shape, layout and role and new elements (row-major).</summary>
    /// <exception cref="ArgumentException">The data length is not <see cref="ElementCount"/>.</exception>
    public ModelTensor WithData(double[] data) => FromDoubles(Name, _shape, data, Layout, Role);

    /// <summary>A float32 tensor held in memory (the array is copied).</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the data length is not the product of the shape.</exception>
    public static ModelTensor FromSingles(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> data,
        TensorLayout layout = TensorLayout.Unknown, ParameterRole? role = null) =>
        FromBytes(name, shape, DTypes.Float32, MemoryMarshal.AsBytes(data), layout, role);

    /// <summary>A float64 tensor held in memory (the array is copied).</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the data length is not the product of the shape.</exception>
    public static ModelTensor FromDoubles(string name, IReadOnlyList<long> shape, ReadOnlySpan<double> data,
        TensorLayout layout = TensorLayout.Unknown, ParameterRole? role = null) =>
        FromBytes(name, shape, DTypes.Float64, MemoryMarshal.AsBytes(data), layout, role);

    /// <summary>A tensor of any <see cref="DTypes"/> type from its little-endian bytes (copied).</summary>
    /// <exception cref="ArgumentException">Unknown dtype, a negative dimension, or a byte count that does not match the shape.</exception>
    public static ModelTensor FromBytes(string name, IReadOnlyList<long> shape, string dtype, ReadOnlySpan<byte> bytes,
        TensorLayout layout = TensorLayout.Unknown, ParameterRole? role = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(dtype);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("model tensors are little-endian only.");
        var dims = shape.ToArray();
        long count = ElementCountOf(dims, nameof(shape));
        if (!DTypes.IsKnown(dtype)) throw new ArgumentException($"dtype '{dtype}' is not one of {string.Join(", ", DTypes.All)}.", nameof(dtype));
        if (bytes.Length != count * DTypes.SizeOf(dtype))
            throw new ArgumentException($"tensor '{name}' of shape ({string.Join(", ", dims)}) and dtype {dtype} needs {count * DTypes.SizeOf(dtype)} bytes, got {bytes.Length}.", nameof(bytes));
        var copy = bytes.ToArray();
        return new ModelTensor(name, dims, dtype, () => (byte[])copy.Clone(), layout, role);
    }

    /// <summary>Product of the dimensions; negative dimensions or an overflowing product are an ArgumentException.</summary>
    internal static long ElementCountOf(long[] shape, string parameter)
    {
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new ArgumentException($"shape ({string.Join(", ", shape)}) has a negative dimension.", parameter);
            if (d != 0 && count > long.MaxValue / 16 / d) throw new ArgumentException($"shape ({string.Join(", ", shape)}) has too many elements.", parameter);
            count *= d;
        }
        return count;
    }

    private void RequireArraySize(long count)
    {
        if (count > Array.MaxLength)
            throw new InvalidOperationException($"tensor '{Name}' holds {count} elements or bytes, more than one array can ({Array.MaxLength}).");
    }

    /// <summary>"name dtype (d0, d1, ...)".</summary>
    public override string ToString() => $"{Name} {DType} ({string.Join(", ", _shape)})";
}
