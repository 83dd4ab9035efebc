using System.Text.Json;

namespace InitLab.Tests.Cli;

public class GainCommandTests
{
    [Fact]
    public void Gain_json_has_the_design_keys()
    {
        var (code, output, error) = CliTestHost.Run("gain", "tanh", "--json");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("tanh", doc.RootElement.GetProperty("activation").GetString());
        Assert.Equal(5.0 / 3.0, doc.RootElement.GetProperty("recommended").GetDouble());
        Assert.Equal(1.5925374197228352, doc.RootElement.GetProperty("exact").GetDouble(), 12);
    }

    [Fact]
    public void Gain_of_an_activation_PyTorch_lacks_reports_a_null_recommendation()
    {
        var (code, output, _) = CliTestHost.Run("gain", "gelu", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("recommended").ValueKind);
        Assert.Equal(1.5335304411955397, doc.RootElement.GetProperty("exact").GetDouble(), 12);
    }

    [Fact]
    public void Gain_passes_the_leaky_relu_slope()
    {
        var (code, output, _) = CliTestHost.Run("gain", "leaky_relu", "--param", "0.2", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(0.2, doc.RootElement.GetProperty("param").GetDouble());
        Assert.Equal(1.3867504905630728, doc.RootElement.GetProperty("recommended").GetDouble(), 15);
    }

    [Fact]
    public void Gain_accepts_PyTorch_layer_names_with_the_identity_gains()
    {
        var (code, output, _) = CliTestHost.Run("gain", "conv_transpose2d", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal("conv_transpose2d", doc.RootElement.GetProperty("activation").GetString());
        Assert.Equal(1.0, doc.RootElement.GetProperty("recommended").GetDouble());
        Assert.Equal(1.0, doc.RootElement.GetProperty("exact").GetDouble(), 14);
    }

    [Fact]
    public void Gain_prints_a_table_without_json()
    {
        var (code, output, _) = CliTestHost.Run("gain", "relu");
        Assert.Equal(0, code);
        Assert.Contains("1.4142135623730951", output);
        Assert.Contains("recommended", output);
    }

    [Theory]
    [InlineData("gain", "relu6")]
    [InlineData("gain", "relu", "--param", "0.1")]
    [InlineData("gain", "leaky_relu", "--param", "abc")]
    [InlineData("gain", "leaky_relu", "--param", "NaN")]
    [InlineData("gain")]
    [InlineData("gain", "conv2d", "--param", "0.1")]
    public void Gain_with_bad_arguments_exits_2_with_one_line_on_stderr(params string[] args)
    {
        var (code, output, error) = CliTestHost.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.Trim().Split('\n'));
    }
}
