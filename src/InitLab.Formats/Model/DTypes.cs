using System.Buffers.Binary;

namespace InitLab.Formats;

/// <summary>
/// The element types a model file may store, by their NumPy / safetensors names: float64, float32, float16, bfloat16,
/// int64, int32, int16, int8, uint64, uint32, uint16, uint8 and bool. Stored bytes are little-endian.
/// </summary>
public static class DTypes
{
    /// <summary>IEEE binary64.</summary>
    public const string Float64 = "float64";
    /// <summary>IEEE binary32.</summary>
    public const string Float32 = "float32";
    /// <summary>IEEE binary16.</summary>
    public const string Float16 = "float16";
    /// <summary>bfloat16: the upper 16 bits of a binary32.</summary>
    public const string BFloat16 = "bfloat16";
    /// <summary>Signed 64-bit integer.</summary>
    public const string Int64 = "int64";
    /// <summary>Signed 32-bit integer.</summary>
    public const string Int32 = "int32";
    /// <summary>Signed 16-bit integer.</summary>
    public const string Int16 = "int16";
    /// <summary>Signed 8-bit integer.</summary>
    public const string Int8 = "int8";
    /// <summary>Unsigned 64-bit integer.</summary>
    public const string UInt64 = "uint64";
    /// <summary>Unsigned 32-bit integer.</summary>
    public const string UInt32 = "uint32";
    /// <summary>Unsigned 16-bit integer.</summary>
    public const string UInt16 = "uint16";
    /// <summary>Unsigned 8-bit integer.</summary>
    public const string UInt8 = "uint8";
    /// <summary>One byte, 0 = false, anything else = true.</summary>
    public const string Bool = "bool";

    /// <summary>Every supported name.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Float64, Float32, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt64, UInt32, UInt16, UInt8, Bool];

    /// <summary>True for the four floating-point types.</summary>
    public static bool IsFloatingPoint(string dtype) => dtype is Float64 or Float32 or Float16 or BFloat16;

    /// <summary>Bytes per element.</summary>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not one of <see cref="All"/>.</exception>
    public static int SizeOf(string dtype) => dtype switch
    {
        Float64 or Int64 or UInt64 => 8,
        Float32 or Int32 or UInt32 => 4,
        Float16 or BFloat16 or Int16 or UInt16 => 2,
        Int8 or UInt8 or Bool => 1,
        _ => throw new ArgumentException($"dtype '{dtype}' is not one of {string.Join(", ", All)}.", nameof(dtype)),
    };

    /// <summary>Whether <paramref name="dtype"/> is one of <see cref="All"/>.</summary>
    public static bool IsKnown(string dtype) => All.Contains(dtype);

    /// <summary>
    /// Widens little-endian elements of <paramref name="dtype"/> to double: exact for every floating type and for
    /// integers up to 2^53 in magnitude (larger 64-bit integers round to nearest).
    /// </summary>
    internal static void Widen(string dtype, ReadOnlySpan<byte> bytes, Span<double> destination)
    {
        int size = SizeOf(dtype);
        if (BitConverter.IsLittleEndian && dtype == Float64)
        {
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(bytes[..(destination.Length * 8)]).CopyTo(destination);
            return;
        }
        if (BitConverter.IsLittleEndian && dtype == Float32)
        {
            var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes[..(destination.Length * 4)]);
            for (int i = 0; i < floats.Length; i++) destination[i] = floats[i];
            return;
        }
        for (int i = 0; i < destination.Length; i++)
        {
            var b = bytes.Slice(i * size, size);
            destination[i] = dtype switch
            {
                Float64 => BinaryPrimitives.ReadDoubleLittleEndian(b),
                Float32 => BinaryPrimitives.ReadSingleLittleEndian(b),
                Float16 => (double)BinaryPrimitives.ReadHalfLittleEndian(b),
                BFloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
                Int64 => BinaryPrimitives.ReadInt64LittleEndian(b),
                Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
                Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
                Int8 => (sbyte)b[0],
                UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b),
                UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
                UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
                UInt8 => b[0],
                _ => b[0] != 0 ? 1 : 0,
            };
        }
    }
}
