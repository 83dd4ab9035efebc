using System.Buffers.Binary;
using System.IO.Compression;

namespace InitLab.Formats.Idx;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST DATABASE"): a 4-byte magic number
/// <c>0x00 0x00 TYPE NDIMS</c>, NDIMS big-endian uint32 dimensions, then the elements in row-major order, big-endian.
/// Files are usually gzip-compressed (<c>*-idx3-ubyte.gz</c>); the reader accepts both forms.
/// </summary>
/// <remarks>
/// Every file is treated as hostile. Decompression stops at <see cref="DefaultMaxBytes"/> (or the caller's limit), so a
/// gzip bomb costs at most that much memory; the buffer grows with the bytes actually decompressed, never with a size
/// the file claims. The dimensions are then checked against the decompressed size before anything else is allocated:
/// their product times the element size must equal the payload exactly. Every failure is an
/// <see cref="InvalidDataException"/> whose message names the file and what is wrong.
/// </remarks>
public static class IdxFormat
{
    /// <summary>Default limit on the decompressed size: 256 MiB (Fashion-MNIST's training images are 47 MB).</summary>
    public const long DefaultMaxBytes = 256L << 20;

    /// <summary>At most this many dimensions (MNIST uses 1 and 3; the format allows 255).</summary>
    public const int MaxDims = 16;

    /// <summary>Reads an IDX file, gzip-compressed or not.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed IDX file within the size limit.</exception>
    public static IdxArray Read(string path, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"file '{path}' does not exist.", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Read(stream, path, maxBytes);
    }

    /// <summary>Reads an IDX document (gzip-compressed or not) from a stream; <paramref name="name"/> is used in messages.</summary>
    /// <exception cref="InvalidDataException">The data is not a well-formed IDX document within the size limit.</exception>
    public static IdxArray Read(Stream stream, string name, long maxBytes = DefaultMaxBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        if (maxBytes < 4 || maxBytes > Array.MaxLength)
            throw new ArgumentException($"maxBytes must be in 4..{Array.MaxLength}, got {maxBytes}.", nameof(maxBytes));
        var head = new byte[2];
        int got = stream.ReadAtLeast(head, 2, throwOnEndOfStream: false);
        byte[] data;
        int length;
        if (got == 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            // gzip: re-join the two magic bytes with the rest of the stream for the decompressor.
            using var joined = new PrefixedStream(head, stream);
            using var gzip = new GZipStream(joined, CompressionMode.Decompress);
            (data, length) = ReadBounded(gzip, name, maxBytes, "decompressed ", 4096);
        }
        else
        {
            using var joined = new PrefixedStream(head.AsSpan(0, got).ToArray(), stream);
            // A seekable stream says how much remains: one buffer of that size (plus one byte to detect growth).
            long remaining = stream.CanSeek ? stream.Length - stream.Position + got : 4096;
            (data, length) = ReadBounded(joined, name, maxBytes, "", (int)Math.Clamp(remaining + 1, 1, maxBytes));
        }
        return Parse(data, length, name);
    }

    /// <summary>Parses an uncompressed IDX document held in <paramref name="bytes"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed IDX document.</exception>
    public static IdxArray Parse(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(name);
        return Parse(bytes, bytes.Length, name);
    }

    private static IdxArray Parse(byte[] data, int length, string name)
    {
        if (length < 4) throw Corrupt(name, $"it has {length} bytes, fewer than the 4-byte magic number");
        if (data[0] != 0 || data[1] != 0)
            throw Corrupt(name, $"the magic number starts with 0x{data[0]:X2} 0x{data[1]:X2}, not 0x00 0x00");
        var type = (IdxType)data[2];
        if (!Enum.IsDefined(type))
            throw Corrupt(name, $"element type 0x{data[2]:X2} is not an IDX type (0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E)");
        int rank = data[3];
        if (rank < 1 || rank > MaxDims) throw Corrupt(name, $"it claims {rank} dimensions; 1..{MaxDims} are supported");
        int headerLength = 4 + 4 * rank;
        if (length < headerLength) throw Corrupt(name, $"it has {length} bytes, fewer than the {headerLength}-byte header of {rank} dimensions");
        var dims = new int[rank];
        long payload = length - headerLength;
        int size = IdxArray.ElementSize(type);
        for (int k = 0; k < rank; k++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(4 + 4 * k, 4));
            if (d > int.MaxValue) throw Corrupt(name, $"dimension {k} is {d}, larger than {int.MaxValue}");
            dims[k] = (int)d;
        }
        // The product of the dimensions, checked against the payload at every factor so that it never overflows:
        // count * d * size <= payload  <=>  count <= floor(floor(payload / size) / d).
        long count = dims.Contains(0) ? 0 : 1;
        bool exceeds = false;
        foreach (int d in dims)
        {
            if (count == 0) break;
            if (count > payload / size / d)
            {
                exceeds = true;
                break;
            }
            count *= d;
        }
        if (exceeds || count * size != payload)
        {
            // Only for the message: the exact need, which may not fit in 64 bits.
            var need = dims.Aggregate(new System.Numerics.BigInteger(size), (p, d) => p * d);
            throw Corrupt(name, $"dimensions [{string.Join(", ", dims)}] of {size}-byte elements need {need} bytes of data, but {payload} follow the header");
        }
        return new IdxArray(type, dims, data, headerLength, count);
    }

    /// <summary>Reads the whole stream into a buffer that grows with the data, failing beyond <paramref name="maxBytes"/>.</summary>
    private static (byte[] Data, int Length) ReadBounded(Stream source, string name, long maxBytes, string what, int initialSize)
    {
        var buffer = new byte[(int)Math.Min(maxBytes, Math.Max(1, initialSize))];
        int length = 0;
        bool tooLarge = false;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= maxBytes)
                    {
                        // One more byte tells a file of exactly maxBytes from a larger one.
                        tooLarge = source.ReadByte() >= 0;
                        break;
                    }
                    Array.Resize(ref buffer, (int)Math.Min(maxBytes, 2L * buffer.Length));
                }
                int n = source.Read(buffer, length, buffer.Length - length);
                if (n == 0) break;
                length += n;
            }
        }
        catch (InvalidDataException ex)
        {
            throw Corrupt(name, $"its gzip stream is corrupt ({ex.Message.TrimEnd('.')})");
        }
        if (tooLarge) throw Corrupt(name, $"its {what}size exceeds the limit of {maxBytes} bytes");
        return (buffer, length);
    }

    internal static InvalidDataException Corrupt(string name, string why) => new($"'{name}' is not a readable IDX file: {why}.");

    /// <summary>A read-only stream of a few bytes already read, then the rest of another stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _position);
                prefix.AsSpan(_position, n).CopyTo(buffer);
                _position += n;
                return n;
            }
            return rest.Read(buffer);
        }
    }
}
