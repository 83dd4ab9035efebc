using InitLab.Formats;
using InitLab.Inspection;

namespace InitLab.Tests.Formats;

/// <summary>Every committed fixture reads as NumPy / PyTorch / ONNX wrote it: names in order, shapes, dtypes and the exact bytes.</summary>
public sealed class FixtureReadTests
{
    public static TheoryData<string> FixtureFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Fixtures.Files()) data.Add(f.File);
        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void Every_fixture_reads_with_the_names_shapes_dtypes_and_bytes_python_wrote(string file)
    {
        var expected = Fixtures.File_(file);
        var model = ModelFiles.Read(Fixtures.PathOf(file));
        Assert.Equal(expected.Format, model.Format);
        Assert.Equal(expected.Tensors.Select(t => t.Name), model.Tensors.Select(t => t.Name));
        foreach (var (e, t) in expected.Tensors.Zip(model.Tensors))
        {
            Assert.Equal(e.Shape, t.Shape);
            Assert.Equal(e.DType, t.DType);
            Assert.Equal(e.Sha256, Fixtures.Sha256(t.ReadBytes()));
            // NumPy sums pairwise, InitLab here in order: equal to a few ulps of the sum of magnitudes.
            var values = t.ReadDoubles();
            double sum = values.Sum(), scale = values.Sum(Math.Abs);
            Assert.True(Math.Abs(sum - e.Sum) <= 1e-12 * scale + 1e-300, $"{t.Name}: sum {sum} vs NumPy's {e.Sum}");
        }
    }

    [Fact]
    public void A_sharded_checkpoint_keeps_the_index_order_not_the_sorted_key_order()
    {
        var names = ModelFiles.Read(Fixtures.PathOf("sharded/model.safetensors.index.json")).Tensors.Select(t => t.Name).ToList();
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "2.weight"], names.Take(5));
        Assert.NotEqual(names.Order(StringComparer.Ordinal), names);
        // The directory resolves to its index as well.
        Assert.Equal(names, ModelFiles.Read(Fixtures.PathOf("sharded")).Tensors.Select(t => t.Name));
    }

    [Fact]
    public void The_onnx_graph_gives_nodes_inputs_outputs_and_the_hints_of_each_initializer()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("cnn.onnx"));
        var g = model.Graph!;
        Assert.Equal(["Conv", "Relu", "BatchNormalization", "Conv", "Relu", "GlobalAveragePool", "Flatten", "Gemm"], g.Nodes.Select(n => n.OpType));
        Assert.Equal("image", Assert.Single(g.DataInputs).Name);
        Assert.Equal(["batch", "3", "16", "16"], g.Inputs[0].Shape!.Select(d => d.ToString()));
        Assert.Equal("float32", g.Inputs[0].ElementType);
        Assert.Equal("logits", Assert.Single(g.Outputs).Name);
        Assert.Equal(13, g.DefaultOpset);
        Assert.Equal("pytorch", g.ProducerName);
        Assert.Equal([1L, 1], g.Nodes[0].Ints("pads")!.Take(2));
        Assert.Equal(2, g.Nodes[3].Ints("strides")![0]);
        Assert.Equal(1, g.Nodes[^1].Int("transB", 0));
        var hints = model.Tensors.ToDictionary(t => t.Name, t => (t.Layout, t.Role));
        Assert.Equal((TensorLayout.OutIn, ParameterRole.Weight), hints["conv1.weight"]);
        Assert.Equal((TensorLayout.Unknown, ParameterRole.Bias), hints["conv1.bias"]);
        Assert.Equal((TensorLayout.Unknown, ParameterRole.NormScale), hints["bn1.weight"]);
        Assert.Equal((TensorLayout.Unknown, ParameterRole.NormShift), hints["bn1.bias"]);
        Assert.Equal((TensorLayout.Unknown, ParameterRole.RunningMean), hints["bn1.running_mean"]);
        Assert.Equal((TensorLayout.Unknown, ParameterRole.RunningVariance), hints["bn1.running_var"]);
        Assert.Equal((TensorLayout.OutIn, ParameterRole.Weight), hints["fc.weight"]);
    }

    [Fact]
    public void Old_style_onnx_lists_initializers_as_inputs_and_DataInputs_leaves_only_the_image()
    {
        var g = ModelFiles.Read(Fixtures.PathOf("cnn_old_inputs.onnx")).Graph!;
        Assert.True(g.Inputs.Count > 1);
        Assert.Contains(g.Inputs, i => g.InitializerNames.Contains(i.Name));
        Assert.Equal("image", Assert.Single(g.DataInputs).Name);
    }

    [Fact]
    public void External_data_reads_the_same_tensors_as_the_inline_model()
    {
        var inline = ModelFiles.Read(Fixtures.PathOf("cnn.onnx"));
        var external = ModelFiles.Read(Fixtures.PathOf("external/cnn_external.onnx"));
        Assert.Equal(inline.Tensors.Select(t => t.Name), external.Tensors.Select(t => t.Name));
        foreach (var (a, b) in inline.Tensors.Zip(external.Tensors)) Assert.Equal(a.ReadBytes(), b.ReadBytes());
    }

    [Fact]
    public void The_transformer_export_marks_the_embedding_the_layer_norm_and_matmul_weights_in_in_out_layout()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("transformer.onnx"));
        Assert.Contains("LayerNormalization", model.Graph!.Nodes.Select(n => n.OpType));
        var byRole = model.Tensors.ToLookup(t => t.Role);
        Assert.Equal([50L, 16], Assert.Single(byRole[ParameterRole.Embedding]).Shape);
        Assert.Single(byRole[ParameterRole.NormScale]);
        Assert.Single(byRole[ParameterRole.NormShift]);
        var weights = byRole[ParameterRole.Weight].ToList();
        Assert.Equal(2, weights.Count);
        Assert.All(weights, w => Assert.Equal(TensorLayout.InOut, w.Layout));
        Assert.Equal([[16L, 32], [32L, 16]], weights.Select(w => w.Shape.ToArray()));
        Assert.Equal(2, byRole[ParameterRole.Bias].Count());
    }

    [Fact]
    public void TfJs_kernels_are_in_out_weights_and_quantized_ones_say_so()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("tfjs"));
        Assert.Equal(ModelFormats.TfJs, model.Format);
        var k = model.Find("dense_1/kernel")!;
        Assert.Equal((TensorLayout.InOut, ParameterRole.Weight), (k.Layout, k.Role));
        Assert.Equal(DTypes.UInt8, k.Quantization!.StoredDType);
        Assert.Equal(DTypes.UInt16, model.Find("dense_1/bias")!.Quantization!.StoredDType);
        Assert.Null(model.Find("dense/kernel")!.Quantization);
        Assert.Equal(ParameterRole.Bias, model.Find("dense/bias")!.Role);
        var filters = ModelFiles.Read(Fixtures.PathOf("tfjs/tiny_model-weights_manifest.json")).Find("conv0/filters")!;
        Assert.Equal((TensorLayout.InOut, ParameterRole.Weight), (filters.Layout, filters.Role));
    }

    [Fact]
    public void Hostile_checkpoints_are_refused_by_name_and_nothing_runs()
    {
        var evil = Assert.Throws<InvalidDataException>(() => ModelFiles.Read(Fixtures.PathOf("hostile/evil_global.pt")));
        Assert.Contains("'posix.system'", evil.Message);
        Assert.Contains("allow-list", evil.Message);
        var whole = Assert.Throws<InvalidDataException>(() => ModelFiles.Read(Fixtures.PathOf("hostile/whole_model.pt")));
        Assert.Contains("__main__.Tiny", whole.Message);
        Assert.Contains("state_dict()", whole.Message);
        Assert.Contains("legacy", Assert.Throws<InvalidDataException>(() => ModelFiles.Read(Fixtures.PathOf("hostile/legacy.pt"))).Message);
        var missing = Assert.Throws<FileNotFoundException>(() => ModelFiles.Read(Fixtures.PathOf("hostile/missing_shard.safetensors.index.json")));
        Assert.Contains("absent-00001.safetensors", missing.Message);
    }

    [Fact]
    public void Constant_node_values_and_subgraph_initializers_follow_the_graph_initializers_with_their_hints()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("subgraphs.onnx"));
        Assert.Equal(["bias"], model.Graph!.InitializerNames);
        var hints = model.Tensors.ToDictionary(t => t.Name, t => (t.Layout, t.Role));
        Assert.Equal((TensorLayout.Unknown, ParameterRole.Bias), hints["bias"]);
        Assert.Equal((TensorLayout.InOut, ParameterRole.Weight), hints["W_main"]);
        Assert.Equal((TensorLayout.InOut, ParameterRole.Weight), hints["branch/then_branch/W_then"]);
        Assert.Equal((TensorLayout.InOut, ParameterRole.Weight), hints["branch/else_branch/W_else"]);
        Assert.NotNull(model.Graph.Nodes[^1].Attributes["then_branch"].Graph);
    }

    [Fact]
    public void TfJs_int32_weights_quantized_to_uint8_round_as_tfjs_does_and_separable_filters_are_weights()
    {
        const string manifest = """
            [{"paths": ["s.bin"], "weights": [
              {"name": "ids", "shape": [3], "dtype": "int32", "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}},
              {"name": "block/separable_conv0/depthwise_filter", "shape": [1, 1, 1, 1], "dtype": "float32"}]}]
            """;
        var shard = new byte[] { 0, 3, 4, 0, 0, 0x80, 0x3F };
        var model = ModelFiles.Read(new MemorySource("m.json", System.Text.Encoding.UTF8.GetBytes(manifest), new Dictionary<string, byte[]> { ["s.bin"] = shard }), ModelFormats.TfJs);
        var ids = model.Find("ids")!;
        Assert.Equal(DTypes.Int32, ids.DType);
        Assert.Equal([-1.0, 1, 1], ids.ReadDoubles()); // -1 + 0.5 * (0, 3, 4) = -1, 0.5, 1; Math.round(0.5) = 1
        var filter = model.Find("block/separable_conv0/depthwise_filter")!;
        Assert.Equal((TensorLayout.InOut, ParameterRole.Weight, 1.0), (filter.Layout, filter.Role, filter.ReadDoubles()[0]));
    }

    [Theory]
    [InlineData("../secret.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("shards/../../x")]
    public void Files_a_model_names_must_stay_in_its_directory(string location)
    {
        string index = "{\"weight_map\": {\"w\": \"" + location + "\"}}";
        var e = Assert.Throws<InvalidDataException>(() => ModelFiles.Read(new MemorySource("m.index.json", System.Text.Encoding.UTF8.GetBytes(index)), ModelFormats.Safetensors));
        Assert.Contains(location, e.Message);
        var manifest = "[{\"paths\": [\"" + location + "\"], \"weights\": []}]";
        Assert.Throws<InvalidDataException>(() => ModelFiles.Read(new MemorySource("model.json", System.Text.Encoding.UTF8.GetBytes(manifest)), ModelFormats.TfJs));
    }
}
