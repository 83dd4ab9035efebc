using System.Text;
using InitLab.Formats;
using InitLab.Initializers;
using InitLab.Onnx;
using InitLab.Propagation;
using InitLab.Tests.Formats;

namespace InitLab.Tests.Onnx;

public sealed class OnnxProbeTests
{
    private static ModelFile Cnn => ModelFiles.Read(Fixtures.PathOf("cnn.onnx"));

    private static ModelTensor CnnInput => ModelFiles.Read(Fixtures.PathOf("cnn_input.npy")).Tensors[0];

    [Fact]
    public void The_probe_of_the_cnn_fixture_measures_the_logits_pytorch_computed()
    {
        var trace = OnnxProbe.Run(Cnn, new ProbeOptions { Input = CnnInput });
        Assert.Equal(["Conv", "Relu", "BatchNormalization", "Conv", "Relu", "GlobalAveragePool", "Flatten", "Gemm"], trace.Nodes.Select(n => n.Op));
        Assert.Equal(("trained", "file", 2), (trace.Weights, trace.InputSource, trace.Batch));
        Assert.Empty(trace.Replaced);
        var logits = Fixtures.Root.GetProperty("cnn_logits").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var last = trace.Nodes[^1];
        Assert.Equal(new InitLab.Tensors.Shape(10), last.Shape);
        double mean = logits.Average(), ms = logits.Average(v => v * v);
        double std = Math.Sqrt(logits.Sum(v => (v - mean) * (v - mean)) / (logits.Length - 1));
        Assert.Equal(mean, last.Mean, 1e-5);
        Assert.Equal(std, last.Std, 1e-5);
        Assert.Equal(ms, last.MeanSquare, 1e-5);
        Assert.Equal(logits.Min(), last.Min, 1e-5);
        Assert.Equal(logits.Max(), last.Max, 1e-5);
        Assert.Equal(["/conv1/Conv", "/conv2/Conv", "/fc/Gemm"], trace.WeightedLayers);
    }

    [Fact]
    public void A_scheme_replaces_the_initializers_in_memory_and_conv1_measures_a_direct_convolution_with_the_new_weights()
    {
        var scheme = Schemes.Create("kaiming_normal");
        var trace = OnnxProbe.Run(Cnn, new ProbeOptions { Input = CnnInput, Scheme = scheme, Seed = 11 });
        Assert.Equal("kaiming_normal", trace.Weights);
        Assert.Contains("conv1.weight", trace.Replaced);
        Assert.Contains("bn1.running_var", trace.Replaced);
        // The same weights, drawn again, through a direct 3x3 convolution (padding 1, bias 0) of the same input.
        var (reinit, _) = ModelReinit.Apply(Cnn, scheme, 11);
        var w = reinit.Find("conv1.weight")!.ReadSingles();
        Assert.All(reinit.Find("conv1.bias")!.ReadSingles(), b => Assert.Equal(0f, b));
        var x = CnnInput.ReadSingles();
        var y = new List<double>();
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < 8; o++)
                for (int i = 0; i < 16; i++)
                    for (int j = 0; j < 16; j++)
                    {
                        double sum = 0;
                        for (int c = 0; c < 3; c++)
                            for (int di = -1; di <= 1; di++)
                                for (int dj = -1; dj <= 1; dj++)
                                {
                                    int ii = i + di, jj = j + dj;
                                    if (ii is < 0 or >= 16 || jj is < 0 or >= 16) continue;
                                    sum += w[((o * 3 + c) * 3 + di + 1) * 3 + dj + 1] * x[((n * 3 + c) * 16 + ii) * 16 + jj];
                                }
                        y.Add(sum);
                    }
        double mean = y.Average();
        double std = Math.Sqrt(y.Sum(v => (v - mean) * (v - mean)) / (y.Count - 1));
        var conv1 = trace.Nodes[0];
        Assert.Equal(mean, conv1.Mean, 1e-5);
        Assert.Equal(std, conv1.Std, 1e-5);
        // Fresh BatchNorm buffers (mean 0, variance 1, scale 1, shift 0) pass the ReLU output through, divided by sqrt(1 + eps).
        Assert.Equal(trace.Nodes[1].Std / Math.Sqrt(1 + 1e-5), trace.Nodes[2].Std, 1e-6);
    }

    [Fact]
    public void Zero_weights_give_zero_logits_and_a_vanishing_verdict()
    {
        var trace = OnnxProbe.Run(Cnn, new ProbeOptions { Scheme = Schemes.Create("zeros"), Batch = 3 });
        Assert.Equal(("gaussian", 3), (trace.InputSource, trace.Batch));
        Assert.Equal(1.0, trace.Nodes[^1].ZeroFraction);
        Assert.Equal(Verdict.Vanishing, trace.Diagnosis.Verdict);
        Assert.Equal(new InitLab.Tensors.Shape(3, 16, 16), trace.Input.Shape);
    }

    [Fact]
    public void The_same_seed_gives_the_same_trace_and_another_seed_another_input()
    {
        var a = OnnxProbe.Run(Cnn, new ProbeOptions { Seed = 5 });
        var b = OnnxProbe.Run(Cnn, new ProbeOptions { Seed = 5 });
        var c = OnnxProbe.Run(Cnn, new ProbeOptions { Seed = 6 });
        Assert.Equal(a.Nodes.Select(Values), b.Nodes.Select(Values));
        Assert.NotEqual(a.Input.Mean, c.Input.Mean);
    }

    private static string Values(InitLab.Networks.NodeTrace n) => $"{n.Name} {n.Shape} {n.Mean:R} {n.Std:R} {n.Min:R} {n.Max:R} {n.Correlation:R}";

    [Fact]
    public void Integer_inputs_come_from_a_file_and_the_transformer_runs_through_layer_normalization()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("transformer.onnx"));
        var gaussian = Assert.Throws<ArgumentException>(() => OnnxProbe.Run(model, new ProbeOptions()));
        Assert.Contains("int64", gaussian.Message);
        var ids = ModelTensor.FromBytes("ids", [1, 5], DTypes.Int64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new long[] { 1, 7, 3, 49, 0 }.AsSpan()));
        var trace = OnnxProbe.Run(model, new ProbeOptions { Input = ids });
        Assert.Contains(trace.Nodes, n => n.Op == "LayerNormalization");
        // Layer normalization with weight 1 and bias 0 (fresh nn.LayerNorm): each token's 16 features have mean 0 and mean square 1 - eps-ish.
        var ln = trace.Nodes.First(n => n.Op == "LayerNormalization");
        Assert.Equal(0, ln.Mean, 1e-6);
        Assert.Equal(1, ln.MeanSquare, 1e-4);
    }

    [Fact]
    public void Bad_inputs_and_ops_onnx_runtime_lacks_are_clear_errors()
    {
        var wrong = ModelTensor.FromSingles("x", [2, 3, 8, 8], new float[2 * 3 * 64]);
        Assert.Contains("expects 'image' of shape (batch, 3, 16, 16)", Assert.Throws<ArgumentException>(() => OnnxProbe.Run(Cnn, new ProbeOptions { Input = wrong })).Message);
        var notOnnx = ModelFiles.Read(Fixtures.PathOf("cnn.pt"));
        Assert.Contains("probe runs ONNX models", Assert.Throws<ArgumentException>(() => OnnxProbe.Run(notOnnx, new ProbeOptions())).Message);
        Assert.Throws<ArgumentException>(() => OnnxProbe.Run(Cnn, new ProbeOptions { Batch = 0 }));
        // An op ONNX Runtime does not implement: "Relu" renamed "Relx" (same length, so the protobuf stays valid).
        var bytes = File.ReadAllBytes(Fixtures.PathOf("cnn.onnx"));
        var text = Encoding.Latin1.GetString(bytes).Replace("Relu", "Relx");
        var dir = Directory.CreateTempSubdirectory("probe-");
        try
        {
            string path = Path.Combine(dir.FullName, "bogus.onnx");
            File.WriteAllBytes(path, Encoding.Latin1.GetBytes(text));
            var e = Assert.Throws<InvalidDataException>(() => OnnxProbe.Run(ModelFiles.Read(path), new ProbeOptions()));
            Assert.Contains("ONNX Runtime cannot", e.Message);
            Assert.Contains("Relx", e.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void ResNet18_trained_weights_are_stable_and_kaiming_normal_in_inference_mode_explodes_through_the_residual_stream()
    {
        var model = ModelFiles.Read(RealModelTests.ResNet18Path);
        var trained = OnnxProbe.Run(model, new ProbeOptions { Batch = 1 });
        var kaiming = OnnxProbe.Run(model, new ProbeOptions { Batch = 1, Scheme = Schemes.Create("kaiming_normal") });
        Assert.Equal(74, trained.Nodes.Count);
        Assert.Equal(22, trained.WeightedLayers.Count);
        Assert.Equal(110, kaiming.Replaced.Count);
        Assert.Equal(Verdict.Stable, trained.Diagnosis.Verdict);
        Assert.Equal(Verdict.Exploding, kaiming.Diagnosis.Verdict);
        // Each of the 9 residual additions (this CNTK export has 9 basic blocks) adds a branch of about the stream's own variance: the final std is an order
        // of magnitude above the trained model's, which learned to keep it near 1.
        Assert.True(kaiming.Nodes[^1].Std > 10 * trained.Nodes[^1].Std, $"{kaiming.Nodes[^1].Std} vs {trained.Nodes[^1].Std}");
        Assert.Contains("residual additions", kaiming.Diagnosis.Advice);
        Assert.Equal(0, trained.Nodes.Sum(n => n.NonFinite));
    }
}
