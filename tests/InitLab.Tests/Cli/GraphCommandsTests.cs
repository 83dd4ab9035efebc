using System.Text.Json;
using InitLab.Networks.Spec;

namespace InitLab.Tests.Cli;

public class GraphCommandsTests
{
    private const string Small = "resnet:blocks=3,width=8,size=6,preact=true,norm=none";

    [Fact]
    public void Propagate_model_json_has_the_design_md_shape()
    {
        var r = CliHarness.Run("propagate", "--model", Small, "--init", "kaiming_normal", "--batch", "4", "--backward", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal("explicit", root.GetProperty("engine").GetString());
        Assert.Equal("resnet:blocks=3,width=8,size=6,norm=none,block=basic,preact=true,in_channels=3,classes=10", root.GetProperty("model").GetString());
        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal("input", nodes[0].GetProperty("name").GetString());
        Assert.Equal("fc", nodes[^1].GetProperty("name").GetString());
        foreach (var key in new[] { "name", "op", "shape", "mean", "std", "mean_square", "nonfinite", "grad_norm", "param_grad_norm", "parameters" })
            Assert.True(nodes[1].TryGetProperty(key, out _), key);
        var conv = nodes.First(n => n.GetProperty("name").GetString() == "block1.conv1");
        Assert.Equal([8, 6, 6], conv.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        var weight = conv.GetProperty("parameters")[0];
        Assert.Equal("kaiming_normal", weight.GetProperty("init").GetString());
        Assert.True(weight.GetProperty("grad_norm").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("first_nonfinite_node").ValueKind);
        var d = root.GetProperty("diagnosis");
        foreach (var key in new[] { "verdict", "advice", "worst_node", "gradient_verdict", "growth_per_block", "variance_growth", "blocks" })
            Assert.True(d.TryGetProperty(key, out _), key);
        Assert.Equal(5, d.GetProperty("blocks").GetArrayLength());
        Assert.Equal(Small, root.GetProperty("config").GetProperty("options").GetProperty("model").GetString());
    }

    [Fact]
    public void Without_backward_gradient_norms_are_null_and_several_inits_give_runs()
    {
        var r = CliHarness.Run("propagate", "--model", Small, "--init", "kaiming_normal,xavier_normal", "--batch", "2", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["kaiming_normal", "xavier_normal"], runs.Select(x => x.GetProperty("init").GetString()));
        Assert.Equal(JsonValueKind.Null, runs[0].GetProperty("nodes")[1].GetProperty("grad_norm").ValueKind);
    }

    [Fact]
    public void The_mlp_family_gives_the_same_numbers_as_the_mlp_lab()
    {
        var lab = CliHarness.Run("propagate", "--width", "32", "--depth", "4", "--act", "tanh", "--init", "xavier_normal", "--batch", "8", "--seed", "3", "--json");
        var graph = CliHarness.Run("propagate", "--model", "mlp:depth=4,width=32,act=tanh", "--init", "xavier_normal", "--batch", "8", "--seed", "3", "--json");
        using var a = JsonDocument.Parse(lab.Out);
        using var b = JsonDocument.Parse(graph.Out);
        var layers = a.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("std").GetDouble()).ToList();
        var nodes = b.RootElement.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("op").GetString() == "tanh")
            .Select(n => n.GetProperty("std").GetDouble()).ToList();
        Assert.Equal(layers, nodes);
    }

    [Fact]
    public void Propagate_reads_a_json_spec_and_names_the_node_of_a_bad_one()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-spec").FullName;
        try
        {
            string good = Path.Combine(dir, "net.json"), bad = Path.Combine(dir, "bad.json");
            File.WriteAllText(good, """{"nodes": [{"name": "x", "op": "input", "shape": [16]}, {"name": "fc", "op": "linear", "inputs": ["x"], "out_features": 8}, {"name": "t", "op": "tanh", "inputs": ["fc"]}]}""");
            File.WriteAllText(bad, """{"nodes": [{"name": "x", "op": "input", "shape": [3, 8, 8]}, {"name": "c", "op": "conv", "inputs": ["x"], "out_channels": 4, "kernel": [3], "groups": 2}]}""");
            var r = CliHarness.Run("propagate", "--spec", good, "--batch", "4");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("fc", r.Out);
            var e = CliHarness.Run("propagate", "--spec", bad);
            Assert.Equal(2, e.ExitCode);
            Assert.Equal($"error: --spec {bad}: node 'c' (conv): groups 2 does not divide the 3 input channels.", e.Err.Trim());
            Assert.Equal("", e.Out);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--model|vgg", "error: --model vgg: unknown model family 'vgg'; valid families: mlp, cnn, resnet, transformer.")]
    [InlineData("--model|resnet:blocks=-1", "error: --model resnet:blocks=-1: model 'resnet': key 'blocks' must be an integer >= 1, got '-1'.")]
    [InlineData("--model|resnet|--act|relu", "error: --act describes the MLP lab's network; with --model, --spec or --onnx the graph defines the network (e.g. --model mlp:depth=L,width=N,act=A).")]
    [InlineData("--model|resnet|--engine|meanfield", "error: the meanfield engine works on the MLP lab's network (--width, --depth); a graph runs on --engine explicit or moments.")]
    [InlineData("--model|resnet|--every|2", "error: --every thins the MLP lab's layer table; a graph's table lists every node.")]
    [InlineData("--model|cnn:depth=2,size=4|--init|dirac,sparse", "error: --init sparse: scheme 'sparse' needs option 'sparsity'.")]
    [InlineData("--model|transformer|--batch|100000000", "error: --batch 100000000: propagate on the explicit engine needs about")]
    [InlineData("--width|8|--depth|2|--init|normal", "error: --act is required (or --model / --spec / --onnx for a network graph).")]
    public void Bad_graph_arguments_get_one_line_and_exit_2(string args, string expected)
    {
        var r = CliHarness.Run(["propagate", .. args.Split('|')]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith(expected, r.Err.Trim());
        Assert.Single(r.Err.Trim().Split('\n'));
    }

    [Fact]
    public void Models_lists_every_family_with_keys_and_writes_a_spec_that_reads_back()
    {
        var r = CliHarness.Run("models", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var families = doc.RootElement.GetProperty("families").EnumerateArray().ToList();
        Assert.Equal(["mlp", "cnn", "resnet", "transformer"], families.Select(f => f.GetProperty("name").GetString()));
        var resnet = families[2].GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("name").GetString()!, k => k.GetProperty("default").GetString());
        Assert.Equal("batch", resnet["norm"]);
        Assert.Contains("attention", doc.RootElement.GetProperty("ops").EnumerateArray().Select(o => o.GetString()));

        string dir = Directory.CreateTempSubdirectory("initlab-models").FullName;
        try
        {
            string path = Path.Combine(dir, "r.json");
            var w = CliHarness.Run("models", "resnet:blocks=2,width=8", "--write-spec", path);
            Assert.Equal(0, w.ExitCode);
            Assert.Equal("resnet:blocks=2,width=8,size=32,norm=batch,block=basic,preact=false,in_channels=3,classes=10", GraphSpec.Load(path).Name);
            Assert.Equal(2, CliHarness.Run("models", "--write-spec", path).ExitCode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Lsuv_honours_sigma_b_and_shared_weights()
    {
        string[] args = ["lsuv", "--width", "32", "--depth", "4", "--act", "tanh", "--batch", "16", "--json"];
        var plain = CliHarness.Run(args);
        var biased = CliHarness.Run([.. args, "--sigma-b", "0.5"]);
        var shared = CliHarness.Run([.. args, "--shared-weights"]);
        Assert.Equal(0, plain.ExitCode);
        double Scale(string json, int layer)
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.GetProperty("layers")[layer].GetProperty("scale").GetDouble();
        }
        Assert.True(Scale(biased.Out, 0) < Scale(plain.Out, 0));
        Assert.Equal(Scale(shared.Out, 0), Scale(plain.Out, 0));
        Assert.NotEqual(Scale(shared.Out, 1), Scale(plain.Out, 1));
    }
}
