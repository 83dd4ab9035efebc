using System.Text.Json;
using InitLab.Formats.Npy;
using InitLab.Tests.Random;

namespace InitLab.Tests.Cli;

/// <summary><c>--generator philox|torch</c> on init, reproduce and propagate (design.md, "Generators").</summary>
public sealed class GeneratorOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("generator-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>A fresh-seed reference case of one init function, by op, dtype and shape.</summary>
    private static JsonElement Case(string op, string dtype, int[] shape, int seed = 0) => TorchReference.Cases.First(c =>
        c.GetProperty("cap").GetString() == "avx2" && c.GetProperty("seed").GetUInt64() == (ulong)seed && c.GetProperty("steps").GetArrayLength() == 1
        && c.GetProperty("steps")[0].GetProperty("op").GetString() == op && c.GetProperty("steps")[0].GetProperty("dtype").GetString() == dtype
        && TorchReference.Shape(c.GetProperty("steps")[0]).SequenceEqual(shape)).GetProperty("steps")[0];

    [Theory]
    [InlineData("kaiming_uniform", "kaiming_uniform_", "float32", "8,4,3,3")]
    [InlineData("xavier_normal", "xavier_normal_", "float64", "64,32")]
    [InlineData("trunc_normal", "trunc_normal_", "float32", "16,1")]
    public void Init_with_the_torch_generator_writes_torch_nn_inits_bits(string scheme, string op, string dtype, string shape)
    {
        // The reference's first case of each function uses PyTorch's defaults, which are the scheme's defaults.
        int[] dims = [.. shape.Split(',').Select(int.Parse)];
        var step = Case(op, dtype, dims);
        Assert.True(TorchReference.Args(step) is var a && (op != "kaiming_uniform_" || a[0].GetDouble() == 0 && a[2].GetString() == "leaky_relu"));
        string path = PathOf("w.npy");
        var r = CliHarness.Run("init", "--scheme", scheme, "--shape", shape, "--dtype", dtype, "--generator", "torch", "--seed", "0", "--out", path);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("PyTorch 1.13 generator", r.Out);
        var array = NpyFormat.Read(path);
        byte[] bytes = dtype == "float32"
            ? TorchReference.Bytes(Array.ConvertAll(array.Data, v => (float)v))
            : TorchReference.Bytes(array.Data);
        Assert.Equal(step.GetProperty("h").GetString(), TorchReference.Hash(bytes));
    }

    [Fact]
    public void Init_json_config_records_the_generator()
    {
        var r = CliHarness.Run("init", "--scheme", "normal", "--shape", "4,4", "--generator", "torch", "--out", PathOf("n.npy"), "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("torch", doc.RootElement.GetProperty("config").GetProperty("options").GetProperty("generator").GetString());
    }

    [Theory]
    [InlineData("lecun_normal")]
    [InlineData("variance_scaling")]
    public void Init_refuses_a_scheme_the_torch_generator_cannot_reproduce_naming_both_options(string scheme)
    {
        var r = CliHarness.Run("init", "--scheme", scheme, "--shape", "4,4", "--generator", "torch", "--out", PathOf("x.npy"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--generator torch", r.Err);
        Assert.Contains("--scheme " + scheme, r.Err);
        Assert.False(File.Exists(PathOf("x.npy")));
    }

    [Fact]
    public void An_unknown_generator_is_a_usage_error()
    {
        var r = CliHarness.Run("init", "--scheme", "normal", "--shape", "4,4", "--generator", "numpy3", "--out", PathOf("x.npy"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--generator", r.Err);
    }

    [Fact]
    public void Propagate_with_the_torch_generator_needs_the_explicit_engine()
    {
        var r = CliHarness.Run("propagate", "--act", "tanh", "--width", "16", "--depth", "3", "--init", "xavier_normal", "--engine", "explicit,ensemble", "--generator", "torch");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--generator torch", r.Err);
        Assert.Contains("--engine", r.Err);
        r = CliHarness.Run("propagate", "--act", "tanh", "--width", "16", "--depth", "3", "--init", "lecun_normal", "--generator", "torch");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--init lecun_normal", r.Err);
    }

    [Fact]
    public void Propagate_with_the_torch_generator_gives_the_PyTorch_scripts_layers()
    {
        var c = TorchReference.Document.GetProperty("propagate")[0];     // tanh, 16 wide, xavier_normal, sigma_b 0.05, batch 4
        var r = CliHarness.Run("propagate", "--act", "tanh", "--width", "16", "--depth", "3", "--init", "xavier_normal", "--sigma-b", "0.05",
            "--batch", "4", "--seed", "3", "--generator", "torch", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var layers = doc.RootElement.GetProperty("layers");
        for (int l = 0; l < 3; l++)
            Assert.Equal(c.GetProperty("std")[l].GetDouble(), layers[l].GetProperty("std").GetDouble(), 5e-6);
    }

    [Fact]
    public void Reproduce_with_the_torch_generator_draws_the_notebooks_numbers()
    {
        var r = CliHarness.Run("reproduce", "--generator", "torch", "--seed", "0", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var nb = TorchReference.Document.GetProperty("notebook")[0];
        var experiments = doc.RootElement.GetProperty("experiments").EnumerateArray().ToDictionary(e => e.GetProperty("id").GetString()!);
        Assert.All(experiments.Values, e => Assert.True(e.GetProperty("agrees").GetBoolean(), e.GetProperty("id").GetString()));
        Assert.Equal(nb.GetProperty("product_mean").GetDouble(), experiments["product-moments"].GetProperty("measured").GetProperty("mean").GetDouble(), 1e-13);
        Assert.Equal(nb.GetProperty("first_nan_layer").GetDouble(), experiments["first-nan"].GetProperty("measured").GetProperty("layer").GetDouble());
        Assert.Equal("torch", doc.RootElement.GetProperty("config").GetProperty("options").GetProperty("generator").GetString());
    }
}
