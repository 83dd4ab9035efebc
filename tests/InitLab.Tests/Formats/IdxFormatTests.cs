using System.Buffers.Binary;
using InitLab.Formats.Idx;

namespace InitLab.Tests.Formats;

public class IdxFormatTests
{
    public static TheoryData<IdxType, double[]> TypedValues => new()
    {
        { IdxType.UnsignedByte, [0, 1, 127, 128, 255, 42] },
        { IdxType.SignedByte, [-128, -1, 0, 1, 127, 5] },
        { IdxType.Int16, [-32768, -1, 0, 1, 32767, 300] },
        { IdxType.Int32, [int.MinValue, -1, 0, 1, int.MaxValue, 70000] },
        { IdxType.Float32, [-1.5, 0, 3.25, float.MaxValue, float.Epsilon, -0.0] },
        { IdxType.Float64, [-1.5, 0, Math.PI, double.MaxValue, double.Epsilon, 1e-300] },
    };

    [Theory]
    [MemberData(nameof(TypedValues))]
    public void Every_element_type_reads_back_big_endian_values_in_row_major_order(IdxType type, double[] values)
    {
        var raw = IdxTestFiles.Encode(type, [2, 3], values);
        foreach (var bytes in new[] { raw, IdxTestFiles.Gzip(raw) })
        {
            var array = IdxFormat.Read(new MemoryStream(bytes), "t");
            Assert.Equal(type, array.Type);
            Assert.Equal([2, 3], array.Dims);
            Assert.Equal(6, array.Count);
            for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], array[i]);
        }
    }

    [Fact]
    public void Unsigned_bytes_are_exposed_without_conversion()
    {
        var array = IdxFormat.Parse(IdxTestFiles.Encode(IdxType.UnsignedByte, [4], [9, 0, 3, 255]), "t");
        Assert.Equal(new byte[] { 9, 0, 3, 255 }, array.Bytes.ToArray());
        Assert.Throws<InvalidOperationException>(() => IdxFormat.Parse(IdxTestFiles.Encode(IdxType.Int16, [1], [1]), "t").Bytes.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => array[4]);
    }

    [Fact]
    public void A_zero_dimension_gives_an_empty_array_with_no_payload()
    {
        var array = IdxFormat.Parse(IdxTestFiles.Encode(IdxType.Float32, [0, 2147483647, 2147483647], []), "t");
        Assert.Equal(0, array.Count);
    }

    public static TheoryData<byte[], string> Corrupt => new()
    {
        { [], "fewer than the 4-byte magic" },
        { [0, 0, 8], "fewer than the 4-byte magic" },
        { [1, 0, 8, 1, 0, 0, 0, 0], "not 0x00 0x00" },
        { [0, 0, 7, 1, 0, 0, 0, 0], "element type 0x07" },
        { [0, 0, 8, 0], "0 dimensions" },
        { [0, 0, 8, 17], "17 dimensions" },
        { [0, 0, 8, 2, 0, 0, 0, 1], "12-byte header of 2 dimensions" },
        { [0, 0, 8, 1, 0, 0, 0, 3, 1, 2], "need 3 bytes of data, but 2 follow the header" },
        { [0, 0, 8, 1, 0, 0, 0, 1, 1, 2], "need 1 bytes of data, but 2 follow" },
        { [0, 0, 8, 1, 0x80, 0, 0, 0], "larger than 2147483647" },
        { [0, 0, 0x0E, 2, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5, 6, 7, 8], "need 36893488113059364872 bytes of data, but 8 follow" },
    };

    [Theory]
    [MemberData(nameof(Corrupt))]
    public void Corrupt_headers_give_one_clear_error_naming_the_file(byte[] bytes, string why)
    {
        var e = Assert.Throws<InvalidDataException>(() => IdxFormat.Read(new MemoryStream(bytes), "data.idx"));
        Assert.StartsWith("'data.idx' is not a readable IDX file: ", e.Message);
        Assert.Contains(why, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Dimensions_whose_product_overflows_64_bits_are_rejected_before_any_allocation()
    {
        // 2^31-1 to the 16th power overflows long many times over; the product is checked factor by factor.
        var bytes = new byte[4 + 4 * 16 + 8];
        bytes[2] = 0x08;
        bytes[3] = 16;
        for (int k = 0; k < 16; k++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * k), int.MaxValue);
        var e = Assert.Throws<InvalidDataException>(() => IdxFormat.Parse(bytes, "t"));
        Assert.Contains($"need {System.Numerics.BigInteger.Pow(int.MaxValue, 16)} bytes of data, but 8 follow", e.Message);
    }

    [Fact]
    public void A_gzip_bomb_stops_at_the_size_limit()
    {
        // 3 MiB of zeros compress to a few KiB; with a 1 MiB limit the reader stops after 1 MiB + 1 byte.
        var raw = new byte[3 << 20];
        raw[2] = 0x08;
        raw[3] = 1;
        BinaryPrimitives.WriteInt32BigEndian(raw.AsSpan(4), raw.Length - 8);
        var gz = IdxTestFiles.Gzip(raw);
        Assert.True(gz.Length < 64 << 10);
        var e = Assert.Throws<InvalidDataException>(() => IdxFormat.Read(new MemoryStream(gz), "bomb.gz", maxBytes: 1 << 20));
        Assert.Contains("decompressed size exceeds the limit of 1048576 bytes", e.Message);
        // The same document within the limit reads.
        Assert.Equal(raw.Length - 8, IdxFormat.Read(new MemoryStream(gz), "bomb.gz", maxBytes: 4 << 20).Count);
    }

    [Fact]
    public void A_document_of_exactly_the_limit_reads_and_one_byte_more_does_not()
    {
        var raw = IdxTestFiles.Encode(IdxType.UnsignedByte, [92], new double[92]);
        Assert.Equal(100, raw.Length);
        Assert.Equal(92, IdxFormat.Read(new MemoryStream(raw), "t", maxBytes: 100).Count);
        Assert.Throws<InvalidDataException>(() => IdxFormat.Read(new MemoryStream(raw), "t", maxBytes: 99));
        Assert.Throws<InvalidDataException>(() => IdxFormat.Read(new MemoryStream(IdxTestFiles.Gzip(raw)), "t", maxBytes: 99));
    }

    [Fact]
    public void A_corrupt_gzip_stream_is_an_invalid_data_error()
    {
        var gz = IdxTestFiles.Gzip(IdxTestFiles.Encode(IdxType.UnsignedByte, [64], new double[64]));
        gz[12] ^= 0xFF;
        gz[13] ^= 0xFF;
        var e = Assert.Throws<InvalidDataException>(() => IdxFormat.Read(new MemoryStream(gz), "x.gz"));
        Assert.StartsWith("'x.gz' is not a readable IDX file: ", e.Message);
    }

    [Fact]
    public void A_missing_file_is_a_file_not_found_error()
    {
        var e = Assert.Throws<FileNotFoundException>(() => IdxFormat.Read(Path.Combine(Path.GetTempPath(), "no-such-dir-initlab", "x.gz")));
        Assert.Contains("does not exist", e.Message);
    }
}
