using System.Text.Json;

namespace InitLab.Tests.Cli;

public class TheoryCommandTests
{
    [Fact]
    public void Theory_json_has_the_design_keys_and_relu_closed_forms()
    {
        var (code, output, error) = CliTestHost.Run("theory", "--act", "relu", "--sigma-w", "1.2", "--sigma-b", "0.1", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        foreach (string key in new[] { "q_star", "c_star", "chi1", "xi_q", "xi_c", "phase" })
            Assert.True(root.TryGetProperty(key, out _), key);
        Assert.Equal(0.01 / (1 - 0.72), root.GetProperty("q_star").GetDouble(), 12);
        Assert.Equal(0.72, root.GetProperty("chi1").GetDouble(), 12);
        Assert.Equal("ordered", root.GetProperty("phase").GetString());
    }

    [Fact]
    public void Theory_with_depth_lists_q_l_for_l_0_to_L()
    {
        var (code, output, _) = CliTestHost.Run("theory", "--act", "relu", "--sigma-w", "1.2", "--sigma-b", "0.1", "--depth", "3", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToArray();
        Assert.Equal([0, 1, 2, 3], layers.Select(l => l.GetProperty("layer").GetInt32()));
        double q = 1;
        foreach (var layer in layers.Skip(1))
        {
            q = 1.44 * (layer.GetProperty("layer").GetInt32() == 1 ? 1 : q / 2) + 0.01;
            Assert.Equal(q, layer.GetProperty("q").GetDouble(), 12);
        }
    }

    [Fact]
    public void Theory_reports_undefined_quantities_as_null_with_a_note()
    {
        var (code, output, _) = CliTestHost.Run("theory", "--act", "tanh", "--sigma-w", "0.8", "--sigma-b", "0", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(0.0, doc.RootElement.GetProperty("q_star").GetDouble());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("c_star").ValueKind);
        Assert.Equal("trivial", doc.RootElement.GetProperty("q_star_kind").GetString());
        Assert.Contains("q* = 0", doc.RootElement.GetProperty("note").GetString());
    }

    [Fact]
    public void Theory_prints_tables_without_json()
    {
        var (code, output, _) = CliTestHost.Run("theory", "--act", "tanh", "--sigma-w", "1.5", "--sigma-b", "0.05", "--depth", "2");
        Assert.Equal(0, code);
        Assert.Contains("chaotic", output);
        Assert.Contains("0 (input)", output);
    }

    [Fact]
    public void Theory_critical_json_gives_sigma_w_critical()
    {
        var (code, output, _) = CliTestHost.Run("theory", "critical", "--act", "relu", "--sigma-b", "0.2", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(Math.Sqrt(2), doc.RootElement.GetProperty("sigma_w_critical").GetDouble(), 12);
    }

    [Theory]
    [InlineData("theory", "--act", "tanh", "--sigma-w", "-1")]
    [InlineData("theory", "--act", "tanh", "--sigma-w", "1", "--sigma-b", "NaN")]
    [InlineData("theory", "--act", "relu6", "--sigma-w", "1")]
    [InlineData("theory", "--act", "tanh")]
    [InlineData("theory", "--sigma-w", "1")]
    [InlineData("theory", "--act", "tanh", "--sigma-w", "1", "--depth", "0")]
    [InlineData("theory", "--act", "tanh", "--sigma-w", "abc")]
    [InlineData("theory", "critical", "--act", "tanh", "--sigma-b", "-0.1")]
    [InlineData("theory", "critical", "--act", "nope")]
    public void Theory_with_bad_arguments_exits_2_with_one_line_on_stderr(params string[] args)
    {
        var (code, output, error) = CliTestHost.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.Trim().Split('\n'));
    }
}
