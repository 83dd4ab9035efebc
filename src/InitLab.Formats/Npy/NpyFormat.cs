using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using InitLab.Tensors;

namespace InitLab.Formats.Npy;

/// <summary>
/// The NumPy .npy format (numpy.lib.format, NEP 1): the magic "\x93NUMPY", a version byte pair, a little-endian header
/// length (uint16 in version 1.0, uint32 in 2.0 and 3.0), an ASCII (UTF-8 in 3.0) Python dict literal
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 5), }</c> padded with spaces to a multiple of 64 bytes and
/// ended by '\n', then the raw elements.
/// </summary>
/// <remarks>
/// The writer emits version 1.0, little-endian '&lt;f4' or '&lt;f8', C order, and replaces the target atomically (a temporary
/// file in the same directory, then a rename), so a reader never sees a half-written file. The reader accepts versions
/// 1-3, '&lt;f2', '&lt;f4', '&lt;f8', C and Fortran order. It checks every length against the file size before it reads or
/// allocates, so a corrupt or hostile file gives an <see cref="InvalidDataException"/>, never an out-of-range read or a
/// huge allocation.
/// </remarks>
public static class NpyFormat
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Headers longer than this are rejected (NumPy's own default limit is 10000 characters).</summary>
    public const int MaxHeaderLength = 65536;

    private const int Alignment = 64;

    /// <summary>Writes a float32 array.</summary>
    public static void Write(string path, ReadOnlySpan<float> data, Shape shape) =>
        WriteCore(path, "<f4", MemoryMarshal.AsBytes(data), data.Length, shape, sizeof(float));

    /// <summary>Writes a float64 array.</summary>
    public static void Write(string path, ReadOnlySpan<double> data, Shape shape) =>
        WriteCore(path, "<f8", MemoryMarshal.AsBytes(data), data.Length, shape, sizeof(double));

    /// <summary>The version 1.0 header bytes (magic to '\n') for a C-order array.</summary>
    public static byte[] Header(string descr, Shape shape) => Header(descr, ShapeTuple(shape));

    private static byte[] Header(string descr, string shapeTuple)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeTuple}, }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int padding = (Alignment - unpadded % Alignment) % Alignment;
        string text = dict + new string(' ', padding) + "\n";
        if (text.Length > ushort.MaxValue) throw new ArgumentException($"shape {shapeTuple} gives a header too long for .npy version 1.0.", nameof(shapeTuple));
        var header = new byte[Magic.Length + 4 + text.Length];
        Magic.CopyTo(header, 0);
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text, header.AsSpan(10));
        return header;
    }

    private static string ShapeTuple(Shape shape) => ShapeTuple(Array.ConvertAll(shape.Dims.ToArray(), d => (long)d));

    private static string ShapeTuple(IReadOnlyList<long> shape) => shape.Count switch
    {
        0 => "()",
        1 => $"({shape[0]},)",
        _ => "(" + string.Join(", ", shape) + ")",
    };

    private static void WriteCore(string path, string descr, ReadOnlySpan<byte> bytes, int count, Shape shape, int itemSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(shape);
        if (count != shape.Size) throw new ArgumentException($"data has {count} elements but shape {shape} needs {shape.Size}.", nameof(shape));
        var buffer = bytes.ToArray();
        // Big-endian host: swap each element to the little-endian layout the descriptor promises.
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < buffer.Length; i += itemSize) Array.Reverse(buffer, i, itemSize);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(Header(descr, shape));
            stream.Write(buffer);
        });
    }

    /// <summary>Reads a .npy file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a supported, well-formed .npy file (the message says what is wrong).</exception>
    public static NpyArray Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"file '{path}' does not exist.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(stream, path);
    }

    /// <summary>Reads a float .npy document (float16, float32 or float64) from a seekable stream of known length; <paramref name="name"/> is used in messages.</summary>
    /// <exception cref="InvalidDataException">The stream is not a supported, well-formed float .npy document.</exception>
    public static NpyArray Read(Stream stream, string name)
    {
        var raw = ReadRaw(stream, name, floatsOnly: true);
        foreach (long d in raw.Shape)
            if (d > int.MaxValue) throw Corrupt(name, $"dimension {d} is too large");
        var shape = new Shape(Array.ConvertAll(raw.Shape, d => (int)d));
        var data = new double[raw.Bytes.Length / DTypes.SizeOf(raw.DType)];
        DTypes.Widen(raw.DType, raw.Bytes, data);
        return new NpyArray(raw.Descr, shape, raw.FortranOrder, data);
    }

    /// <summary>A .npy document's header and its element bytes, reordered to C order when the file stored Fortran order.</summary>
    internal sealed record RawArray(string Descr, string DType, long[] Shape, bool FortranOrder, byte[] Bytes);

    // NumPy descriptors of the element types a model tensor can hold ('|' marks byte-order-free one-byte types).
    private static readonly Dictionary<string, string> Descriptors = new(StringComparer.Ordinal)
    {
        ["<f2"] = DTypes.Float16, ["<f4"] = DTypes.Float32, ["<f8"] = DTypes.Float64,
        ["|i1"] = DTypes.Int8, ["<i1"] = DTypes.Int8, ["<i2"] = DTypes.Int16, ["<i4"] = DTypes.Int32, ["<i8"] = DTypes.Int64,
        ["|u1"] = DTypes.UInt8, ["<u1"] = DTypes.UInt8, ["<u2"] = DTypes.UInt16, ["<u4"] = DTypes.UInt32, ["<u8"] = DTypes.UInt64,
        ["|b1"] = DTypes.Bool, ["<b1"] = DTypes.Bool,
    };

    /// <summary>The descriptor NumPy writes for a <see cref="DTypes"/> name (bfloat16 has none).</summary>
    internal static string? DescriptorOf(string dtype) => dtype switch
    {
        DTypes.Int8 => "|i1",
        DTypes.UInt8 => "|u1",
        DTypes.Bool => "|b1",
        DTypes.BFloat16 => null,
        _ => Descriptors.First(kv => kv.Value == dtype).Key,
    };

    /// <summary>A parsed header: where the data start and how many bytes they take.</summary>
    internal sealed record HeaderInfo(string Descr, string DType, long[] Shape, bool FortranOrder, long DataOffset, long DataBytes);

    /// <summary>The most bytes <see cref="ParseHeader"/> can need: the version 2/3 preamble plus the longest header.</summary>
    internal const int MaxPrefix = 12 + MaxHeaderLength;

    /// <summary>
    /// Parses the preamble and header from the first bytes of a document of <paramref name="length"/> bytes
    /// (<paramref name="prefix"/> holds min(length, <see cref="MaxPrefix"/>) of them) and checks that the data that
    /// follow have the size the dtype and shape need.
    /// </summary>
    internal static HeaderInfo ParseHeader(ReadOnlySpan<byte> prefix, long length, string name, bool floatsOnly)
    {
        if (length < 10 || prefix.Length < 10) throw Corrupt(name, $"it has {length} bytes, fewer than the 10-byte .npy preamble");
        if (!prefix[..6].SequenceEqual(Magic)) throw Corrupt(name, "it does not start with the .npy magic \\x93NUMPY");
        byte major = prefix[6], minor = prefix[7];
        if (major is < 1 or > 3 || minor != 0) throw Corrupt(name, $"format version {major}.{minor} is not supported (1.0, 2.0, 3.0 are)");
        long headerLength;
        int start;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(prefix.Slice(8, 2));
            start = 10;
        }
        else
        {
            if (length < 12 || prefix.Length < 12) throw Corrupt(name, $"it has {length} bytes, fewer than the 12-byte version {major} preamble");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(prefix.Slice(8, 4));
            start = 12;
        }
        if (headerLength > MaxHeaderLength) throw Corrupt(name, $"the header claims {headerLength} bytes, more than the {MaxHeaderLength} allowed");
        if (start + headerLength > length || start + headerLength > prefix.Length)
            throw Corrupt(name, $"the header claims {headerLength} bytes but the file has only {length - start} after the preamble");
        string header;
        try
        {
            header = (major == 3 ? new UTF8Encoding(false, true) : Encoding.Latin1).GetString(prefix.Slice(start, (int)headerLength));
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt(name, "the header is not valid UTF-8");
        }
        var (descr, fortran, dims) = HeaderParser.Parse(header, name);
        if (!Descriptors.TryGetValue(descr, out string? dtype) || (floatsOnly && !DTypes.IsFloatingPoint(dtype)))
            throw Corrupt(name, $"dtype '{descr}' is not supported (supported: {(floatsOnly ? "<f2 float16, <f4 float32, <f8 float64" : string.Join(", ", Descriptors.Keys))}, little-endian)");
        int itemSize = DTypes.SizeOf(dtype);
        long count = 1;
        foreach (long d in dims)
            count = d == 0 ? 0 : (count > long.MaxValue / d ? long.MaxValue : count * d);
        long dataBytes = length - start - headerLength;
        if (dataBytes > Array.MaxLength) throw Corrupt(name, $"its {dataBytes} data bytes exceed what one array can hold");
        if (count > Array.MaxLength || count * itemSize != dataBytes)
            throw Corrupt(name, $"shape ({string.Join(", ", dims)}) needs {(count > Array.MaxLength ? "more" : (count * itemSize).ToString(CultureInfo.InvariantCulture))} bytes of {descr} data but the file holds {dataBytes}");
        return new HeaderInfo(descr, dtype, dims, fortran, start + headerLength, dataBytes);
    }

    /// <summary>The data in C order: Fortran-order data are reordered.</summary>
    internal static byte[] ToCOrder(HeaderInfo header, byte[] data) =>
        header.FortranOrder && header.Shape.Length > 1 ? FortranToC(data, header.Shape, DTypes.SizeOf(header.DType)) : data;

    /// <summary>Reads the header and the bytes; every length is checked against the stream before it is read or allocated.</summary>
    internal static RawArray ReadRaw(Stream stream, string name, bool floatsOnly)
    {
        long origin = stream.Position;
        long length = stream.Length - origin;
        var prefix = new byte[Math.Min(length, MaxPrefix)];
        ReadExactly(stream, prefix, name);
        var header = ParseHeader(prefix, length, name, floatsOnly);
        stream.Position = origin + header.DataOffset;
        var raw = new byte[header.DataBytes];
        ReadExactly(stream, raw, name);
        return new RawArray(header.Descr, header.DType, header.Shape, header.FortranOrder, ToCOrder(header, raw));
    }

    /// <summary>Writes a version 1.0 .npy document of any supported dtype (C order) to a stream.</summary>
    internal static void WriteRaw(Stream stream, string dtype, IReadOnlyList<long> shape, ReadOnlySpan<byte> bytes)
    {
        string descr = DescriptorOf(dtype) ?? throw new ArgumentException($"NumPy has no dtype for {dtype}; convert the tensor to float32 first.", nameof(dtype));
        stream.Write(Header(descr, ShapeTuple(shape)));
        stream.Write(bytes);
    }

    // Element (i0, ..., ik) sits at sum_j i_j * prod_{l<j} d_l in Fortran order.
    private static byte[] FortranToC(byte[] f, long[] dims, int itemSize)
    {
        var c = new byte[f.Length];
        int rank = dims.Length;
        var index = new long[rank];
        long count = f.Length / itemSize;
        for (long cOffset = 0; cOffset < count; cOffset++)
        {
            long fOffset = 0, stride = 1;
            for (int k = 0; k < rank; k++)
            {
                fOffset += index[k] * stride;
                stride *= dims[k];
            }
            Buffer.BlockCopy(f, (int)(fOffset * itemSize), c, (int)(cOffset * itemSize), itemSize);
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < dims[k]) break;
                index[k] = 0;
            }
        }
        return c;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string name)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw Corrupt(name, "the file ended early");
        }
    }

    internal static InvalidDataException Corrupt(string name, string why) => new($"'{name}' is not a readable .npy file: {why}.");
}
