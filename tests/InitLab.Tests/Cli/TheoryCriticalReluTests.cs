using System.Text.Json;

namespace InitLab.Tests.Cli;

public class TheoryCriticalReluTests
{
    [Fact]
    public void Relu_with_a_bias_has_no_finite_fixed_point_on_its_critical_line()
    {
        // q* = sigma_b^2 / (1 - sigma_w^2 / 2) has a pole at the critical sigma_w = sqrt 2.
        var r = CliHarness.Run("theory", "critical", "--act", "relu", "--sigma-b", "0.1", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(Math.Sqrt(2), doc.RootElement.GetProperty("sigma_w_critical").GetDouble(), 9);
        Assert.Equal("Infinity", doc.RootElement.GetProperty("q_star").GetString());
        Assert.Equal("divergent", doc.RootElement.GetProperty("q_star_kind").GetString());
        Assert.Contains("diverges", doc.RootElement.GetProperty("note").GetString());
    }
}
