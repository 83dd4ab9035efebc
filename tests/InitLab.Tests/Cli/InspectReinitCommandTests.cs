using System.Text.Json;
using InitLab.Formats;
using InitLab.Initializers;
using InitLab.LinearAlgebra;
using InitLab.Random;
using InitLab.Tensors;
using InitLab.Tests.Formats;

namespace InitLab.Tests.Cli;

public sealed class InspectReinitCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("inspect-cli-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static Dictionary<string, JsonElement> Tensors(string output)
    {
        var doc = JsonDocument.Parse(output);
        return doc.RootElement.GetProperty("tensors").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!, t => t.Clone());
    }

    private static Dictionary<string, JsonElement> InspectJson(string path)
    {
        var r = CliHarness.Run("inspect", path, "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        return Tensors(r.Out);
    }

    private static string? Best(JsonElement t) =>
        t.GetProperty("best_scheme").ValueKind == JsonValueKind.Null ? null : t.GetProperty("best_scheme").GetProperty("name").GetString();

    [Fact]
    public void Inspect_json_reports_every_number_of_a_fresh_PyTorch_MLP_correctly()
    {
        string path = Fixtures.PathOf("mlp_init.safetensors");
        var r = CliHarness.Run("inspect", path, "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("safetensors", doc.RootElement.GetProperty("format").GetString());
        Assert.Equal(0.001, doc.RootElement.GetProperty("config").GetProperty("options").GetProperty("alpha").GetDouble());
        var tensors = Tensors(r.Out);
        var model = ModelFiles.Read(path);
        foreach (var name in new[] { "fc1.weight", "fc2.weight", "fc3.weight" })
        {
            var t = tensors[name];
            var x = model.Find(name)!.ReadDoubles();
            int rows = (int)model.Find(name)!.Shape[0], cols = (int)model.Find(name)!.Shape[1];
            double mean = x.Average(), m2 = x.Sum(v => (v - mean) * (v - mean)), m4 = x.Sum(v => Math.Pow(v - mean, 4));
            double sigma = SpectralNorm.SingularValues(x, rows, cols)[0]; // one-sided Jacobi: independent of the inspector's Gram route
            double frobenius2 = x.Sum(v => v * v);
            Assert.Equal("weight", t.GetProperty("role").GetString());
            Assert.Equal((cols, rows), (t.GetProperty("fan_in").GetInt32(), t.GetProperty("fan_out").GetInt32()));
            Assert.Equal(mean, t.GetProperty("mean").GetDouble(), 12);
            Assert.Equal(Math.Sqrt(m2 / (x.Length - 1)), t.GetProperty("std").GetDouble(), 12);
            Assert.Equal(m4 / x.Length / Math.Pow(m2 / x.Length, 2), t.GetProperty("kurtosis").GetDouble(), 10);
            Assert.Equal(x.Max(Math.Abs), t.GetProperty("max_abs").GetDouble());
            Assert.Equal(sigma, t.GetProperty("sigma_max").GetDouble(), 10);
            Assert.Equal(frobenius2 / (sigma * sigma), t.GetProperty("stable_rank").GetDouble(), 9);
            Assert.Equal(Math.Sqrt(frobenius2 / x.Length) * (Math.Sqrt(rows) + Math.Sqrt(cols)), t.GetProperty("mp_edge").GetDouble(), 10);
            Assert.Equal(0, t.GetProperty("mp_spikes").GetInt32());
            Assert.Equal(("init", "torch_default"), (t.GetProperty("verdict").GetString(), Best(t)));
            Assert.True(t.GetProperty("best_scheme").GetProperty("p_value").GetDouble() >= 1e-3);
        }
        Assert.Equal(("bias", 64, "init", "torch_default_bias"), (tensors["fc1.bias"].GetProperty("role").GetString(),
            tensors["fc1.bias"].GetProperty("fan_in").GetInt32(), tensors["fc1.bias"].GetProperty("verdict").GetString(), Best(tensors["fc1.bias"])));
        Assert.Equal(JsonValueKind.Null, tensors["fc1.bias"].GetProperty("sigma_max").ValueKind);
        Assert.Equal(("unknown", (string?)null), (tensors["fc3.bias"].GetProperty("verdict").GetString(), Best(tensors["fc3.bias"])));
        var summary = doc.RootElement.GetProperty("summary");
        Assert.Equal((5, 0, 1), (summary.GetProperty("init").GetInt32(), summary.GetProperty("trained").GetInt32(), summary.GetProperty("unknown").GetInt32()));
    }

    [Fact]
    public void The_same_MLP_after_training_is_trained_and_its_first_layer_shows_the_rank_four_teacher()
    {
        // make_fixtures.py trains it on y = tanh(x T), T of rank 4: four singular values leave the Marchenko-Pastur bulk.
        var tensors = InspectJson(Fixtures.PathOf("mlp_trained.pt"));
        foreach (var name in new[] { "fc1.weight", "fc2.weight", "fc3.weight", "fc1.bias", "fc2.bias" })
            Assert.Equal("trained", tensors[name].GetProperty("verdict").GetString());
        Assert.Equal(4, tensors["fc1.weight"].GetProperty("mp_spikes").GetInt32());
        Assert.Contains("Marchenko-Pastur", tensors["fc1.weight"].GetProperty("reason").GetString());
    }

    [Fact]
    public void The_table_ends_with_a_summary_line_and_explains_non_init_tensors()
    {
        var r = CliHarness.Run("inspect", Fixtures.PathOf("cnn.pt"));
        Assert.Equal(0, r.ExitCode);
        var lines = r.Out.TrimEnd().Split('\n');
        Assert.Equal("11 tensors: 3 init, 2 trained, 3 constant, 0 structured, 3 unknown.", lines[^1].TrimEnd());
        Assert.Contains(lines, l => l.StartsWith("bn1.running_var: running statistics start at 1", StringComparison.Ordinal));
        Assert.Contains("torch_default (1)", r.Out);
    }

    [Theory]
    [InlineData("mlp_trained.safetensors", ".safetensors", "kaiming_normal")]
    [InlineData("mlp_trained.pt", ".npz", "xavier_uniform")]
    [InlineData("cnn.onnx", ".onnx", "kaiming_uniform")]
    [InlineData("transformer.onnx", ".onnx", "lecun_normal")]
    public void Inspect_recognizes_the_scheme_reinit_wrote(string fixture, string extension, string scheme)
    {
        string output = PathOf("fresh" + extension);
        var r = CliHarness.Run("reinit", Fixtures.PathOf(fixture), "--scheme", scheme, "--seed", "7", "--out", output);
        Assert.True(r.ExitCode == 0, r.Err);
        foreach (var (name, t) in InspectJson(output))
        {
            string role = t.GetProperty("role").GetString()!;
            if (role is "weight" or "embedding")
            {
                Assert.Equal("init", t.GetProperty("verdict").GetString());
                var best = t.GetProperty("best_scheme");
                var names = best.GetProperty("equivalents").EnumerateArray().Select(e => e.GetString()).Append(best.GetProperty("name").GetString());
                Assert.True(names.Contains(scheme) || best.GetProperty("also_fits").EnumerateArray().Any(e => e.GetString() == scheme), $"{name}: {best}");
            }
            else if (role is "bias" or "norm")
                Assert.Equal("constant", t.GetProperty("verdict").GetString());
        }
    }

    [Fact]
    public void Reinit_draws_tensor_k_from_stream_k_of_the_seed_and_is_deterministic()
    {
        string a = PathOf("a.safetensors"), b = PathOf("b.safetensors"), c = PathOf("c.safetensors");
        string input = Fixtures.PathOf("mlp_trained.safetensors");
        Assert.Equal(0, CliHarness.Run("reinit", input, "--scheme", "kaiming_normal", "--seed", "11", "--out", a).ExitCode);
        Assert.Equal(0, CliHarness.Run("reinit", input, "--scheme", "kaiming_normal", "--seed", "11", "--out", b).ExitCode);
        Assert.Equal(0, CliHarness.Run("reinit", input, "--scheme", "kaiming_normal", "--seed", "12", "--out", c).ExitCode);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
        var original = ModelFiles.Read(input);
        var fresh = ModelFiles.Read(a);
        for (int k = 0; k < original.Tensors.Count; k++)
        {
            var t = original.Tensors[k];
            var shape = new Shape(t.Shape.Select(d => (int)d).ToArray());
            float[] expected = shape.Rank == 2
                ? Init.KaimingNormal().Create<float>(shape, new Generator(11).Fork((ulong)k)).Data
                : new float[shape.Size];
            Assert.Equal(expected, fresh.Find(t.Name)!.ReadSingles());
        }
    }

    [Fact]
    public void Torch_default_biases_follow_PyTorch_s_rule_unless_zeros_are_asked_for()
    {
        string rule = PathOf("rule.safetensors"), zeros = PathOf("zeros.safetensors");
        string input = Fixtures.PathOf("mlp_trained.safetensors");
        var r = CliHarness.Run("reinit", input, "--scheme", "torch_default", "--out", rule, "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        var actions = Tensors(r.Out).ToDictionary(kv => kv.Key, kv => kv.Value.GetProperty("action").GetString());
        Assert.Equal(("bias_rule", "scheme"), (actions["fc1.bias"], actions["fc1.weight"]));
        var bias = ModelFiles.Read(rule).Find("fc1.bias")!.ReadDoubles();
        Assert.True(bias.All(v => Math.Abs(v) < 1 / 8.0) && bias.Any(v => v != 0));
        Assert.Equal("torch_default_bias", Best(InspectJson(rule)["fc1.bias"]));

        Assert.Equal(0, CliHarness.Run("reinit", input, "--scheme", "torch_default", "--bias", "zeros", "--out", zeros).ExitCode);
        Assert.All(ModelFiles.Read(zeros).Find("fc1.bias")!.ReadDoubles(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void A_real_ResNet18_is_trained_and_after_reinit_every_conv_is_kaiming_normal()
    {
        var trained = InspectJson(RealModelTests.ResNet18Path);
        Assert.Equal(110, trained.Count);
        Assert.All(trained.Values, t => Assert.Equal("trained", t.GetProperty("verdict").GetString()));
        Assert.All(trained.Values.Where(t => t.GetProperty("role").GetString() == "weight"), t => Assert.True(t.GetProperty("mp_spikes").GetInt32() > 0));

        string fresh = PathOf("resnet18.onnx");
        Assert.Equal(0, CliHarness.Run("reinit", RealModelTests.ResNet18Path, "--scheme", "kaiming_normal", "--mode", "fan_out", "--seed", "3", "--out", fresh).ExitCode);
        var reinit = InspectJson(fresh);
        var convs = reinit.Values.Where(t => t.GetProperty("role").GetString() == "weight").ToList();
        Assert.Equal(22, convs.Count);
        foreach (var t in convs)
        {
            Assert.Equal("init", t.GetProperty("verdict").GetString());
            var best = t.GetProperty("best_scheme");
            var names = best.GetProperty("equivalents").EnumerateArray().Select(e => e.GetString()).Append(best.GetProperty("name").GetString());
            Assert.Contains("kaiming_normal(mode=fan_out)", names);
        }
        Assert.Equal(88, reinit.Values.Count(t => t.GetProperty("verdict").GetString() == "constant"));
    }

    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["inspect", "no-such-file.safetensors"], "FILE" },
        { ["reinit", "MLP", "--scheme", "kaiming_normal", "--out", "OUT.onnx"], "only an ONNX model can be written back as ONNX" },
        { ["reinit", "MLP", "--scheme", "bogus", "--out", "OUT.safetensors"], "bogus" },
        { ["reinit", "MLP", "--scheme", "kaiming_normal", "--gain", "2", "--out", "OUT.safetensors"], "--gain does not apply" },
        { ["reinit", "MLP", "--scheme", "kaiming_normal", "--out", "OUT.txt"], "--out must name a .safetensors or .npz or .onnx file" },
        { ["inspect", "MLP", "--alpha", "0"], "--alpha" },
        { ["inspect", "GARBAGE"], "GARBAGE" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_input_is_one_line_on_stderr_exit_code_2_and_nothing_written(string[] args, string expected)
    {
        string garbage = PathOf("garbage.safetensors");
        File.WriteAllBytes(garbage, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
        string output = PathOf("OUT" + Path.GetExtension(args.FirstOrDefault(a => a.StartsWith("OUT", StringComparison.Ordinal)) ?? ".x"));
        var resolved = args.Select(a => a switch
        {
            "MLP" => Fixtures.PathOf("mlp_trained.safetensors"),
            "GARBAGE" => garbage,
            _ when a.StartsWith("OUT", StringComparison.Ordinal) => output,
            _ => a,
        }).ToArray();
        var r = CliHarness.Run(resolved);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
        Assert.Contains(expected.Replace("GARBAGE", "garbage.safetensors", StringComparison.Ordinal), r.Err);
        Assert.False(File.Exists(output));
    }
}
