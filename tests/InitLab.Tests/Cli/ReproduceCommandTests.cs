using System.Text.Json;
using InitLab.Cli;

namespace InitLab.Tests.Cli;

public class ReproduceCommandTests
{
    [Fact]
    public void Reproduce_json_has_the_design_md_shape()
    {
        var r = CliHarness.Run("reproduce", "--json", "--seed", "3");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(3, doc.RootElement.GetProperty("seed").GetInt64());
        var experiments = doc.RootElement.GetProperty("experiments").EnumerateArray().ToList();
        Assert.Equal(11, experiments.Count);
        foreach (var e in experiments)
        {
            Assert.False(string.IsNullOrEmpty(e.GetProperty("id").GetString()));
            Assert.False(string.IsNullOrEmpty(e.GetProperty("title").GetString()));
            Assert.Equal(JsonValueKind.Object, e.GetProperty("predicted").ValueKind);
            Assert.Equal(JsonValueKind.Object, e.GetProperty("measured").ValueKind);
        }
        // NaN survives as a string rather than breaking the document.
        var explosion = experiments.Single(e => e.GetProperty("id").GetString() == "explosion");
        Assert.Equal("NaN", explosion.GetProperty("measured").GetProperty("std").GetString());
    }

    [Fact]
    public void Reproduce_prints_a_table_with_every_experiment()
    {
        var r = CliHarness.Run("reproduce", "--seed", "1");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("first-nan", r.Out);
        Assert.Contains("fan-avg", r.Out);
        Assert.Contains("experiments agree with theory", r.Out);
        Assert.Equal("", r.Err);

        // The warm-up the tool starts before it builds its command tree (kernels, then a table to a discarded console)
        // writes nothing and changes no byte of the table rendered after it.
        var output = new StringWriter();
        var error = new StringWriter();
        ReproduceCommand.StartWarmUp(interactive: false);
        Assert.Equal(0, CliApp.Run(["reproduce", "--seed", "1"], new CliContext(output, error, interactive: false)));
        Assert.Equal(r.Out, output.ToString());
        Assert.Equal("", error.ToString());
    }

    [Fact]
    public void Reproduce_plot_writes_the_classic_loop_curves()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-test").FullName;
        try
        {
            var r = CliHarness.Run("reproduce", "--json", "--plot", dir);
            Assert.Equal(0, r.ExitCode);
            Assert.True(new FileInfo(Path.Combine(dir, "classic-loops.png")).Length > 10_000);
            Assert.Contains("<text", File.ReadAllText(Path.Combine(dir, "classic-loops.svg")));
            Assert.Equal(2, CliHarness.Run("reproduce", "--plot", Path.Combine(dir, "missing")).ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("reproduce", "--seed", "-1")]
    [InlineData("reproduce", "--seed", "abc")]
    [InlineData("reproduce", "--seed", "1.5")]
    [InlineData("reproduce", "--seeds", "0")]
    [InlineData("reproduce", "--seeds", "100000000")]
    [InlineData("reproduce", "--bogus")]
    [InlineData("frobnicate")]
    [InlineData("reproduce", "--seeds")]
    public void Bad_arguments_give_one_line_on_stderr_and_exit_code_2(params string[] args)
    {
        var r = CliHarness.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.StartsWith("error: ", r.Err);
        Assert.DoesNotContain("   at ", r.Err); // no stack trace
    }
}
