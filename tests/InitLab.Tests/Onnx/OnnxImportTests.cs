using System.Text;
using InitLab.Formats;
using InitLab.Formats.Onnx;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Onnx;
using InitLab.Tests.Formats;

namespace InitLab.Tests.Onnx;

/// <summary>
/// ONNX models imported into InitLab's graph: every supported op mapped as the node list says, and InitLab's explicit engine
/// agreeing with ONNX Runtime node by node to float tolerance (same weights, same input), on the committed fixtures (made by
/// tests/fixtures/make_onnx_ops.py and make_fixtures.py) and on a real trained ResNet-18, with trained and re-initialized weights.
/// </summary>
public sealed class OnnxImportTests
{
    private static ModelFile Read(string name) => ModelFiles.Read(Fixtures.PathOf(name));

    private static OnnxComparison Compare(string name, int batch = 2, Initializer? scheme = null, ModelTensor? input = null) =>
        OnnxCompare.Run(Read(name), new ProbeOptions { Batch = batch, Scheme = scheme, Seed = 3, Input = input });

    private static void AssertAgrees(OnnxComparison c)
    {
        Assert.NotEmpty(c.Nodes);
        foreach (var n in c.Nodes)
            Assert.True(n.Agreement.Agrees, $"{n.Node.Node} ({n.Node.OnnxOp} as {n.Node.Op}): chain {n.Agreement.ChainRatio}, local {n.Agreement.LocalRatio}");
        // The explicit engine's own trace (its input drawn the probe's way) measures what ONNX Runtime measured.
        foreach (var n in c.Nodes)
            Assert.True(Math.Abs(n.Explicit.Std - n.OnnxRuntime.Std) <= 1e-5 * (1e-3 + n.OnnxRuntime.Std), $"{n.Node.Node}: std {n.Explicit.Std} vs {n.OnnxRuntime.Std}");
    }

    [Fact]
    public void Dense_ops_map_one_to_one_and_agree_with_onnx_runtime()
    {
        var c = Compare("ops/dense.onnx");
        Assert.Equal(
            [("Gemm", "linear"), ("LeakyRelu", "leaky_relu"), ("Gemm", "linear"), ("Tanh", "tanh"), ("MatMul+Add", "linear"), ("Sigmoid", "sigmoid"),
             ("Softplus", "softplus"), ("Neg", "scale"), ("Elu", "elu"), ("Selu", "selu"), ("Erf", "erf"), ("Softmax", "softmax")],
            c.Import.Nodes.Select(n => (n.OnnxOp, n.Op)));
        AssertAgrees(c);
        // Gemm with transB = 0 and alpha = 0.5: the linear weight is 0.5 B^T; beta = 2 scales the (1, 5) bias.
        var model = Read("ops/dense.onnx");
        var b = model.Find("W1")!.ReadSingles();
        var w = c.Import.Parameters["gemm_alpha_beta.weight"];
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 5; j++) Assert.Equal((float)(0.5 * b[i * 5 + j]), w[j * 6 + i]);
        Assert.Equal(model.Find("C1")!.ReadSingles().Select(v => 2 * v), c.Import.Parameters["gemm_alpha_beta.bias"]);
        Assert.Equal(new ImportedParameter("gemm_alpha_beta.weight", "W1", true, 0.5), c.Import.Sources[0]);
        Assert.All(c.Import.Parameters["gemm_transB.bias"], v => Assert.Equal(0.25f, v)); // a scalar C broadcast to every output
    }

    [Fact]
    public void Convolution_and_pooling_attributes_map_faithfully_and_agree_with_onnx_runtime()
    {
        var c = Compare("ops/conv.onnx", batch: 3);
        Assert.Equal(
            ["conv", "relu", "conv", "batch_norm", "affine", "scale", "affine", "scale", "affine", "max_pool", "avg_pool", "avg_pool", "global_avg_pool", "flatten", "linear"],
            c.Import.Nodes.Select(n => n.Op));
        var g = c.Import.Graph;
        var grouped = (InitLab.Networks.Ops.ConvOp)g["conv_grouped"].Op;
        Assert.Equal(2, grouped.Groups);
        Assert.Equal([1, 0], grouped.Padding);
        Assert.Equal([2, 1], grouped.PaddingEnd!);
        var same = (InitLab.Networks.Ops.ConvOp)g["conv_same_upper"].Op;
        // SAME_UPPER, kernel 4, stride 2 on 10 x 5: outputs 5 x 3, total padding 2 and 3, the odd one at the end.
        Assert.Equal([1, 1], same.Padding);
        Assert.Equal([1, 2], same.PaddingEnd!);
        Assert.True(((InitLab.Networks.Ops.BatchNormOp)g["bn"].Op).RunningStats);
        var pool = (InitLab.Networks.Ops.PoolOp)g["maxpool_ceil"].Op;
        Assert.True(pool.CeilMode);
        Assert.Equal(new InitLab.Tensors.Shape(8, 3, 2), g["maxpool_ceil"].Shape);
        AssertAgrees(c);
    }

    [Fact]
    public void Conv1d_sum_mean_concat_and_reshapes_agree_with_onnx_runtime()
    {
        var c = Compare("ops/conv1d.onnx");
        Assert.Equal(["conv", "conv", "add", "add", "concat", "identity", "reshape", "reshape", "reshape"], c.Import.Nodes.Select(n => n.Op));
        Assert.Equal([1.0 / 2, 1.0 / 2], ((InitLab.Networks.Ops.AddOp)c.Import.Graph["mean2"].Op).Scales!);
        AssertAgrees(c);
    }

    [Fact]
    public void Opset_20_gelu_and_mish_agree_with_onnx_runtime() => AssertAgrees(Compare("ops/gelu_mish.onnx"));

    [Fact]
    public void What_pytorch_exports_imports_and_agrees_with_onnx_runtime()
    {
        // x.view(x.size(0), -1) through Shape, Gather, Unsqueeze, Concat and Reshape; GELU as Erf arithmetic (scale, erf, mul);
        // LayerNormalization; inference BatchNormalization; a residual Add.
        var c = Compare("ops/torch_net.onnx", batch: 3);
        Assert.Equal(
            ["conv", "batch_norm", "relu", "max_pool", "reshape", "linear", "layer_norm", "linear", "scale", "erf", "scale", "mul", "scale", "add", "linear", "softmax"],
            c.Import.Nodes.Select(n => n.Op));
        Assert.Equal(new InitLab.Tensors.Shape(96), c.Import.Graph["/Reshape"].Shape);
        AssertAgrees(c);
    }

    [Theory]
    [InlineData("cnn.onnx", null)]
    [InlineData("cnn.onnx", "kaiming_normal")]
    [InlineData("cnn_old_inputs.onnx", null)]
    [InlineData("mlp_trained.onnx", null)]
    [InlineData("mlp_init.onnx", "orthogonal")]
    public void The_committed_fixtures_agree_with_onnx_runtime_with_their_own_and_fresh_weights(string name, string? scheme) =>
        AssertAgrees(Compare(name, scheme: scheme is null ? null : Schemes.Create(scheme)));

    [Fact]
    public void The_transformer_fixture_reads_token_ids_through_its_embedding_and_agrees_with_onnx_runtime()
    {
        var ids = ModelTensor.FromBytes("ids", [1, 5], DTypes.Int64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new long[] { 1, 7, 3, 49, 0 }.AsSpan()));
        var c = Compare("transformer.onnx", input: ids);
        Assert.Equal(["embedding", "layer_norm", "linear", "scale", "erf", "scale", "mul", "scale", "linear", "add"], c.Import.Nodes.Select(n => n.Op));
        Assert.Equal(50, ((InitLab.Networks.Ops.InputOp)c.Import.Graph["ids"].Op).Vocab);
        AssertAgrees(c);
    }

    [Fact]
    public void A_real_resnet18_agrees_with_onnx_runtime_with_trained_and_reinitialized_weights()
    {
        var model = ModelFiles.Read(RealModelTests.ResNet18Path);
        var trained = OnnxCompare.Run(model, new ProbeOptions { Batch = 1 });
        var counts = trained.Import.Nodes.GroupBy(n => n.Op).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["conv"] = 22, ["batch_norm"] = 22, ["relu"] = 19, ["add"] = 9, ["max_pool"] = 1, ["avg_pool"] = 1 }, counts);
        // The CNTK export pads the 7x7 stem asymmetrically (3 before, 2 after) and its max-pool (1 before, 0 after).
        Assert.Equal([2, 2], ((InitLab.Networks.Ops.ConvOp)trained.Import.Graph["Convolution249"].Op).PaddingEnd!);
        AssertAgrees(trained);
        var fresh = OnnxCompare.Run(model, new ProbeOptions { Batch = 1, Scheme = Schemes.Create("kaiming_normal") });
        AssertAgrees(fresh);
        // Same weights on both sides: the re-initialized import holds what ModelReinit wrote and the probe replaced.
        Assert.All(fresh.Import.Graph.Parameters.Where(p => p.Role == ParameterRole.Weight), p => Assert.Equal("kaiming_normal", p.Initializer.Name));
        Assert.All(fresh.Import.Graph.Parameters.Where(p => p.Role == ParameterRole.RunningVariance), p => Assert.All(fresh.Import.Parameters[p], v => Assert.Equal(1f, v)));
    }

    [Fact]
    public void The_imported_graph_runs_on_the_explicit_engine_with_the_files_weights_and_the_probes_input()
    {
        var model = Read("cnn.onnx");
        var import = OnnxGraphImport.Import(model);
        Assert.All(import.Graph.Parameters, p => Assert.Equal("file", p.Initializer.Name));
        var trace = ExplicitGraphEngine.Run(import.Graph, new ExplicitOptions { Batch = 2, Seed = 9 });
        var probe = OnnxProbe.Run(model, new ProbeOptions { Batch = 2, Seed = 9 });
        // The input node draws N(0, 1) from the probe's stream: the same input, so the same statistics to float tolerance.
        Assert.Equal(probe.Input.Mean, trace.Nodes[0].Mean, 12);
        Assert.Equal(probe.Nodes[^1].Std, trace.Nodes[^1].Std, 6);
        // With backward, the imported graph gives gradients for every parameter.
        var back = ExplicitGraphEngine.Run(import.Graph, new ExplicitOptions { Batch = 2, Backward = true });
        Assert.All(back.Nodes.Where(n => n.Parameters.Count > 0), n => Assert.True(n.ParamGradNorm > 0, n.Name));
    }

    [Fact]
    public void New_values_are_written_back_to_the_initializers_transposed_and_unscaled()
    {
        var model = Read("ops/dense.onnx");
        var import = OnnxGraphImport.Import(model);
        var doubled = NetworkParameters<float>.From(import.Graph, import.Graph.Parameters.ToDictionary(p => p.FullName, p => import.Parameters[p].Select(v => 2 * v).ToArray()));
        var tensors = import.WriteBack(model, doubled);
        Assert.Equal(["W1", "C1", "W2", "W3", "b3"], tensors.Select(t => t.Name)); // C2 (a scalar broadcast to 7 biases) is not an exact image
        var rewritten = model.WithTensors(tensors);
        foreach (var name in new[] { "W1", "C1", "W2", "W3", "b3" })
            Assert.Equal(model.Find(name)!.ReadSingles().Select(v => 2 * v), rewritten.Find(name)!.ReadSingles());
        // Re-importing the rewritten model gives the doubled parameters back (alpha, beta and the transposes undone and redone).
        var again = OnnxGraphImport.Import(rewritten);
        foreach (var p in import.Graph.Parameters.Where(p => p.FullName != "gemm_transB.bias"))
            Assert.Equal(doubled[p.FullName], again.Parameters[p.FullName]);
    }

    [Fact]
    public void Ops_the_graph_cannot_express_are_one_error_naming_the_node_and_its_op_type()
    {
        var e = Assert.Throws<ArgumentException>(() => OnnxGraphImport.Import(Read("ops/unsupported.onnx")));
        Assert.StartsWith("node 'the_transpose' (Transpose): InitLab's graph has no op for ONNX Transpose", e.Message);
        // "Relu" renamed "Relx" (same length, so the protobuf stays valid): never silently the identity.
        var text = Encoding.Latin1.GetString(File.ReadAllBytes(Fixtures.PathOf("cnn.onnx"))).Replace("Relu", "Relx");
        var dir = Directory.CreateTempSubdirectory("import-");
        try
        {
            string path = Path.Combine(dir.FullName, "bogus.onnx");
            File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text));
            var bogus = Assert.Throws<ArgumentException>(() => OnnxGraphImport.Import(ModelFiles.Read(path)));
            Assert.StartsWith("node '/Relx' (Relx): InitLab's graph has no op for ONNX Relx", bogus.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
        Assert.Contains("only ONNX models have a graph", Assert.Throws<ArgumentException>(() => OnnxGraphImport.Import(Read("cnn.pt"))).Message);
    }

    [Theory]
    [InlineData("ops/activations.onnx")]
    [InlineData("ops/activations20.onnx")]
    public void Onnx_runtimes_activations_meet_the_error_rules_accuracy_assumption_on_a_dense_grid(string name)
    {
        // The activation rule assumes both implementations within TranscendentalUnits u (|y| + |x| + 1) of phi(x) (InitLab's
        // within 1 ulp): ONNX Runtime's MLAS kernels on 40,001 points of [-20, 20] plus tiny, huge and subnormal arguments.
        var grid = Enumerable.Range(0, 40001).Select(i => (float)(-20 + 40.0 * i / 40000))
            .Concat([1e-30f, -1e-30f, 1e-40f, -3e-5f, 2e-5f, 80f, -80f, 1e10f, -1e10f, 0f]).ToArray();
        var input = ModelTensor.FromSingles("x", [grid.Length, 1], grid);
        var c = OnnxCompare.Run(Read(name), new ProbeOptions { Input = input });
        Assert.Equal(Read(name).Graph!.Nodes.Count, c.Nodes.Count);
        foreach (var n in c.Nodes)
            Assert.True(n.Agreement.LocalRatio <= 1, $"{n.Node.Node}: largest |difference| / tolerance {n.Agreement.LocalRatio}");
    }
}
