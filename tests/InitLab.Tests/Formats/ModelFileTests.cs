using System.Buffers.Binary;
using InitLab.Formats;
using InitLab.Formats.Npy;
using InitLab.Tensors;
using InitLab.Inspection;

namespace InitLab.Tests.Formats;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("model-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => System.IO.Path.Combine(_dir, name);

    [Fact]
    public void Every_dtype_widens_to_the_value_its_bytes_encode()
    {
        var cases = new (string DType, byte[] Bytes, double Expected)[]
        {
            (DTypes.Float64, BitConverter.GetBytes(-1.25), -1.25),
            (DTypes.Float32, BitConverter.GetBytes(0.1f), (double)0.1f),
            (DTypes.Float16, [0x00, 0x3C], 1.0),                // 0x3C00 = 1.0 in binary16
            (DTypes.BFloat16, [0x49, 0x40], 3.140625),          // 0x4049 = upper half of 3.14159f
            (DTypes.Int64, BitConverter.GetBytes(-5L), -5),
            (DTypes.Int32, BitConverter.GetBytes(-7), -7),
            (DTypes.Int16, BitConverter.GetBytes((short)-300), -300),
            (DTypes.Int8, [0xFF], -1),
            (DTypes.UInt64, BitConverter.GetBytes(ulong.MaxValue), 18446744073709551615.0),
            (DTypes.UInt32, BitConverter.GetBytes(uint.MaxValue), 4294967295.0),
            (DTypes.UInt16, [0xFF, 0xFF], 65535),
            (DTypes.UInt8, [0xFF], 255),
            (DTypes.Bool, [0x02], 1),
        };
        foreach (var (dtype, bytes, expected) in cases)
        {
            var t = ModelTensor.FromBytes("t", [1], dtype, bytes);
            Assert.Equal(expected, t.ReadDoubles()[0]);
            Assert.Equal((float)expected, t.ReadSingles()[0]);
            Assert.Equal(bytes, t.ReadBytes());
        }
    }

    [Fact]
    public void A_tensor_reports_its_shape_count_and_bytes_and_prints_them()
    {
        var t = ModelTensor.FromSingles("conv.weight", [4, 3, 2, 2], new float[48], TensorLayout.OutIn, ParameterRole.Weight);
        Assert.Equal(48, t.ElementCount);
        Assert.Equal(192, t.ByteLength);
        Assert.Equal(new Shape(4, 3, 2, 2), t.ToShape());
        Assert.Equal("conv.weight float32 (4, 3, 2, 2)", t.ToString());
        Assert.Equal((TensorLayout.OutIn, ParameterRole.Weight), (t.Layout, t.Role));
    }

    [Fact]
    public void A_byte_count_that_does_not_match_the_shape_is_an_ArgumentException_naming_both()
    {
        var ex = Assert.Throws<ArgumentException>(() => ModelTensor.FromBytes("w", [2, 3], DTypes.Float32, new byte[20]));
        Assert.Contains("needs 24 bytes, got 20", ex.Message);
        Assert.Throws<ArgumentException>(() => ModelTensor.FromBytes("w", [2], "complex64", new byte[16]));
        Assert.Throws<ArgumentException>(() => ModelTensor.FromBytes("w", [-1], DTypes.Float32, []));
    }

    [Fact]
    public void WithTensors_replaces_by_name_keeps_the_order_and_refuses_unknown_names_and_new_shapes()
    {
        var model = new ModelFile(ModelFormats.Npz, "m.npz",
            [ModelTensor.FromSingles("a", [2], [1, 2]), ModelTensor.FromSingles("b", [1], [3])]);
        var replaced = model.WithTensors([ModelTensor.FromSingles("a", [2], [5, 6])]);
        Assert.Equal(["a", "b"], replaced.Tensors.Select(t => t.Name));
        Assert.Equal([5f, 6f], replaced.Find("a")!.ReadSingles());
        Assert.Equal([1f, 2f], model.Find("a")!.ReadSingles());
        Assert.Throws<ArgumentException>(() => model.WithTensors([ModelTensor.FromSingles("c", [1], [0])]));
        Assert.Throws<ArgumentException>(() => model.WithTensors([ModelTensor.FromSingles("a", [1, 2], [0, 0])]));
        Assert.Throws<ArgumentException>(() => new ModelFile("npz", "x", [ModelTensor.FromSingles("a", [1], [0]), ModelTensor.FromSingles("a", [1], [0])]));
    }

    [Fact]
    public void An_npy_file_is_a_model_of_one_tensor_named_after_the_file()
    {
        NpyFormat.Write(PathOf("w.npy"), new float[] { 1, 2, 3, 4, 5, 6 }, new Shape(2, 3));
        Assert.Equal(ModelFormats.Npy, ModelFiles.DetectFormat(PathOf("w.npy")));
        var model = ModelFiles.Read(PathOf("w.npy"));
        var t = Assert.Single(model.Tensors);
        Assert.Equal(("w", DTypes.Float32), (t.Name, t.DType));
        Assert.Equal([2L, 3], t.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], t.ReadSingles());
        ModelFiles.Write(PathOf("copy.npy"), model);
        Assert.Equal(File.ReadAllBytes(PathOf("w.npy")), File.ReadAllBytes(PathOf("copy.npy")));
    }

    [Fact]
    public void Integer_npy_files_read_as_model_tensors_with_their_dtype()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, -3);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), 1L << 40);
        var model = new ModelFile(ModelFormats.Npy, "x", [ModelTensor.FromBytes("ids", [2], DTypes.Int64, bytes)]);
        ModelFiles.Write(PathOf("ids.npy"), model);
        var t = ModelFiles.Read(PathOf("ids.npy")).Tensors[0];
        Assert.Equal(DTypes.Int64, t.DType);
        Assert.Equal([-3.0, 1L << 40], t.ReadDoubles());
    }

    [Fact]
    public void Unknown_content_and_missing_files_are_clear_errors()
    {
        File.WriteAllText(PathOf("notes.txt"), "hello");
        var ex = Assert.Throws<InvalidDataException>(() => ModelFiles.Read(PathOf("notes.txt")));
        Assert.Contains("notes.txt", ex.Message);
        Assert.Contains("not a model file", ex.Message);
        Assert.Throws<FileNotFoundException>(() => ModelFiles.Read(PathOf("absent.onnx")));
        File.WriteAllBytes(PathOf("legacy.pt"), [0x80, 0x02, 0x8a, 0x0a]);
        Assert.Contains("legacy", Assert.Throws<InvalidDataException>(() => ModelFiles.Read(PathOf("legacy.pt"))).Message);
    }
}
