using System.Text.Json;
using InitLab.Cli;

namespace InitLab.Tests.Cli;

public class LabCommandsTests
{
    [Fact]
    public void Propagate_json_has_the_design_md_shape()
    {
        var r = CliHarness.Run("propagate", "--width", "64", "--depth", "5", "--act", "relu", "--init", "kaiming_normal", "--batch", "8", "--backward", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(5, layers.Count);
        foreach (var key in new[] { "layer", "mean", "std", "mean_square", "min", "max", "zero_fraction", "nonfinite", "pre", "grad_norm" })
            Assert.True(layers[0].TryGetProperty(key, out _), key);
        foreach (var key in new[] { "mean", "std", "mean_square" })
            Assert.True(layers[0].GetProperty("pre").TryGetProperty(key, out _), key);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("first_nonfinite_layer").ValueKind);
        var diagnosis = doc.RootElement.GetProperty("diagnosis");
        Assert.Equal("stable", diagnosis.GetProperty("verdict").GetString());
        Assert.True(diagnosis.TryGetProperty("growth_per_layer", out _));
        Assert.True(diagnosis.TryGetProperty("advice", out _));
    }

    [Fact]
    public void Propagate_with_standard_normal_weights_reports_the_overflow_layer_and_advice()
    {
        var r = CliHarness.Run("propagate", "--width", "512", "--depth", "100", "--act", "relu", "--init", "normal", "--batch", "4");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("verdict: exploding", r.Out);
        Assert.Contains("first non-finite layer:", r.Out);
        Assert.Contains("kaiming_normal", r.Out);
    }

    [Fact]
    public void Propagate_csv_has_one_row_per_layer_and_the_input()
    {
        var r = CliHarness.Run("propagate", "--width", "32", "--depth", "7", "--act", "tanh", "--sigma-w", "1.1", "--csv");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Out.Trim().Split('\n');
        Assert.Equal(1 + 8, lines.Length);
        Assert.StartsWith("engine,init,layer,mean,std", lines[0]);
    }

    [Fact]
    public void Propagate_writes_a_png_and_an_svg_plot()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-test").FullName;
        try
        {
            string png = Path.Combine(dir, "std.png"), svg = Path.Combine(dir, "std.svg");
            Assert.Equal(0, CliHarness.Run("propagate", "--width", "64", "--depth", "20", "--act", "relu", "--init", "kaiming_normal,normal", "--plot", png).ExitCode);
            Assert.Equal(0, CliHarness.Run("propagate", "--width", "64", "--depth", "20", "--act", "relu", "--sigma-w", "1.4", "--engine", "explicit,ensemble", "--plot", svg).ExitCode);
            var bytes = File.ReadAllBytes(png);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            string text = File.ReadAllText(svg);
            Assert.Contains("<svg", text);
            Assert.Contains("<text", text); // the font rendered: axis labels are present
            Assert.Empty(Directory.GetFiles(dir, ".*")); // no temporary files left behind
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("propagate", "--act", "relu", "--width", "0", "--depth", "5", "--sigma-w", "1")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "-1", "--sigma-w", "1")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5", "--sigma-w", "1", "--batch", "0")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5", "--sigma-w", "1", "--init", "normal")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5", "--sigma-w", "NaN")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5", "--sigma-w", "-1")]
    [InlineData("propagate", "--width", "8", "--depth", "5", "--sigma-w", "1", "--act", "swoosh")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5", "--sigma-w", "1", "--engine", "magic")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5", "--sigma-w", "1", "--engine", "ensemble", "--shared-weights")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5", "--sigma-w", "1", "--engine", "ensemble", "--backward")]
    [InlineData("propagate", "--act", "relu", "--widths", "8,4,8", "--sigma-w", "1", "--residual", "0.5")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5", "--init", "nonsense")]
    [InlineData("propagate", "--act", "relu", "--width", "8", "--depth", "5", "--sigma-w", "1", "--plot", "out.pdf")]
    [InlineData("sweep", "--act", "tanh", "--sigma-w", "1:2", "--width", "8", "--depth", "2")]
    [InlineData("sweep", "--act", "tanh", "--sigma-w", "1:2:3", "--width", "8", "--depth", "2", "--shard", "3/2")]
    [InlineData("lsuv", "--act", "relu", "--width", "8", "--depth", "2", "--tolerance", "0")]
    [InlineData("merge", "does-not-exist.json")]
    [InlineData("propagate", "--width", "100000", "--depth", "2", "--act", "relu", "--sigma-w", "1", "--batch", "2")]
    [InlineData("lsuv", "--width", "200000", "--depth", "2", "--act", "tanh", "--batch", "2")]
    [InlineData("propagate", "--width", "8", "--depth", "2", "--act", "relu", "--sigma-w", "1", "--plot", "/nonexistent-dir/x.png")]
    [InlineData("propagate", "--width", "8", "--depth", "2", "--sigma-w", "1")]
    [InlineData("propagate", "--width", "8", "--depth", "2", "--act", "relu", "--sigma-w", "inf")]
    [InlineData("bench", "gemm", "--size", "100000")]
    [InlineData("bench", "foo")]
    public void Bad_lab_arguments_give_one_line_on_stderr_and_exit_code_2(params string[] args)
    {
        var r = CliHarness.Run(args);
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Err}");
        Assert.StartsWith("error: ", r.Err);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
        Assert.Equal("", r.Out);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("System.", r.Err);
    }

    [Fact]
    public void Audit_of_an_empty_tensor_is_an_error_not_a_pass()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-test").FullName;
        try
        {
            string npy = Path.Combine(dir, "empty.npy");
            InitLab.Formats.Npy.NpyFormat.Write(npy, ReadOnlySpan<float>.Empty, new InitLab.Tensors.Shape(0, 4));
            var r = CliHarness.Run("audit", npy, "--scheme", "kaiming_normal");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("empty", r.Err);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_plot_path_that_is_a_directory_fails_before_any_work()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-test").FullName;
        try
        {
            // A path ending in a separator names a directory, whether or not it exists yet.
            var slash = CliHarness.Run("sweep", "--act", "tanh", "--sigma-w", "0.5:2:3", "--width", "8", "--depth", "2", "--plot", dir + "/d.png/");
            Assert.Equal(2, slash.ExitCode);
            Assert.Equal("", slash.Out);
            Assert.False(File.Exists(Path.Combine(dir, "d.png")));
            Directory.CreateDirectory(Path.Combine(dir, "d.png"));
            var r = CliHarness.Run("sweep", "--act", "tanh", "--sigma-w", "0.5:2:3", "--width", "8", "--depth", "2", "--plot", Path.Combine(dir, "d.png"));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("is a directory", r.Err);
            Assert.Equal("", r.Out);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Sweep_shards_merge_to_the_unsharded_result()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-test").FullName;
        try
        {
            string[] common = ["sweep", "--act", "tanh", "--sigma-w", "0.5:2:4", "--sigma-b", "0:0.2:2", "--depth", "6", "--width", "32", "--batch", "4", "--json", "--seed", "5"];
            var whole = CliHarness.Run(common);
            Assert.Equal(0, whole.ExitCode);
            var files = new List<string>();
            for (int k = 1; k <= 3; k++)
            {
                var shard = CliHarness.Run([.. common, "--shard", $"{k}/3"]);
                Assert.Equal(0, shard.ExitCode);
                string f = Path.Combine(dir, $"s{k}.json");
                File.WriteAllText(f, shard.Out);
                files.Add(f);
            }
            var merged = CliHarness.Run(["merge", .. files, "--json"]);
            Assert.Equal(0, merged.ExitCode);
            // The same document; only the config (which records the command that wrote it) differs.
            Assert.Equal(WithoutConfig(whole.Out), WithoutConfig(merged.Out));
            Assert.Equal("merge", System.Text.Json.Nodes.JsonNode.Parse(merged.Out)!["config"]!["command"]!.GetValue<string>());
            // The merged sweep plots as the whole sweep does: the phase figure's two heatmaps side by side.
            string plot = Path.Combine(dir, "phase.svg");
            Assert.Equal(0, CliHarness.Run(["merge", .. files, "--plot", plot]).ExitCode);
            string svg = File.ReadAllText(plot);
            Assert.Contains("final correlation of two inputs", svg);
            Assert.Contains("log10 final std", svg);
            // A missing shard is an error naming the gap.
            var partial = CliHarness.Run("merge", files[0], files[2]);
            Assert.Equal(2, partial.ExitCode);
            Assert.Contains("missing", partial.Err);
            // A corrupt file is an error, not a crash.
            string bad = Path.Combine(dir, "bad.json");
            File.WriteAllText(bad, "{\"cells\": 3");
            Assert.Equal(2, CliHarness.Run("merge", bad).ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Propagate_reads_its_input_batch_from_an_npy_file_and_rejects_a_corrupt_one()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-test").FullName;
        try
        {
            string npy = Path.Combine(dir, "x.npy");
            var x = new float[5 * 16];
            new InitLab.Random.Generator(1).Normal(x, 0f, 3f);
            InitLab.Formats.Npy.NpyFormat.Write(npy, x, new InitLab.Tensors.Shape(5, 16));
            var r = CliHarness.Run("propagate", "--width", "16", "--depth", "3", "--act", "tanh", "--sigma-w", "1", "--input", npy, "--json");
            Assert.Equal(0, r.ExitCode);
            using var doc = JsonDocument.Parse(r.Out);
            // Layer 0 is the file's data exactly (its sample std, not the unit-variance default): JSON keeps 15+ digits.
            double expectedStd = InitLab.Tensors.Stats.Of(x).Std;
            Assert.Equal(expectedStd, doc.RootElement.GetProperty("input").GetProperty("std").GetDouble(), 1e-12 * expectedStd);
            Assert.Equal(2, CliHarness.Run("propagate", "--act", "relu", "--width", "8", "--depth", "3", "--sigma-w", "1", "--input", npy).ExitCode);
            string bad = Path.Combine(dir, "bad.npy");
            File.WriteAllBytes(bad, [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, 200, 0]);
            var corrupt = CliHarness.Run("propagate", "--act", "relu", "--width", "16", "--depth", "3", "--sigma-w", "1", "--input", bad);
            Assert.Equal(2, corrupt.ExitCode);
            Assert.StartsWith("error: ", corrupt.Err);
            Assert.Equal(2, CliHarness.Run("propagate", "--act", "relu", "--width", "16", "--depth", "3", "--sigma-w", "1", "--input", Path.Combine(dir, "none.npy")).ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Sweep_plot_writes_a_heatmap_and_the_critical_line_comes_from_theory()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-test").FullName;
        try
        {
            string svg = Path.Combine(dir, "phase.svg");
            var r = CliHarness.Run("sweep", "--act", "tanh", "--sigma-w", "0.5:2:4", "--sigma-b", "0:0.3:3", "--depth", "5", "--width", "32", "--batch", "4", "--plot", svg, "--json");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("critical line", File.ReadAllText(svg));
            var line = SweepCommand.CriticalCurve(InitLab.Activations.Activation.Tanh, [0.0]);
            Assert.Equal(1.0, line.X.Single(), 8); // tanh at sigma_b = 0 is critical at sigma_w = 1
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Lsuv_json_reports_each_layer_and_convergence()
    {
        var r = CliHarness.Run("lsuv", "--width", "64", "--depth", "6", "--act", "tanh", "--batch", "64", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.True(doc.RootElement.GetProperty("converged").GetBoolean());
        var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToList();
        Assert.Equal(6, layers.Count);
        Assert.All(layers, l => Assert.InRange(l.GetProperty("std").GetDouble(), Math.Sqrt(0.9), Math.Sqrt(1.1)));
    }

    private static string WithoutConfig(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        Assert.True(node.Remove("config"));
        return node.ToJsonString();
    }
}
