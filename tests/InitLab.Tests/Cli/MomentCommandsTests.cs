using System.Text.Json;
using InitLab.Networks;
using InitLab.Networks.Families;

namespace InitLab.Tests.Cli;

/// <summary><c>propagate --engine moments</c> on graphs.</summary>
public class MomentCommandsTests
{
    [Fact]
    public void Moments_engine_predicts_every_node_with_its_assumptions()
    {
        // An MLP of 3 tanh layers with sigma_w = 1 (xavier_normal on a square matrix): the mean-field map q' = E[tanh(sqrt(q) z)^2],
        // written here with its own Gauss-Hermite rule, gives the std of every tanh node; the pre-activation after a linear layer
        // has variance q_prev (q_0 = 1 for the unit-variance input).
        var r = CliHarness.Run("propagate", "--model", "mlp:depth=3,width=64,act=tanh", "--init", "xavier_normal", "--engine", "moments", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        Assert.Equal("moments", root.GetProperty("engine").GetString());
        var nodes = root.GetProperty("nodes").EnumerateArray().ToList();
        double q = 1;
        foreach (var node in nodes.Where(n => n.GetProperty("op").GetString() == "tanh"))
        {
            q = TanhSecondMoment(q);
            Assert.Equal(Math.Sqrt(q), node.GetProperty("std").GetDouble(), 1e-9);
            Assert.True(node.GetProperty("exact").GetBoolean());
            Assert.Equal(0, node.GetProperty("assumptions").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, node.GetProperty("min").ValueKind);
        }
        Assert.Equal(3, nodes.Count(n => n.GetProperty("op").GetString() == "tanh"));
    }

    [Fact]
    public void A_structured_init_is_flagged_on_its_node_not_hidden()
    {
        var r = CliHarness.Run("propagate", "--model", "mlp:depth=2,width=16,act=tanh", "--init", "eye", "--engine", "moments", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var linear2 = doc.RootElement.GetProperty("nodes").EnumerateArray().First(n => n.GetProperty("name").GetString() == "linear2");
        Assert.False(linear2.GetProperty("exact").GetBoolean());
        Assert.Contains("copies the input", linear2.GetProperty("assumptions")[0].GetString());
        var text = CliHarness.Run("propagate", "--model", "mlp:depth=2,width=16,act=tanh", "--init", "eye", "--engine", "moments");
        Assert.Contains("linear2: linear2.weight is eye", text.Out);
    }

    [Fact]
    public void Explicit_and_moments_side_by_side_give_two_runs()
    {
        var r = CliHarness.Run("propagate", "--model", "resnet:blocks=2,width=16,size=6,norm=none,preact=true", "--init", "kaiming_normal",
            "--engine", "explicit,moments", "--batch", "4", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["explicit", "moments"], runs.Select(x => x.GetProperty("engine").GetString()));
        Assert.False(runs[0].GetProperty("nodes")[1].TryGetProperty("assumptions", out _));
    }

    [Theory]
    [InlineData("--width 16 --depth 3 --act relu --sigma-w 1.4 --engine moments", "--engine moments runs on a network graph")]
    [InlineData("--model mlp:depth=2,width=8 --engine moments,ensemble", "the ensemble engine works on the MLP lab's network")]
    [InlineData("--model mlp:depth=2,width=8 --engine momentz", "--engine")]
    public void Bad_moment_arguments_get_one_line_and_exit_2(string args, string expected)
    {
        var r = CliHarness.Run(["propagate", .. args.Split(' ')]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
    }

    /// <summary>E[tanh(sqrt(q) z)^2], z ~ N(0, 1), by the trapezoid rule on [-12, 12] (spectrally accurate for this smooth,
    /// rapidly decaying integrand), written independently of the library's quadrature.</summary>
    internal static double TanhSecondMoment(double q)
    {
        const int n = 4000;
        double h = 24.0 / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double z = -12 + i * h, t = Math.Tanh(Math.Sqrt(q) * z);
            sum += (i == 0 || i == n ? 0.5 : 1) * t * t * Math.Exp(-z * z / 2);
        }
        return sum * h / Math.Sqrt(2 * Math.PI);
    }
}

/// <summary><c>initlab autoinit</c>.</summary>
public class AutoInitCommandTests
{
    private const string Net = "resnet:blocks=3,width=16,size=4,norm=none,preact=true";

    [Fact]
    public void Autoinit_json_has_the_design_md_keys_and_the_measurement()
    {
        var r = CliHarness.Run("autoinit", "--model", Net, "--batch", "4", "--seeds", "3", "--compare", "kaiming_normal", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        var layers = root.GetProperty("layers").EnumerateArray().ToList();
        // stem.conv, 2 convs and an add per block, fc.
        Assert.Equal(1 + 3 * 3 + 1, layers.Count);
        var stem = layers[0];
        Assert.Equal("stem.conv", stem.GetProperty("name").GetString());
        // The stem sees the unit-variance input image through a 3x3 zero-padded conv of 3 channels: at an interior position of a
        // 4x4 image all 27 taps see the input, at a corner 12, at an edge 18: average taps = (4 x 27 + 8 x 18 + 4 x 12) / 16 = 18.75,
        // so std = 1 / sqrt(18.75).
        Assert.Equal(1 / Math.Sqrt(18.75), stem.GetProperty("std").GetDouble(), 1e-9);
        foreach (var l in layers) Assert.Equal(1, l.GetProperty("predicted_output_std").GetDouble(), 1e-9);
        var add = layers.First(l => l.GetProperty("op").GetString() == "add");
        Assert.Equal(2, add.GetProperty("scales").GetArrayLength());
        var measured = root.GetProperty("measured");
        Assert.Equal(measured.GetProperty("total").GetInt32(), measured.GetProperty("within").GetInt32());
        Assert.Equal([0UL, 1UL, 2UL], measured.GetProperty("seeds").EnumerateArray().Select(e => e.GetUInt64()));
        Assert.Equal("kaiming_normal", root.GetProperty("baseline").GetProperty("init").GetString());
        Assert.True(root.GetProperty("config").TryGetProperty("options", out _));
    }

    [Fact]
    public void Autoinit_writes_the_initialized_weights_atomically()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-autoinit-").FullName;
        try
        {
            string path = Path.Combine(dir, "w.safetensors");
            var r = CliHarness.Run("autoinit", "--model", "mlp:depth=2,width=32,act=relu", "--batch", "4", "--out", path);
            Assert.Equal(0, r.ExitCode);
            var model = InitLab.Formats.ModelFiles.Read(path);
            var w2 = model.Tensors.Single(t => t.Name == "linear2.weight").ReadDoubles();
            // std sqrt(2/32) for the layer after a relu of a unit Gaussian; the sample std of 1024 normals is within 5 standard errors.
            double mean = w2.Average(), std = Math.Sqrt(w2.Sum(x => (x - mean) * (x - mean)) / (w2.Length - 1));
            Assert.InRange(std, 0.25 * (1 - 5 / Math.Sqrt(2 * 1024.0)), 0.25 * (1 + 5 / Math.Sqrt(2 * 1024.0)));
            Assert.Equal([path], Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Autoinit_on_an_onnx_model_writes_it_back_with_unit_std_weights()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-autoinit-").FullName;
        try
        {
            string path = Path.Combine(dir, "m.onnx");
            var r = CliHarness.Run("autoinit", "--onnx", InitLab.Tests.Formats.Fixtures.PathOf("mlp_init.onnx"), "--batch", "4", "--out", path, "--json");
            Assert.Equal(0, r.ExitCode);
            using var doc = JsonDocument.Parse(r.Out);
            var layers = doc.RootElement.GetProperty("layers").EnumerateArray().ToList();
            // 64 -> 128 -> relu -> 128 -> relu -> 10: std 1/sqrt(64), then sqrt(2/128) after each relu of a unit Gaussian.
            Assert.Equal([1 / 8.0, 0.125, 0.125], layers.Select(l => l.GetProperty("std").GetDouble()), (a, b) => Math.Abs(a - b) < 1e-12);
            // The written model, propagated by the explicit engine, holds the prediction: the first layer's std is 1 within 5 standard
            // errors of a sample std over 128 units and 64 examples (relative 1/sqrt(2 n) with n = 128, the units' own scale spread).
            var p = CliHarness.Run("propagate", "--onnx", path, "--batch", "64", "--json");
            using var trace = JsonDocument.Parse(p.Out);
            double std = trace.RootElement.GetProperty("nodes").EnumerateArray().First(n => n.GetProperty("name").GetString() == "/fc1/Gemm").GetProperty("std").GetDouble();
            Assert.InRange(std, 1 - 5 / Math.Sqrt(2 * 128.0), 1 + 5 / Math.Sqrt(2 * 128.0));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--model mlp:depth=2,width=8 --target-std 0", "--target-std")]
    [InlineData("--model mlp:depth=2,width=8 --seeds 1", "--seeds")]
    [InlineData("--model mlp:depth=2,width=8 --compare nope", "--compare nope")]
    [InlineData("--target-std 1", "give exactly one of --model")]
    [InlineData("--model mlp:depth=2,width=8 --out w.onnx", "only a model read with --onnx")]
    public void Bad_autoinit_arguments_get_one_line_and_exit_2(string args, string expected)
    {
        var r = CliHarness.Run(["autoinit", .. args.Split(' ')]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
    }
}

/// <summary><c>initlab coordcheck</c>.</summary>
public class CoordCheckCommandTests
{
    [Fact]
    public void MuP_equals_SP_below_the_readout_and_scales_the_readout_by_sqrt_base_over_width()
    {
        var r = CliHarness.Run("coordcheck", "--model", "mlp:depth=3,act=relu", "--widths", "16,64", "--base-width", "16", "--batch", "4", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(4, runs.Count);
        double[] Rms(string p, int w) => runs.Single(x => x.GetProperty("parameterization").GetString() == p && x.GetProperty("width").GetInt32() == w)
            .GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("rms").GetDouble()).ToArray();
        foreach (int w in new[] { 16, 64 })
        {
            double[] sp = Rms("sp", w), mup = Rms("mup", w);
            // Same seed, same draws: hidden layers identical; the readout's weights (and so its output) scaled by sqrt(16 / w).
            Assert.Equal(sp[..^1], mup[..^1]);
            Assert.Equal(Math.Sqrt(16.0 / w), mup[^1] / sp[^1], 1e-5);
        }
    }

    [Fact]
    public void After_steps_the_sp_readout_grows_with_width_and_the_mup_readout_does_not()
    {
        var r = CliHarness.Run("coordcheck", "--model", "mlp:depth=2,act=relu,out=4", "--widths", "32,512", "--base-width", "32", "--steps", "2", "--lr", "0.5", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(2, doc.RootElement.GetProperty("steps").GetInt32());
        Assert.Equal(0.5, doc.RootElement.GetProperty("lr").GetDouble());
        var runs = doc.RootElement.GetProperty("runs").EnumerateArray().ToList();
        JsonElement Readout(string p, int w) => runs.Single(x => x.GetProperty("parameterization").GetString() == p && x.GetProperty("width").GetInt32() == w)
            .GetProperty("layers").EnumerateArray().Single(l => l.GetProperty("name").GetString() == "readout");
        // The library's numbers, exactly (same seed 0, batch 8).
        foreach (var (p, w) in new[] { ("sp", 32), ("sp", 512), ("mup", 32), ("mup", 512) })
        {
            var g = ModelFamilies.Build($"mlp:depth=2,act=relu,out=4,width={w}");
            var rates = p == "mup" ? CoordinateCheck.MuPSgdLearningRates(g, ModelFamilies.Build("mlp:depth=2,act=relu,out=4,width=32")) : null;
            var run = CoordinateCheck.Run(Recipes.MuP(g, p == "sp" ? w : 32), rates, new CoordinateCheckOptions { Steps = 2, LearningRate = 0.5 });
            var steps = Readout(p, w).GetProperty("rms_per_step").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(run[^1].Rms.ToArray(), steps, (a, b) => Math.Abs(a - b) <= 1e-12 * Math.Abs(a));
            Assert.Equal(steps[^1], Readout(p, w).GetProperty("rms").GetDouble());
        }
        // At the base width the two are one model; 16 times wider, SP's readout after two steps is several times muP's.
        Assert.Equal(Readout("sp", 32).GetProperty("rms").GetDouble(), Readout("mup", 32).GetProperty("rms").GetDouble());
        Assert.True(Readout("sp", 512).GetProperty("rms").GetDouble() > 3 * Readout("mup", 512).GetProperty("rms").GetDouble());
    }

    [Fact]
    public void A_diverged_training_is_named_not_only_printed_as_NaN()
    {
        // lr 1e300: the first SGD step sends the weights to infinity, so every later forward pass is non-finite.
        string[] args = ["coordcheck", "--model", "mlp:depth=2,act=relu,out=4", "--widths", "16,32", "--base-width", "16", "--batch", "4", "--steps", "2", "--lr", "1e300"];
        var table = CliHarness.Run(args);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("note: SP width 16: training diverged, non-finite from step 1 on (lower --lr).", table.Out);
        Assert.Contains("note: muP width 32: training diverged, non-finite from step 1 on (lower --lr).", table.Out);
        var json = CliHarness.Run([.. args, "--json"]);
        using var doc = JsonDocument.Parse(json.Out);
        foreach (var run in doc.RootElement.GetProperty("runs").EnumerateArray())
            Assert.Equal(1, run.GetProperty("first_nonfinite_step").GetInt32());
        // A sane rate: no note, and null in JSON.
        var fine = CliHarness.Run(["coordcheck", "--model", "mlp:depth=2,act=relu,out=4", "--widths", "16,32", "--base-width", "16", "--batch", "4", "--steps", "1", "--lr", "0.1", "--json"]);
        using var ok = JsonDocument.Parse(fine.Out);
        Assert.All(ok.RootElement.GetProperty("runs").EnumerateArray(), r => Assert.Equal(JsonValueKind.Null, r.GetProperty("first_nonfinite_step").ValueKind));
    }

    [Theory]
    [InlineData("--model mlp:depth=2 --widths 16,32 --steps 1", "add out=K")]
    [InlineData("--model mlp:depth=2,out=3 --widths 16,32 --steps 1 --lr 0", "--lr")]
    [InlineData("--model transformer --widths 16,32", "coordcheck varies the width")]
    [InlineData("--model mlp:width=8 --widths 16,32", "leave out 'width'")]
    [InlineData("--model mlp --widths 16", "--widths")]
    [InlineData("--model mlp --widths 16,32 --base-width 0", "--base-width")]
    public void Bad_coordcheck_arguments_get_one_line_and_exit_2(string args, string expected)
    {
        var r = CliHarness.Run(["coordcheck", .. args.Split(' ')]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.Single(r.Err.TrimEnd('\n').Split('\n'));
    }
}
