using System.Buffers.Binary;
using System.Text;
using InitLab.Formats;
using InitLab.Formats.Idx;
using InitLab.Formats.Npy;
using InitLab.Formats.Zip;

namespace InitLab.Tests.Formats;

/// <summary>
/// Each reader's length checks at their boundary, one byte on either side: a file that is one byte short (or long) of
/// what its header claims is an <see cref="InvalidDataException"/> from the check that names the problem, never an
/// out-of-range read (<see cref="ArgumentOutOfRangeException"/>) or a tensor read from bytes that are not its own.
/// </summary>
public sealed class ReaderBoundsTests
{
    private static InvalidDataException Rejected(string name, string format, byte[] bytes) =>
        Assert.Throws<InvalidDataException>(() => ModelFiles.Read(new MemorySource(name, bytes), format));

    private static byte[] Npy(string descr, string shape, int dataBytes) =>
        [.. NpyFormat.Header(descr, InitLab.Tensors.Shape.Parse(shape)), .. new byte[dataBytes]];

    [Fact]
    public void Npy_data_must_have_exactly_the_bytes_its_shape_needs()
    {
        Assert.Equal(6, ModelFiles.Read(new MemorySource("a.npy", Npy("<f4", "(2, 3)", 24)), ModelFormats.Npy).Tensors[0].ElementCount);
        Assert.Contains("needs 24 bytes", Rejected("a.npy", ModelFormats.Npy, Npy("<f4", "(2, 3)", 28)).Message);
        Assert.Contains("needs 24 bytes", Rejected("a.npy", ModelFormats.Npy, Npy("<f4", "(2, 3)", 20)).Message);
    }

    [Fact]
    public void Npy_header_length_one_byte_past_the_file_is_rejected()
    {
        var bytes = Npy("<f4", "(2,)", 8);
        // Version 1.0: a 2-byte header length at offset 8, the header from offset 10. Claim one byte more than the file has.
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)(bytes.Length - 10 + 1));
        Assert.Contains("the header claims", Rejected("b.npy", ModelFormats.Npy, bytes).Message);
    }

    [Fact]
    public void Npy_version_2_preamble_needs_12_bytes()
    {
        // The magic, version 2.0 and 3 of the 4 header-length bytes: 11 bytes.
        byte[] bytes = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 2, 0, 16, 0, 0];
        Assert.Contains("12-byte version 2 preamble", Rejected("c.npy", ModelFormats.Npy, bytes).Message);
    }

    private static byte[] Safetensors(string header, int bufferBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + bufferBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
        h.CopyTo(bytes, 8);
        return bytes;
    }

    [Fact]
    public void Safetensors_offsets_must_lie_in_the_buffer_and_match_the_shape()
    {
        const string twoFloats = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";
        Assert.Equal(2, ModelFiles.Read(new MemorySource("m.safetensors", Safetensors(twoFloats, 8)), ModelFormats.Safetensors).Tensors[0].ElementCount);
        // The offsets end 4 bytes past a 4-byte buffer.
        Assert.Contains("outside the 4-byte data buffer", Rejected("m.safetensors", ModelFormats.Safetensors, Safetensors(twoFloats, 4)).Message);
        // 12 bytes for two float32 values (which need 8), although they tile the 12-byte buffer.
        const string twelveBytes = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}""";
        Assert.Contains("needs 8 bytes", Rejected("m.safetensors", ModelFormats.Safetensors, Safetensors(twelveBytes, 12)).Message);
    }

    [Fact]
    public void Idx_payload_must_be_exactly_the_product_of_the_dimensions()
    {
        // Magic 0x00 0x00, type 0x08 (unsigned byte), rank 1; dimension 3 (big-endian); then the payload.
        byte[] Idx(int payload) => [0, 0, 0x08, 1, 0, 0, 0, 3, .. new byte[payload]];
        Assert.Equal(3, IdxFormat.Parse(Idx(3), "x.idx").Count);
        Assert.Throws<InvalidDataException>(() => IdxFormat.Parse(Idx(4), "x.idx"));
        Assert.Throws<InvalidDataException>(() => IdxFormat.Parse(Idx(2), "x.idx"));
    }

    [Fact]
    public void A_read_one_byte_past_the_end_of_a_source_is_InvalidData()
    {
        var source = new MemorySource("m.bin", new byte[10]);
        Assert.Equal(2, source.ReadArray(8, 2).Length);
        Assert.Throws<InvalidDataException>(() => source.ReadArray(8, 3));
        Assert.Throws<InvalidDataException>(() => source.ReadArray(11, 0));
    }

    /// <summary>A stored zip of one entry, written by hand: local header, name, data, central directory, end record.</summary>
    private static byte[] Zip(string name, int dataBytes, long? localOffset = null, uint? size = null, ushort? count = null)
    {
        var n = Encoding.UTF8.GetBytes(name);
        var b = new List<byte>();
        void U16(int v) { b.Add((byte)v); b.Add((byte)(v >> 8)); }
        void U32(long v) { U16((int)(v & 0xFFFF)); U16((int)((v >> 16) & 0xFFFF)); }
        uint s = size ?? (uint)dataBytes;
        U32(0x04034b50); U16(20); U16(0); U16(0); U16(0); U16(0); U32(0); U32(s); U32(s); U16(n.Length); U16(0);
        b.AddRange(n);
        b.AddRange(new byte[dataBytes]);
        int cdOffset = b.Count;
        U32(0x02014b50); U16(20); U16(20); U16(0); U16(0); U16(0); U16(0); U32(0); U32(s); U32(s); U16(n.Length);
        U16(0); U16(0); U16(0); U16(0); U32(0);
        int localAt = b.Count;
        U32(0);
        b.AddRange(n);
        int cdSize = b.Count - cdOffset;
        U32(0x06054b50); U16(0); U16(0); U16(count ?? 1); U16(count ?? 1); U32(cdSize); U32(cdOffset); U16(0);
        var bytes = b.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(localAt), (uint)(localOffset ?? 0));
        return bytes;
    }

    private static InvalidDataException ZipRejected(byte[] bytes) =>
        Assert.Throws<InvalidDataException>(() => ZipReader.Open(new MemorySource("z.zip", bytes)));

    [Fact]
    public void Zip_local_header_must_fit_its_30_bytes_inside_the_file()
    {
        var good = Zip("a.bin", 4);
        Assert.Single(ZipReader.Open(new MemorySource("z.zip", good)).Entries);
        // A local header starting 29 bytes before the end cannot hold its 30 bytes.
        Assert.Contains("local header outside the file", ZipRejected(Zip("a.bin", 4, localOffset: good.Length - 29)).Message);
    }

    [Fact]
    public void Zip_central_directory_must_hold_46_bytes_per_entry()
    {
        // One 46 + 20-byte entry: 66 bytes cannot hold the 2 entries the end record claims (92 bytes needed; 60 would
        // be enough at 30 bytes each, the size of a local header, not of a directory entry).
        Assert.Contains("cannot hold 2 entries", ZipRejected(Zip(new string('n', 20), 4, count: 2)).Message);
    }

    [Fact]
    public void Zip_entry_data_must_end_inside_the_file()
    {
        var good = Zip("a.bin", 4);
        Assert.Contains("runs past the end of the file", ZipRejected(Zip("a.bin", 4, size: (uint)good.Length)).Message);
    }
}
