using System.Text.Json;
using InitLab.Formats;
using InitLab.Tests.Formats;

namespace InitLab.Tests.Cli;

/// <summary><c>probe --compare</c>'s moment-engine column and <c>reinit --autoinit</c> on the committed MLP (64-128-128-10, relu) and CNN.</summary>
public sealed class ProbeMomentsAutoInitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("probe-moments-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Student's t, two-sided 0.1%, 3 degrees of freedom (4 seeds), from the table: the k of the finite-width tolerance.</summary>
    private const double T3 = 12.924;

    private static List<JsonElement> MomentNodes(JsonElement root) => root.GetProperty("compare").GetProperty("moments").GetProperty("nodes").EnumerateArray().ToList();

    [Fact]
    public void Probe_compare_puts_the_moment_prediction_of_the_files_weights_beside_onnx_runtime_with_the_finite_width_tolerance()
    {
        var (code, output, error) = CliTestHost.Run("probe", Fixtures.PathOf("mlp_init.onnx"), "--compare", "--batch", "64", "--seed", "3", "--json");
        Assert.Equal((0, ""), (code, error));
        using var doc = JsonDocument.Parse(output);
        var moments = doc.RootElement.GetProperty("compare").GetProperty("moments");
        Assert.Equal(JsonValueKind.Null, moments.GetProperty("refused").ValueKind);
        Assert.Equal(4, moments.GetProperty("spread_seeds").GetInt32());
        var nodes = MomentNodes(doc.RootElement);
        Assert.Equal(["/fc1/Gemm", "/Relu", "/fc2/Gemm", "/Relu_1", "/fc3/Gemm"], nodes.Select(n => n.GetProperty("name").GetString()));
        // The first layer's prediction, written independently: y = W x + b with x ~ N(0, I_64) and the file's weights taken as i.i.d. with
        // their own moments: Var(y) = 64 mean(W^2) + mean(b^2) - mean(b)^2.
        var model = ModelFiles.Read(Fixtures.PathOf("mlp_init.onnx"));
        double[] w = model.Find("fc1.weight")!.ReadDoubles(), b = model.Find("fc1.bias")!.ReadDoubles();
        double var1 = 64 * w.Average(x => x * x) + b.Average(x => x * x) - b.Average() * b.Average();
        Assert.Equal(Math.Sqrt(var1), nodes[0].GetProperty("predicted_std").GetDouble(), 1e-9);
        // Every node: the ratio from the two stds printed beside it, ORT's std as the probe's own trace measured it, and the tolerance
        // k sd sqrt(1 + 1/S) + sd^2 + 2/n with n the narrowest layer upstream (128, then 10 at the readout).
        var probeStd = doc.RootElement.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("name").GetString()!, n => n.GetProperty("std").GetDouble());
        int[] narrowest = [128, 128, 128, 128, 10];
        int[] widths = [128, 128, 128, 128, 10];
        for (int i = 0; i < nodes.Count; i++)
        {
            var n = nodes[i];
            double predicted = n.GetProperty("predicted_std").GetDouble(), measured = n.GetProperty("onnxruntime_std").GetDouble(), sd = n.GetProperty("log_variance_ratio_sd").GetDouble();
            Assert.Equal(probeStd[n.GetProperty("name").GetString()!], measured, 1e-12);
            double count = 64.0 * widths[i];
            double ratio = Math.Log(measured * measured * (count - 1) / count / (predicted * predicted));
            Assert.Equal(ratio, n.GetProperty("log_variance_ratio").GetDouble(), 1e-9);
            Assert.True(sd > 0 && sd < 0.2, $"{n}: sd {sd}");
            double tolerance = T3 * sd * Math.Sqrt(1.25) + sd * sd + 2.0 / narrowest[i] + 1e-5;
            Assert.Equal(tolerance, n.GetProperty("tolerance").GetDouble(), 1e-9);
            Assert.Equal(Math.Abs(ratio) <= tolerance, n.GetProperty("within").GetBoolean());
            Assert.True(n.GetProperty("within").GetBoolean(), n.ToString());
        }
        Assert.Equal(5, moments.GetProperty("within").GetInt32());
        var (tableCode, table, _) = CliTestHost.Run("probe", Fixtures.PathOf("mlp_init.onnx"), "--compare", "--batch", "64", "--seed", "3");
        Assert.Equal(0, tableCode);
        Assert.Contains("moment engine (infinite width) vs ONNX Runtime", table);
        Assert.Contains("moments: 5 of 5 nodes within finite-width error", table);
    }

    [Fact]
    public void Probe_compare_predicts_a_cnn_whose_batch_norm_holds_running_statistics()
    {
        // The CNN's batch norm holds running statistics (inference mode, given values): an affine map per channel, which the moment
        // engine treats exactly; every node is compared with ONNX Runtime's measurement.
        var (code, output, error) = CliTestHost.Run("probe", Fixtures.PathOf("cnn.onnx"), "--compare", "--batch", "64", "--seed", "3", "--json");
        Assert.Equal((0, ""), (code, error));
        using var doc = JsonDocument.Parse(output);
        var compare = doc.RootElement.GetProperty("compare");
        Assert.True(compare.GetProperty("agrees").GetBoolean());
        var moments = compare.GetProperty("moments");
        Assert.False(moments.TryGetProperty("refused", out var refused) && refused.ValueKind == JsonValueKind.String, "refused");
        Assert.Equal(8, moments.GetProperty("total").GetInt32());
        Assert.Equal(8, moments.GetProperty("within").GetInt32());
        Assert.Contains(moments.GetProperty("nodes").EnumerateArray(), n => n.GetRawText().Contains("batch_norm", StringComparison.Ordinal));
        // An input from a file: the prediction is for N(0, 1) input, so it is not compared either.
        var (fileCode, fileOut, _) = CliTestHost.Run("probe", Fixtures.PathOf("cnn.onnx"), "--compare", "--input", Fixtures.PathOf("cnn_input.npy"));
        Assert.Equal(0, fileCode);
        Assert.Single(fileOut.Split('\n'), l => l.StartsWith("moments: not compared (the moment engine predicts for an N(0, 1) input", StringComparison.Ordinal));
    }

    [Fact]
    public void Reinit_autoinit_treats_a_cnn_whose_batch_norm_holds_running_statistics()
    {
        // Refused before the moment engine treated inference-mode batch norm; now each weighted layer gets its scale.
        string written = Path.Combine(_dir, "cnn_autoinit.onnx");
        var (code, output, error) = CliTestHost.Run("reinit", Fixtures.PathOf("cnn.onnx"), "--autoinit", "--out", written, "--json");
        Assert.Equal((0, ""), (code, error));
        using var doc = JsonDocument.Parse(output);
        var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(3, layers.Count);
        Assert.All(layers, l => Assert.True(l.GetProperty("std").GetDouble() is > 0 and < 1));
        Assert.True(File.Exists(written));
    }

    [Fact]
    public void Reinit_autoinit_writes_an_onnx_model_whose_measured_std_is_the_target_within_finite_width_error()
    {
        string written = Path.Combine(_dir, "mlp_autoinit.onnx");
        var (code, output, error) = CliTestHost.Run("reinit", Fixtures.PathOf("mlp_trained.onnx"), "--autoinit", "--seed", "5", "--out", written, "--json");
        Assert.Equal((0, ""), (code, error));
        using var doc = JsonDocument.Parse(output);
        var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToList();
        // He's rule, written independently: 1/sqrt(64) on the unit-Gaussian input, sqrt(2/128) after each relu.
        Assert.Equal([1 / Math.Sqrt(64), Math.Sqrt(2.0 / 128), Math.Sqrt(2.0 / 128)], layers.Select(l => l.GetProperty("std").GetDouble()), (a, e) => Math.Abs(a - e) < 1e-6);
        Assert.Equal(0, doc.RootElement.GetProperty("add_scales_not_stored").GetInt32());
        // The file: the same graph, biases 0, weights with the chosen std (sample variance within 5 standard errors, sqrt(2/n) relative).
        var model = ModelFiles.Read(written);
        Assert.Equal(6, model.Tensors.Count);
        foreach (var (name, std) in new[] { ("fc1", 0.125), ("fc2", 0.125), ("fc3", 0.125) })
        {
            Assert.All(model.Find(name + ".bias")!.ReadDoubles(), x => Assert.Equal(0, x));
            var v = model.Find(name + ".weight")!.ReadDoubles();
            double variance = v.Average(x => x * x);
            Assert.True(Math.Abs(variance / (std * std) - 1) < 5 * Math.Sqrt(2.0 / v.Length), $"{name}: variance {variance}");
        }
        // ONNX Runtime on the written model: every weighted node's measured std is the target 1 within the finite-width tolerance.
        var (probeCode, probeOut, _) = CliTestHost.Run("probe", written, "--compare", "--batch", "64", "--seed", "9", "--json");
        Assert.Equal(0, probeCode);
        using var probe = JsonDocument.Parse(probeOut);
        var linears = MomentNodes(probe.RootElement).Where(n => n.GetProperty("op").GetString() == "linear").ToList();
        Assert.Equal(3, linears.Count);
        int[] widths = [128, 128, 10];
        for (int i = 0; i < 3; i++)
        {
            double measured = linears[i].GetProperty("onnxruntime_std").GetDouble(), count = 64.0 * widths[i];
            double logRatio = Math.Log(measured * measured * (count - 1) / count);
            Assert.True(Math.Abs(logRatio) <= linears[i].GetProperty("tolerance").GetDouble(), $"{linears[i]}: ln(var / 1) = {logRatio}");
        }
        // The same library call as autoinit --onnx --out: the same seed writes the same bytes.
        string viaAutoinit = Path.Combine(_dir, "via_autoinit.onnx");
        Assert.Equal(0, CliTestHost.Run("autoinit", "--onnx", Fixtures.PathOf("mlp_trained.onnx"), "--seed", "5", "--out", viaAutoinit).Code);
        Assert.Equal(File.ReadAllBytes(viaAutoinit), File.ReadAllBytes(written));
    }
}
