using System.Buffers.Binary;

namespace InitLab.Formats.Idx;

/// <summary>The element types of the IDX format (the third byte of the magic number).</summary>
public enum IdxType : byte
{
    /// <summary>0x08: unsigned byte.</summary>
    UnsignedByte = 0x08,

    /// <summary>0x09: signed byte.</summary>
    SignedByte = 0x09,

    /// <summary>0x0B: 16-bit big-endian integer.</summary>
    Int16 = 0x0B,

    /// <summary>0x0C: 32-bit big-endian integer.</summary>
    Int32 = 0x0C,

    /// <summary>0x0D: 32-bit big-endian IEEE float.</summary>
    Float32 = 0x0D,

    /// <summary>0x0E: 64-bit big-endian IEEE double.</summary>
    Float64 = 0x0E,
}

/// <summary>An array read from an IDX file: its element type, its dimensions and its elements in row-major order.</summary>
public sealed class IdxArray
{
    private readonly byte[] _buffer;
    private readonly int _offset;

    internal IdxArray(IdxType type, int[] dims, byte[] buffer, int offset, long count)
    {
        Type = type;
        _dims = dims;
        _buffer = buffer;
        _offset = offset;
        Count = count;
    }

    private readonly int[] _dims;

    /// <summary>The element type.</summary>
    public IdxType Type { get; }

    /// <summary>The dimensions, outermost first (e.g. images x rows x columns).</summary>
    public IReadOnlyList<int> Dims => _dims;

    /// <summary>Number of elements: the product of the dimensions.</summary>
    public long Count { get; }

    /// <summary>Bytes per element of <paramref name="type"/>.</summary>
    public static int ElementSize(IdxType type) => type switch
    {
        IdxType.UnsignedByte or IdxType.SignedByte => 1,
        IdxType.Int16 => 2,
        IdxType.Int32 or IdxType.Float32 => 4,
        IdxType.Float64 => 8,
        _ => throw new ArgumentException($"unknown IDX element type 0x{(byte)type:X2}.", nameof(type)),
    };

    /// <summary>The elements of an unsigned-byte array (no copy).</summary>
    /// <exception cref="InvalidOperationException">The array is not of type <see cref="IdxType.UnsignedByte"/>.</exception>
    public ReadOnlySpan<byte> Bytes => Type == IdxType.UnsignedByte
        ? _buffer.AsSpan(_offset, (int)Count)
        : throw new InvalidOperationException($"the array holds {Type}, not unsigned bytes.");

    /// <summary>Element <paramref name="index"/> (row-major) widened to double.</summary>
    public double this[long index]
    {
        get
        {
            if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is outside 0..{Count - 1}.");
            int size = ElementSize(Type);
            var item = _buffer.AsSpan(_offset + (int)(index * size), size);
            return Type switch
            {
                IdxType.UnsignedByte => item[0],
                IdxType.SignedByte => (sbyte)item[0],
                IdxType.Int16 => BinaryPrimitives.ReadInt16BigEndian(item),
                IdxType.Int32 => BinaryPrimitives.ReadInt32BigEndian(item),
                IdxType.Float32 => BinaryPrimitives.ReadSingleBigEndian(item),
                _ => BinaryPrimitives.ReadDoubleBigEndian(item),
            };
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"IdxArray({Type}, [{string.Join(", ", _dims)}])";
}
