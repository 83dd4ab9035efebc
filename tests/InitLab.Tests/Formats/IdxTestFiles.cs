using System.Buffers.Binary;
using System.IO.Compression;
using InitLab.Formats.Idx;

namespace InitLab.Tests.Formats;

/// <summary>Writes IDX documents for tests, independently of the reader: magic, big-endian dims, big-endian payload.</summary>
internal static class IdxTestFiles
{
    public static byte[] Encode(IdxType type, int[] dims, double[] values)
    {
        int size = type switch { IdxType.UnsignedByte or IdxType.SignedByte => 1, IdxType.Int16 => 2, IdxType.Int32 or IdxType.Float32 => 4, _ => 8 };
        var bytes = new byte[4 + 4 * dims.Length + size * values.Length];
        bytes[2] = (byte)type;
        bytes[3] = (byte)dims.Length;
        for (int k = 0; k < dims.Length; k++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * k), dims[k]);
        int o = 4 + 4 * dims.Length;
        foreach (double v in values)
        {
            var item = bytes.AsSpan(o, size);
            switch (type)
            {
                case IdxType.UnsignedByte: item[0] = (byte)v; break;
                case IdxType.SignedByte: item[0] = (byte)(sbyte)v; break;
                case IdxType.Int16: BinaryPrimitives.WriteInt16BigEndian(item, (short)v); break;
                case IdxType.Int32: BinaryPrimitives.WriteInt32BigEndian(item, (int)v); break;
                case IdxType.Float32: BinaryPrimitives.WriteSingleBigEndian(item, (float)v); break;
                default: BinaryPrimitives.WriteDoubleBigEndian(item, v); break;
            }
            o += size;
        }
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(raw);
        return output.ToArray();
    }

    /// <summary>A folder with the four Fashion-MNIST files holding <paramref name="count"/> tiny images each (rows x cols pixels).</summary>
    public static string FakeFashionMnist(int count, int rows = 2, int cols = 3, bool gzip = true)
    {
        string dir = Directory.CreateTempSubdirectory("initlab-idx-").FullName;
        foreach (var prefix in new[] { "train", "t10k" })
        {
            var pixels = Enumerable.Range(0, count * rows * cols).Select(i => (double)(i * 37 % 256)).ToArray();
            var labels = Enumerable.Range(0, count).Select(i => (double)(i % 10)).ToArray();
            Write(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), Encode(IdxType.UnsignedByte, [count, rows, cols], pixels), gzip);
            Write(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), Encode(IdxType.UnsignedByte, [count], labels), gzip);
        }
        return dir;
    }

    public static void Write(string pathWithoutGz, byte[] raw, bool gzip)
    {
        if (gzip) File.WriteAllBytes(pathWithoutGz + ".gz", Gzip(raw));
        else File.WriteAllBytes(pathWithoutGz, raw);
    }
}
