using System.Text.Json;

namespace InitLab.Tests.Cli;

/// <summary>The moment engine's bench workloads (issue 11's 1000-block claim, reproducible): they run and report what they timed.</summary>
public class BenchMomentsTests
{
    [Theory]
    [InlineData("moments_resnet", "blocks/s")]
    [InlineData("moments_transformer", "layers/s")]
    public void Bench_moments_times_the_engine_on_a_deep_network(string workload, string unit)
    {
        var r = CliHarness.Run("bench", workload, "--size", "2", "--repeat", "2", "--threads", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal(workload, root.GetProperty("workload").GetString());
        Assert.Equal(2, root.GetProperty("size").GetInt32());
        Assert.Equal(unit, root.GetProperty("unit").GetString());
        // Throughput = depth / fastest run; the CPU time of a run is measured, never negative.
        Assert.Equal(2 / root.GetProperty("seconds_min").GetDouble(), root.GetProperty("throughput").GetDouble(), 6);
        Assert.True(root.GetProperty("cpu_seconds_min").GetDouble() >= 0);
    }
}
