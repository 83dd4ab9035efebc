using InitLab.Formats;

namespace InitLab.Tests.Formats;

/// <summary>Writers round-trip bit-exactly, and their committed outputs are the files Python verified (make_fixtures.py --verify).</summary>
public sealed class WriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("writer-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    public static TheoryData<string, string> RoundTrips() => new()
    {
        { "dtypes.safetensors", ".safetensors" },
        { "views.pt", ".safetensors" },
        { "mlp_trained.pt", ".safetensors" },
        { "arrays.npz", ".npz" },
        { "arrays_compressed.npz", ".npz" },
        { "views.pt", ".npz" },
        { "cnn.onnx", ".onnx" },
        { "external/cnn_external.onnx", ".onnx" },
        { "transformer.onnx", ".onnx" },
        { "tfjs/model.json", ".safetensors" },
    };

    [Theory]
    [MemberData(nameof(RoundTrips))]
    public void Written_models_read_back_with_the_same_names_shapes_dtypes_and_bytes(string fixture, string extension)
    {
        var model = ModelFiles.Read(Fixtures.PathOf(fixture));
        if (extension == ".npz") model = new ModelFile(model.Format, model.Path, model.Tensors.Where(t => t.DType != DTypes.BFloat16));
        string output = PathOf("out" + extension);
        ModelFiles.Write(output, model);
        var back = ModelFiles.Read(output);
        Assert.Equal(model.Tensors.Select(t => t.Name), back.Tensors.Select(t => t.Name));
        foreach (var (a, b) in model.Tensors.Zip(back.Tensors))
        {
            Assert.Equal(a.Shape, b.Shape);
            Assert.Equal(a.DType, b.DType);
            Assert.Equal(a.ReadBytes(), b.ReadBytes());
        }
        if (extension == ".onnx")
        {
            Assert.Equal(model.Graph!.Nodes, back.Graph!.Nodes, (x, y) => x.OpType == y.OpType && x.Inputs.SequenceEqual(y.Inputs) && x.Outputs.SequenceEqual(y.Outputs));
            Assert.Equal(model.Tensors.Select(t => (t.Layout, t.Role)), back.Tensors.Select(t => (t.Layout, t.Role)));
        }
        Assert.Equal(["out" + extension], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Rewriting_an_onnx_model_with_its_own_tensors_changes_only_external_data_into_inline_data()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("cnn.onnx"));
        ModelFiles.Write(PathOf("same.onnx"), model);
        Assert.Equal(File.ReadAllBytes(Fixtures.PathOf("cnn.onnx")), File.ReadAllBytes(PathOf("same.onnx")));
    }

    [Fact]
    public void Replaced_tensors_land_in_the_onnx_initializers_and_the_rest_of_the_graph_is_kept()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("cnn.onnx"));
        var w = model.Find("conv1.weight")!;
        var replaced = model.WithTensors([w.WithData(new float[w.ElementCount])]);
        ModelFiles.Write(PathOf("zeroed.onnx"), replaced);
        var back = ModelFiles.Read(PathOf("zeroed.onnx"));
        Assert.All(back.Find("conv1.weight")!.ReadSingles(), v => Assert.Equal(0f, v));
        Assert.Equal(model.Find("conv2.weight")!.ReadBytes(), back.Find("conv2.weight")!.ReadBytes());
        Assert.Equal(model.Graph!.Outputs, back.Graph!.Outputs, (a, b) => a.Name == b.Name && a.Shape!.SequenceEqual(b.Shape!));
    }

    [Fact]
    public void Graph_initializers_of_a_model_with_subgraphs_are_rewritten_and_embedded_tensors_kept_but_never_replaced()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("subgraphs.onnx"));
        var bias = model.Find("bias")!;
        ModelFiles.Write(PathOf("sub.onnx"), model.WithTensors([bias.WithData(new float[4])]));
        var back = ModelFiles.Read(PathOf("sub.onnx"));
        Assert.Equal(new float[4], back.Find("bias")!.ReadSingles());
        Assert.Equal(model.Find("branch/then_branch/W_then")!.ReadBytes(), back.Find("branch/then_branch/W_then")!.ReadBytes());
        var w = model.Find("branch/then_branch/W_then")!;
        var e = Assert.Throws<ArgumentException>(() => ModelFiles.Write(PathOf("bad.onnx"), model.WithTensors([w.WithData(new float[16])])));
        Assert.Contains("subgraph's initializer", e.Message);
        Assert.False(File.Exists(PathOf("bad.onnx")));
    }

    [Fact]
    public void Writing_onnx_from_a_model_without_a_graph_or_an_unknown_extension_is_an_ArgumentException()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("dtypes.safetensors"));
        Assert.Contains("only an ONNX model", Assert.Throws<ArgumentException>(() => ModelFiles.Write(PathOf("x.onnx"), model)).Message);
        Assert.Contains(".safetensors, .npz, .onnx", Assert.Throws<ArgumentException>(() => ModelFiles.Write(PathOf("x.h5"), model)).Message);
        Assert.Contains("bfloat16", Assert.Throws<ArgumentException>(() => ModelFiles.Write(PathOf("x.npz"), model)).Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    // The files InitLab writes for Python to check: dtypes.safetensors and arrays.npz as they are, cnn.onnx with every
    // float initializer doubled. make_fixtures.py --verify loads them with torch, numpy and onnx.checker.
    private static IEnumerable<(string File, ModelFile Model)> Written()
    {
        yield return ("initlab_written.safetensors", ModelFiles.Read(Fixtures.PathOf("dtypes.safetensors")));
        yield return ("initlab_written.npz", ModelFiles.Read(Fixtures.PathOf("arrays.npz")));
        var cnn = ModelFiles.Read(Fixtures.PathOf("cnn.onnx"));
        yield return ("initlab_written.onnx", cnn.WithTensors(cnn.Tensors.Where(t => t.DType == DTypes.Float32)
            .Select(t => t.WithData(t.ReadSingles().Select(v => v * 2).ToArray()))));
    }

    [Fact]
    public void Committed_writer_outputs_that_python_verified_are_what_the_writers_produce_today()
    {
        bool update = Environment.GetEnvironmentVariable("INITLAB_UPDATE_FIXTURES") == "1";
        var files = Written().ToList();
        foreach (var (file, model) in files)
        {
            ModelFiles.Write(PathOf(file), model);
            if (update) File.Copy(PathOf(file), Path.Combine(Fixtures.SourceDirectory, file), overwrite: true);
        }
        foreach (var (file, _) in files)
        {
            string fresh = PathOf(file);
            Assert.True(File.ReadAllBytes(fresh).AsSpan().SequenceEqual(File.ReadAllBytes(Fixtures.PathOf(file))),
                $"{file} differs from the committed file: rerun with INITLAB_UPDATE_FIXTURES=1, then make_fixtures.py --verify");
        }
    }
}
