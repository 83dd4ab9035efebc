using System.Buffers.Binary;
using System.Text;
using InitLab.Formats.Npy;
using InitLab.Tensors;

namespace InitLab.Tests.Formats;

public sealed class NpyFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("npy-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => System.IO.Path.Combine(_dir, name);

    [Fact]
    public void The_version_1_header_is_the_one_numpy_writes_padded_to_64_bytes()
    {
        var header = NpyFormat.Header("<f4", new Shape(3, 5));
        Assert.Equal(0, header.Length % 64);
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }, header[..8]);
        Assert.Equal(header.Length - 10, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)));
        string text = Encoding.ASCII.GetString(header, 10, header.Length - 10);
        Assert.StartsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }", text);
        Assert.EndsWith("\n", text);
        Assert.Equal("{'descr': '<f8', 'fortran_order': False, 'shape': (7,), }", Encoding.ASCII.GetString(NpyFormat.Header("<f8", new Shape(7)), 10, 57));
    }

    [Theory]
    [InlineData(new[] { 3, 5 })]
    [InlineData(new[] { 2, 3, 4 })]
    [InlineData(new[] { 7 })]
    [InlineData(new int[0])]
    [InlineData(new[] { 0, 4 })]
    public void Float32_and_float64_arrays_round_trip(int[] dims)
    {
        var shape = new Shape(dims);
        var f = new float[shape.Size];
        var d = new double[shape.Size];
        for (int i = 0; i < f.Length; i++) { f[i] = (float)Math.Sin(i + 0.5); d[i] = Math.Cos(i) / 3; }
        NpyFormat.Write(PathOf("f.npy"), f, shape);
        NpyFormat.Write(PathOf("d.npy"), d, shape);
        var rf = NpyFormat.Read(PathOf("f.npy"));
        var rd = NpyFormat.Read(PathOf("d.npy"));
        Assert.Equal(("<f4", shape), (rf.Descr, rf.Shape));
        Assert.Equal(("<f8", shape), (rd.Descr, rd.Shape));
        Assert.Equal(Array.ConvertAll(f, v => (double)v), rf.Data);
        Assert.Equal(d, rd.Data);
    }

    [Fact]
    public void Writing_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        NpyFormat.Write(PathOf("w.npy"), new float[] { 1, 2 }, new Shape(2));
        NpyFormat.Write(PathOf("w.npy"), new float[] { 3, 4, 5 }, new Shape(3));
        Assert.Equal([3.0, 4, 5], NpyFormat.Read(PathOf("w.npy")).Data);
        Assert.Equal(["w.npy"], Directory.GetFiles(_dir).Select(System.IO.Path.GetFileName));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Versions_2_and_3_with_a_32_bit_header_length_are_read(int version)
    {
        var bytes = Build("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", version, Doubles(1.5, -2));
        var a = Read(bytes);
        Assert.Equal([1.5, -2], a.Data);
    }

    [Fact]
    public void Float16_data_is_widened_exactly()
    {
        var data = new byte[4];
        BinaryPrimitives.WriteHalfLittleEndian(data, (Half)0.333f);
        BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(2), (Half)(-2));
        var a = Read(Build("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", 1, data));
        Assert.Equal([(double)(Half)0.333f, -2.0], a.Data);
        Assert.Equal("float16", a.DType);
    }

    [Fact]
    public void Fortran_order_data_is_returned_in_C_order()
    {
        // The 2 x 3 matrix [[1, 2, 3], [4, 5, 6]] stored column by column.
        var a = Read(Build("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", 1, Doubles(1, 4, 2, 5, 3, 6)));
        Assert.True(a.FortranOrder);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], a.Data);
    }

    // Files written by numpy 1.24 (np.save of np.arange(12, dtype=float32).reshape(3, 4) / 7, in Fortran order and as float16).
    private const string NumpyFortranFloat32 =
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMywgNCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAJUkSPyVJkj8lSRI+bts2P0mSpD8lSZI+t21bP27btj+3bds+AACAP5IkyT8=";
    private const string NumpyFloat16 =
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAJIwkjTbNpI4tznbOgA8kjwlPbc9ST4=";

    [Fact]
    public void Files_numpy_wrote_in_Fortran_order_and_float16_read_as_the_C_order_matrix()
    {
        var fortran = Read(Convert.FromBase64String(NumpyFortranFloat32));
        var half = Read(Convert.FromBase64String(NumpyFloat16));
        Assert.Equal(new Shape(3, 4), fortran.Shape);
        Assert.Equal(new Shape(3, 4), half.Shape);
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal((double)(float)(i / 7.0f), fortran.Data[i]);
            Assert.Equal((double)(Half)(float)(i / 7.0f), half.Data[i]);
        }
    }

    [Fact]
    public void Our_header_is_byte_identical_to_the_one_numpy_writes()
    {
        // numpy 1.24: np.save(f, np.zeros((16, 8, 3, 3), np.float32)) starts with these 128 bytes.
        string numpy = "{'descr': '<f4', 'fortran_order': False, 'shape': (16, 8, 3, 3), }" + new string(' ', 51) + "\n";
        var header = NpyFormat.Header("<f4", new Shape(16, 8, 3, 3));
        Assert.Equal(128, header.Length);
        Assert.Equal(0x76, header[8]);
        Assert.Equal(numpy, Encoding.ASCII.GetString(header, 10, 118));
    }

    public static TheoryData<string, byte[]> CorruptFiles()
    {
        var ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
        var hugeHeader = Build(ok, 2, Doubles(1, 2));
        BinaryPrimitives.WriteUInt32LittleEndian(hugeHeader.AsSpan(8), uint.MaxValue);
        var longHeader = Build(ok, 1, Doubles(1, 2));
        BinaryPrimitives.WriteUInt16LittleEndian(longHeader.AsSpan(8), 60000);
        var badMagic = Build(ok, 1, Doubles(1, 2));
        badMagic[1] = (byte)'X';
        return new TheoryData<string, byte[]>
        {
            { "fewer than the 10-byte", [0x93, (byte)'N', (byte)'U'] },
            { "magic", badMagic },
            { "version 4.0", Build(ok, 4, Doubles(1, 2)) },
            { "more than the 65536 allowed", hugeHeader },
            { "the file has only", longHeader },
            { "dtype '>f4' is not supported", Build("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 1, new byte[8]) },
            { "dtype '<i4' is not supported", Build("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 1, new byte[8]) },
            { "needs 16 bytes", Build(ok, 1, Doubles(1)) },
            { "needs 16 bytes", Build(ok, 1, Doubles(1, 2, 3)) },
            { "needs more bytes", Build("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", 1, Doubles(1)) },
            { "lacks one of the keys", Build("{'descr': '<f8', 'shape': (2,), }", 1, Doubles(1, 2)) },
            { "unexpected or repeated key 'dtype'", Build("{'dtype': '<f8', 'fortran_order': False, 'shape': (2,), }", 1, Doubles(1, 2)) },
            { "neither True nor False", Build("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", 1, Doubles(1, 2)) },
            { "non-negative integer", Build("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", 1, Doubles(1, 2)) },
            { "text after its dict", Build(ok + " x", 1, Doubles(1, 2)) },
            { "not valid UTF-8", Build("{'descr': '\u00ff', }", 3, Doubles(1, 2), latin1: true) },
        };
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void Corrupt_files_give_InvalidDataException_saying_what_is_wrong(string expected, byte[] bytes)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Read(bytes));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Every_truncation_and_every_single_byte_change_of_a_header_is_read_or_rejected_cleanly()
    {
        var bytes = Build("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 1, new byte[24]);
        for (int cut = 0; cut < bytes.Length; cut++)
            Assert.Throws<InvalidDataException>(() => Read(bytes[..cut]));
        var values = new byte[] { 0, 1, 0x20, 0x27, 0x28, 0x29, 0x2c, 0x30, 0x39, 0x7b, 0x7d, 0xff };
        for (int i = 0; i < 80; i++)
            foreach (byte v in values)
            {
                var copy = (byte[])bytes.Clone();
                copy[i] = v;
                try { Read(copy); }
                catch (InvalidDataException) { }
            }
    }

    [Fact]
    public void A_missing_file_is_FileNotFoundException()
    {
        Assert.Throws<FileNotFoundException>(() => NpyFormat.Read(PathOf("absent.npy")));
    }

    private static NpyArray Read(byte[] bytes) => NpyFormat.Read(new MemoryStream(bytes), "test.npy");

    private static byte[] Doubles(params double[] values)
    {
        var b = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(i * 8), values[i]);
        return b;
    }

    private static byte[] Build(string dict, int version, byte[] data, bool latin1 = false)
    {
        int prefix = version == 1 ? 10 : 12;
        int padding = (64 - (prefix + dict.Length + 1) % 64) % 64;
        var text = (latin1 ? Encoding.Latin1 : Encoding.ASCII).GetBytes(dict + new string(' ', padding) + "\n");
        var bytes = new byte[prefix + text.Length + data.Length];
        new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0 }.CopyTo(bytes, 0);
        if (version == 1) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)text.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)text.Length);
        text.CopyTo(bytes, prefix);
        data.CopyTo(bytes, prefix + text.Length);
        return bytes;
    }
}
