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
