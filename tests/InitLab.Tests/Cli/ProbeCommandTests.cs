using System.Text.Json;
using InitLab.Tests.Formats;

namespace InitLab.Tests.Cli;

public sealed class ProbeCommandTests
{
    private static string Cnn => Fixtures.PathOf("cnn.onnx");

    [Fact]
    public void Probe_json_has_the_trace_keys_the_config_and_the_logits_statistics()
    {
        var (code, output, error) = CliTestHost.Run("probe", Cnn, "--input", Fixtures.PathOf("cnn_input.npy"), "--json");
        Assert.Equal((0, ""), (code, error));
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(("onnxruntime", "trained", 2), (root.GetProperty("engine").GetString(), root.GetProperty("weights").GetString(), root.GetProperty("batch").GetInt32()));
        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(8, nodes.Count);
        var last = nodes[^1];
        Assert.Equal("Gemm", last.GetProperty("op").GetString());
        Assert.Equal([10], last.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()));
        var logits = Fixtures.Root.GetProperty("cnn_logits").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(logits.Max(), last.GetProperty("max").GetDouble(), 1e-5);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("first_nonfinite_node").ValueKind);
        var diagnosis = root.GetProperty("diagnosis");
        Assert.Equal("stable", diagnosis.GetProperty("verdict").GetString());
        Assert.Equal(3, diagnosis.GetProperty("weighted_layers").GetInt32());
        Assert.Equal("probe", root.GetProperty("config").GetProperty("command").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("config").GetProperty("options").GetProperty("scheme").ValueKind);
    }

    [Fact]
    public void Probe_table_names_the_weights_the_nodes_and_the_diagnosis()
    {
        var (code, output, _) = CliTestHost.Run("probe", Cnn, "--scheme", "zeros", "--batch", "2");
        Assert.Equal(0, code);
        Assert.Contains("zeros weights (10 initializers replaced)", output);
        Assert.Contains("batch 2", output);
        Assert.Contains("3x16x16", output);
        Assert.Contains("/conv2/Conv", output);
        Assert.Contains("diagnosis: vanishing over 3 weighted layers", output);
        Assert.Contains("advice:", output);
    }

    [Fact]
    public void Probe_compare_puts_the_explicit_engine_beside_onnx_runtime_per_node_with_the_float_tolerance()
    {
        var (code, output, error) = CliTestHost.Run("probe", Cnn, "--input", Fixtures.PathOf("cnn_input.npy"), "--compare", "--json");
        Assert.Equal((0, ""), (code, error));
        using var doc = JsonDocument.Parse(output);
        var compare = doc.RootElement.GetProperty("compare");
        Assert.True(compare.GetProperty("agrees").GetBoolean());
        var nodes = compare.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(["conv", "relu", "batch_norm", "conv", "relu", "global_avg_pool", "flatten", "linear"], nodes.Select(n => n.GetProperty("op").GetString()));
        Assert.Equal("Gemm", nodes[^1].GetProperty("onnx_op").GetString());
        foreach (var n in nodes)
        {
            Assert.True(n.GetProperty("local_tolerance_ratio").GetDouble() <= 1);
            Assert.True(n.GetProperty("chain_tolerance_ratio").GetDouble() <= 1);
            Assert.Equal(n.GetProperty("onnxruntime_std").GetDouble(), n.GetProperty("explicit_std").GetDouble(), 5);
        }
        // The probe's own trace is still there: the same node keys as propagate's.
        Assert.Equal(8, doc.RootElement.GetProperty("nodes").GetArrayLength());
        Assert.Equal(6, compare.GetProperty("by_onnx_op").GetArrayLength());

        var (tableCode, table, _) = CliTestHost.Run("probe", Cnn, "--batch", "2", "--compare", "--scheme", "kaiming_normal");
        Assert.Equal(0, tableCode);
        Assert.Contains("worst per ONNX op type", table);
        Assert.Contains("agreement: every node within float tolerance", table);
    }

    [Fact]
    public void Propagate_onnx_runs_the_imported_graph_with_the_files_weights_or_fresh_ones_on_the_probes_input()
    {
        var (code, output, error) = CliTestHost.Run("propagate", "--onnx", Cnn, "--batch", "2", "--seed", "4", "--json");
        Assert.Equal((0, ""), (code, error));
        using var doc = JsonDocument.Parse(output);
        var nodes = doc.RootElement.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(["input", "conv", "relu", "batch_norm", "conv", "relu", "global_avg_pool", "flatten", "linear"], nodes.Select(n => n.GetProperty("op").GetString()));
        Assert.Equal("file", doc.RootElement.GetProperty("init").GetString());
        var bn = nodes[3].GetProperty("parameters").EnumerateArray().ToList();
        Assert.Equal(["scale", "shift", "running_mean", "running_var"], bn.Select(p => p.GetProperty("role").GetString()));
        Assert.All(bn, p => Assert.Equal("file", p.GetProperty("init").GetString()));
        // The same input and weights as the probe with the same seed and batch: the same statistics.
        var (_, probeOut, _) = CliTestHost.Run("probe", Cnn, "--batch", "2", "--seed", "4", "--json");
        using var probe = JsonDocument.Parse(probeOut);
        Assert.Equal(probe.RootElement.GetProperty("nodes")[7].GetProperty("std").GetDouble(), nodes[8].GetProperty("std").GetDouble(), 6);

        var (freshCode, fresh, _) = CliTestHost.Run("propagate", "--onnx", Cnn, "--init", "kaiming_normal", "--batch", "2", "--json");
        Assert.Equal(0, freshCode);
        using var f = JsonDocument.Parse(fresh);
        var conv = f.RootElement.GetProperty("nodes")[1].GetProperty("parameters").EnumerateArray().ToList();
        Assert.Equal(["kaiming_normal", "zeros"], conv.Select(p => p.GetProperty("init").GetString()));
    }

    [Fact]
    public void Lsuv_onnx_writes_a_model_whose_probe_measures_unit_variance_at_every_weighted_node()
    {
        var dir = Directory.CreateTempSubdirectory("lsuv-onnx-").FullName;
        try
        {
            string written = Path.Combine(dir, "cnn_lsuv.onnx");
            var (code, output, error) = CliTestHost.Run("lsuv", "--onnx", Cnn, "--batch", "4", "--seed", "2", "--tolerance", "0.02", "--out", written, "--json");
            Assert.Equal((0, ""), (code, error));
            using var doc = JsonDocument.Parse(output);
            var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToList();
            Assert.Equal([("/conv1/Conv", "conv"), ("/conv2/Conv", "conv"), ("/fc/Gemm", "linear")], layers.Select(l => (l.GetProperty("node").GetString(), l.GetProperty("op").GetString())));
            Assert.True(doc.RootElement.GetProperty("converged").GetBoolean());
            Assert.Equal(written, doc.RootElement.GetProperty("output").GetString());
            // ONNX Runtime on the written model, the same Gaussian batch (seed and batch): every weighted node's std is the one LSUV
            // reported, within the tolerance of 1 (|Var - 1| < 0.02 means |std - 1| < 0.01).
            var (probeCode, probeOut, _) = CliTestHost.Run("probe", written, "--batch", "4", "--seed", "2", "--json");
            Assert.Equal(0, probeCode);
            using var probe = JsonDocument.Parse(probeOut);
            var byName = probe.RootElement.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!, n => n.GetProperty("std").GetDouble());
            foreach (var l in layers)
            {
                double std = byName[l.GetProperty("node").GetString()!];
                Assert.True(Math.Abs(std * std - 1) < 0.02, $"{l.GetProperty("node")}: std {std}");
                Assert.Equal(l.GetProperty("std").GetDouble(), std, 1e-4);
            }
            // Without --out nothing is written; a family graph runs from its own orthogonal pre-init.
            var (familyCode, family, familyError) = CliTestHost.Run("lsuv", "--model", "resnet:blocks=2,width=8,size=8", "--batch", "4", "--json");
            Assert.Equal((0, ""), (familyCode, familyError));
            using var f = JsonDocument.Parse(family);
            Assert.Equal(6, f.RootElement.GetProperty("layers").GetArrayLength());
            Assert.Single(Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_op_the_graph_lacks_is_one_line_naming_the_node_and_exit_code_2()
    {
        foreach (var args in new[] { new[] { "propagate", "--onnx", Fixtures.PathOf("ops/unsupported.onnx") }, ["probe", Fixtures.PathOf("ops/unsupported.onnx"), "--compare"] })
        {
            var (code, output, error) = CliTestHost.Run(args);
            Assert.Equal((2, ""), (code, output));
            Assert.Contains("node 'the_transpose' (Transpose): InitLab's graph has no op for ONNX Transpose", error);
            Assert.Single(error.TrimEnd('\n').Split('\n'));
        }
        // The probe alone runs it (ONNX Runtime has the op).
        Assert.Equal(0, CliTestHost.Run("probe", Fixtures.PathOf("ops/unsupported.onnx")).Code);
    }

    [Theory]
    [InlineData("cnn.pt' reads as pytorch; probe runs ONNX models", "probe", "{fixtures}/cnn.pt")]
    [InlineData("--batch does not apply with --input", "probe", "{fixtures}/cnn.onnx", "--input", "{fixtures}/cnn_input.npy", "--batch", "2")]
    [InlineData("--gain applies only with --scheme", "probe", "{fixtures}/cnn.onnx", "--gain", "2")]
    [InlineData("does not exist", "probe", "{fixtures}/absent.onnx")]
    [InlineData("is not a .npy array", "probe", "{fixtures}/cnn.onnx", "--input", "{fixtures}/cnn.onnx")]
    [InlineData("expects 'image' of shape (batch, 3, 16, 16)", "probe", "{fixtures}/cnn.onnx", "--input", "{fixtures}/cnn_input_wrong.npy")]
    [InlineData("--batch must be", "probe", "{fixtures}/cnn.onnx", "--batch", "0")]
    [InlineData("a Gaussian input needs float32", "probe", "{fixtures}/transformer.onnx")]
    [InlineData("is not a model file InitLab reads", "probe", "{fixtures}/tfjs/group1-shard1of2.bin")]
    [InlineData("Relx", "probe", "{fixtures}/bogus_op.onnx")]
    public void Bad_input_is_one_line_on_stderr_exit_code_2_and_no_output(string expected, params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("probe-cli-").FullName;
        // Files made here: an input of the wrong spatial size, and the CNN with an op ONNX Runtime lacks ("Relu" renamed "Relx").
        InitLab.Formats.Npy.NpyFormat.Write(Path.Combine(dir, "cnn_input_wrong.npy"), new float[2 * 3 * 8 * 8], new InitLab.Tensors.Shape(2, 3, 8, 8));
        var bytes = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(Cnn)).Replace("Relu", "Relx");
        File.WriteAllBytes(Path.Combine(dir, "bogus_op.onnx"), System.Text.Encoding.Latin1.GetBytes(bytes));
        string Resolve(string a) => a.Replace("{fixtures}/cnn_input_wrong.npy", Path.Combine(dir, "cnn_input_wrong.npy"))
            .Replace("{fixtures}/bogus_op.onnx", Path.Combine(dir, "bogus_op.onnx")).Replace("{fixtures}", Fixtures.Directory);
        var (code, output, error) = CliTestHost.Run(args.Select(Resolve).ToArray());
        Directory.Delete(dir, recursive: true);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }
}
