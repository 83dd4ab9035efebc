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
internal static class NpyFormat
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
    public static byte[] Header(string descr, Shape shape)
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {ShapeTuple(shape)}, }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int padding = (Alignment - unpadded % Alignment) % Alignment;
        string text = dict + new string(' ', padding) + "\n";
        if (text.Length > ushort.MaxValue) throw new ArgumentException($"shape {shape} gives a header too long for .npy version 1.0.", nameof(shape));
        var header = new byte[Magic.Length + 4 + text.Length];
        Magic.CopyTo(header, 0);
        header[6] = 1;
        header[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text, header.AsSpan(10));
        return header;
    }

    private static string ShapeTuple(Shape shape) => shape.Rank switch
    {
        0 => "()",
        1 => $"({shape[0]},)",
        _ => "(" + string.Join(", ", shape.Dims.ToArray()) + ")",
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

    /// <summary>Reads a .npy document from a seekable stream of known length; <paramref name="name"/> is used in messages.</summary>
    public static NpyArray Read(Stream stream, string name)
    {
        long length = stream.Length;
        Span<byte> preamble = stackalloc byte[12];
        if (length < 10) throw Corrupt(name, $"it has {length} bytes, fewer than the 10-byte .npy preamble");
        ReadExactly(stream, preamble[..8]);
        if (!preamble[..6].SequenceEqual(Magic)) throw Corrupt(name, "it does not start with the .npy magic \\x93NUMPY");
        byte major = preamble[6], minor = preamble[7];
        if (major is < 1 or > 3 || minor != 0) throw Corrupt(name, $"format version {major}.{minor} is not supported (1.0, 2.0, 3.0 are)");
        long headerLength;
        int prefix;
        if (major == 1)
        {
            ReadExactly(stream, preamble.Slice(8, 2));
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(preamble.Slice(8, 2));
            prefix = 10;
        }
        else
        {
            if (length < 12) throw Corrupt(name, $"it has {length} bytes, fewer than the 12-byte version {major} preamble");
            ReadExactly(stream, preamble.Slice(8, 4));
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(preamble.Slice(8, 4));
            prefix = 12;
        }
        if (headerLength > MaxHeaderLength) throw Corrupt(name, $"the header claims {headerLength} bytes, more than the {MaxHeaderLength} allowed");
        if (prefix + headerLength > length) throw Corrupt(name, $"the header claims {headerLength} bytes but the file has only {length - prefix} after the preamble");
        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes);
        string header;
        try
        {
            header = (major == 3 ? new UTF8Encoding(false, true) : Encoding.Latin1).GetString(headerBytes);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt(name, "the header is not valid UTF-8");
        }
        var (descr, fortran, dims) = HeaderParser.Parse(header, name);
        int itemSize = descr switch
        {
            "<f2" => 2,
            "<f4" => 4,
            "<f8" => 8,
            _ => throw Corrupt(name, $"dtype '{descr}' is not supported (supported: <f2 float16, <f4 float32, <f8 float64, little-endian)"),
        };
        long count = 1;
        foreach (long d in dims)
        {
            if (d > int.MaxValue) throw Corrupt(name, $"dimension {d} is too large");
            count = d == 0 ? 0 : (count > long.MaxValue / d ? long.MaxValue : count * d);
        }
        long dataBytes = length - prefix - headerLength;
        if (dataBytes > Array.MaxLength) throw Corrupt(name, $"its {dataBytes} data bytes exceed what one array can hold");
        if (count > Array.MaxLength || count * itemSize != dataBytes)
            throw Corrupt(name, $"shape ({string.Join(", ", dims)}) needs {(count > Array.MaxLength ? "more" : (count * itemSize).ToString(CultureInfo.InvariantCulture))} bytes of {descr} data but the file holds {dataBytes}");
        var shape = new Shape(Array.ConvertAll(dims, d => (int)d));
        var raw = new byte[dataBytes];
        ReadExactly(stream, raw);
        var data = new double[count];
        for (long i = 0; i < count; i++)
        {
            var item = raw.AsSpan((int)(i * itemSize), itemSize);
            data[i] = itemSize switch
            {
                2 => (double)BinaryPrimitives.ReadHalfLittleEndian(item),
                4 => BinaryPrimitives.ReadSingleLittleEndian(item),
                _ => BinaryPrimitives.ReadDoubleLittleEndian(item),
            };
        }
        if (fortran && shape.Rank > 1) data = FortranToC(data, shape);
        return new NpyArray(descr, shape, fortran, data);
    }

    // Element (i0, ..., ik) sits at sum_j i_j * prod_{l<j} d_l in Fortran order.
    private static double[] FortranToC(double[] f, Shape shape)
    {
        var c = new double[f.Length];
        int rank = shape.Rank;
        var index = new int[rank];
        for (long cOffset = 0; cOffset < c.Length; cOffset++)
        {
            long fOffset = 0, stride = 1;
            for (int k = 0; k < rank; k++)
            {
                fOffset += index[k] * stride;
                stride *= shape[k];
            }
            c[cOffset] = f[fOffset];
            for (int k = rank - 1; k >= 0; k--)
            {
                if (++index[k] < shape[k]) break;
                index[k] = 0;
            }
        }
        return c;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("the file ended early.");
        }
    }

    internal static InvalidDataException Corrupt(string name, string why) => new($"'{name}' is not a readable .npy file: {why}.");
}
