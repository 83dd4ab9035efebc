using System.Text.Json;
using InitLab.Cli;

namespace InitLab.Tests.Cli;

public class BenchCommandTests
{
    private static (int ExitCode, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, new CliContext(output, error, interactive: false));
        return (code, output.ToString(), error.ToString());
    }

    [Theory]
    [InlineData("normal")]
    [InlineData("uniform")]
    [InlineData("trunc_normal")]
    [InlineData("gemm")]
    [InlineData("orthogonal")]
    [InlineData("spectral")]
    [InlineData("linear")]
    public void Bench_json_has_the_design_md_keys_on_a_tiny_size(string workload)
    {
        var r = Run("bench", workload, "--size", "24", "--threads", "1", "--repeat", "3", "--json");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal(
            new[] { "workload", "size", "threads", "repeat", "seconds_min", "seconds_median", "cpu_seconds_min", "cpu_seconds_median", "throughput", "unit", "config" },
            root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(workload, root.GetProperty("workload").GetString());
        Assert.Equal(24, root.GetProperty("size").GetInt32());
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        Assert.Equal(3, root.GetProperty("repeat").GetInt32());
        double min = root.GetProperty("seconds_min").GetDouble(), median = root.GetProperty("seconds_median").GetDouble();
        Assert.True(min >= 0 && min <= median, $"min {min}, median {median}");
        double cpuMin = root.GetProperty("cpu_seconds_min").GetDouble(), cpuMedian = root.GetProperty("cpu_seconds_median").GetDouble();
        Assert.True(cpuMin >= 0 && cpuMin <= cpuMedian, $"cpu min {cpuMin}, median {cpuMedian}");
        Assert.False(string.IsNullOrEmpty(root.GetProperty("unit").GetString()));
    }

    [Fact]
    public void Bench_without_json_prints_a_table_naming_the_workload_and_unit()
    {
        var r = Run("bench", "uniform", "--size", "100", "--repeat", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("uniform", r.Out);
        Assert.Contains("elements/s", r.Out);
    }

    [Theory]
    [InlineData("bench", "propagate_everything")]
    [InlineData("bench")]
    [InlineData("bench", "normal", "--size", "0")]
    [InlineData("bench", "normal", "--threads", "0")]
    [InlineData("bench", "normal", "--repeat", "0")]
    [InlineData("bench", "gemm", "--size", "many")]
    public void Bench_rejects_bad_arguments_with_one_line_and_exit_code_2(params string[] args)
    {
        var r = Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.False(string.IsNullOrWhiteSpace(r.Err));
    }
}
