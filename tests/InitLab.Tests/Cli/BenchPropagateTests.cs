using System.Text.Json;

namespace InitLab.Tests.Cli;

public class BenchPropagateTests
{
    [Theory]
    [InlineData("explicit")]
    [InlineData("ensemble")]
    [InlineData("meanfield")]
    public void Bench_propagate_reports_layers_per_second_for_each_engine(string engine)
    {
        var r = CliHarness.Run("bench", "propagate", "--width", "32", "--depth", "3", "--batch", "4", "--engine", engine, "--repeat", "1", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("propagate", doc.RootElement.GetProperty("workload").GetString());
        Assert.Equal(32, doc.RootElement.GetProperty("size").GetInt32());
        Assert.Equal("layers/s", doc.RootElement.GetProperty("unit").GetString());
        Assert.True(doc.RootElement.GetProperty("throughput").GetDouble() > 0);
    }

    [Theory]
    [InlineData("bench", "propagate", "--width", "0")]
    [InlineData("bench", "propagate", "--width", "8", "--size", "16")]
    [InlineData("bench", "propagate", "--engine", "warp")]
    [InlineData("bench", "propagate", "--depth", "0")]
    public void Bench_propagate_rejects_bad_arguments_with_exit_code_2(params string[] args)
    {
        var r = CliHarness.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: ", r.Err);
    }
}
