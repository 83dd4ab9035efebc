using System.Text.Json;
using System.Text.Json.Nodes;
using InitLab.Activations;
using InitLab.Formats;
using InitLab.Formats.Npy;
using InitLab.Tensors;
using InitLab.Tests.Formats;
using InitLab.Theory;

namespace InitLab.Tests.Cli;

/// <summary>
/// The silent wrong answers of issue 9 that the CLI gave, each now an error (exit code 2, one line) or an honest answer.
/// Every test here failed before the fix.
/// </summary>
public sealed class SilentWrongAnswerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("initlab-silent").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static void AssertRefused(CliHarness.Result r, string expected)
    {
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Out);
        var line = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(expected, line);
    }

    // 1. Numbers: "1,5" ran with 15, "0,02" wrote std 2, "1,1.5" ran with 11.5.

    [Fact]
    public void Sigma_w_1_comma_5_is_an_error_not_15()
    {
        AssertRefused(CliHarness.Run("theory", "--act", "tanh", "--sigma-w", "1,5", "--json"), "--sigma-w must be a finite number such as 0.5 or 1e-3, got '1,5'");
        AssertRefused(CliHarness.Run("propagate", "--act", "relu", "--width", "8", "--depth", "2", "--sigma-w", "1,5"), "write 1.5");
        AssertRefused(CliHarness.Run("propagate", "--act", "relu", "--width", "8", "--depth", "2", "--sigma-w", "1,1.5"), "got '1,1.5'");
    }

    [Fact]
    public void Std_0_comma_02_is_an_error_and_writes_no_file()
    {
        AssertRefused(CliHarness.Run("init", "--scheme", "normal", "--std", "0,02", "--shape", "4,4", "--out", P("w.npy")), "--std");
        Assert.False(File.Exists(P("w.npy")));
    }

    // 4. merge: shards of sweeps with other --residual or --input-variance merged without complaint; a cell index of
    // 99999 gave a merged sweep that silently lacked a cell.

    private string Shard(string name, int k, params string[] extra)
    {
        var r = CliHarness.Run(["sweep", "--act", "tanh", "--width", "8", "--depth", "2", "--batch", "4", "--sigma-w", "1:2:2", "--sigma-b", "0:0.1:2",
            "--json", "--shard", $"{k}/2", .. extra]);
        Assert.Equal(0, r.ExitCode);
        File.WriteAllText(P(name), r.Out);
        return P(name);
    }

    [Theory]
    [InlineData("--residual", "0.5", "residual is 0.5 there but none in")]
    [InlineData("--input-variance", "2", "input_variance is 2 there but 1 in")]
    [InlineData("--seed", "7", "seed is 7 there but 0 in")]
    [InlineData("--engine", "explicit", "engine is explicit there but ensemble in")]
    public void Merge_refuses_shards_of_different_sweeps_naming_the_setting(string option, string value, string expected)
    {
        string a = Shard("a.json", 1), b = Shard("b.json", 2, option, value);
        AssertRefused(CliHarness.Run("merge", a, b), $"{b} is from a different sweep than {a}: {expected}");
        Assert.Equal(0, CliHarness.Run("merge", a, Shard("c.json", 2)).ExitCode);
    }

    [Fact]
    public void Merge_refuses_a_cell_index_outside_the_grid()
    {
        string a = Shard("a.json", 1), b = Shard("b.json", 2);
        var doc = JsonNode.Parse(File.ReadAllText(b))!.AsObject();
        doc["cells"]![0]!["index"] = 99999;
        File.WriteAllText(b, doc.ToJsonString());
        AssertRefused(CliHarness.Run("merge", a, b), "cell index 99999 is outside the 4-cell grid (0..3)");
    }

    // 6. Options silently ignored.

    [Fact]
    public void Sigma_w_with_gain_is_an_error()
    {
        AssertRefused(CliHarness.Run("propagate", "--act", "relu", "--width", "8", "--depth", "2", "--sigma-w", "1.4", "--gain", "2"),
            "--gain applies to --init schemes");
        AssertRefused(CliHarness.Run("propagate", "--act", "relu", "--width", "8", "--depth", "2", "--init", "normal", "--mode", "fan_out"),
            "--mode does not apply to --init normal");
    }

    [Fact]
    public void Input_with_input_variance_is_an_error()
    {
        NpyFormat.Write(P("x.npy"), new float[4 * 8], new Shape(4, 8));
        AssertRefused(CliHarness.Run("propagate", "--act", "relu", "--width", "8", "--depth", "2", "--sigma-w", "1.4", "--input", P("x.npy"),
            "--input-variance", "2"), "--input-variance describes the Gaussian inputs, which --input replaces");
    }

    [Fact]
    public void Every_zero_and_every_with_json_are_errors()
    {
        AssertRefused(CliHarness.Run("propagate", "--act", "relu", "--width", "8", "--depth", "2", "--sigma-w", "1.4", "--every", "0"), "--every must be >= 1, got 0");
        AssertRefused(CliHarness.Run("propagate", "--act", "relu", "--width", "8", "--depth", "2", "--sigma-w", "1.4", "--every", "2", "--json"),
            "--every thins the table");
    }

    [Theory]
    [InlineData("normal", "--width", "16")]
    [InlineData("gemm", "--depth", "5")]
    [InlineData("uniform", "--batch", "4")]
    [InlineData("normal", "--engine", "ensemble")]
    public void Bench_options_the_workload_does_not_use_are_errors(string workload, string option, string value) =>
        AssertRefused(CliHarness.Run("bench", workload, "--size", "100", "--repeat", "1", option, value), $"{option} applies to the propagate {(option == "--engine" ? "workload" : "and train_step workloads")} only, not to {workload}");

    [Fact]
    public void Lsuv_tolerance_5_is_an_error()
    {
        // |Var - 1| < 5 holds for a std of 0.49: that is not unit variance.
        AssertRefused(CliHarness.Run("lsuv", "--act", "relu", "--width", "16", "--depth", "3", "--tolerance", "5"), "--tolerance must be > 0 and < 1, got 5");
    }

    [Fact]
    public void Lsuv_exits_1_when_a_layer_did_not_converge()
    {
        var r = CliHarness.Run("lsuv", "--act", "relu", "--width", "16", "--depth", "3", "--batch", "8", "--tolerance", "1e-9", "--max-iterations", "1", "--json");
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.False(doc.RootElement.GetProperty("converged").GetBoolean());
        Assert.Contains("did not reach |Var - 1| < 1E-09", Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(0, CliHarness.Run("lsuv", "--act", "relu", "--width", "16", "--depth", "3", "--batch", "8").ExitCode);
    }

    [Fact]
    public void NaN_in_an_input_file_is_an_error_unless_allowed()
    {
        var x = new float[4 * 8];
        x[9] = float.NaN;
        NpyFormat.Write(P("x.npy"), x, new Shape(4, 8));
        string[] args = ["propagate", "--act", "relu", "--width", "8", "--depth", "2", "--sigma-w", "1.4", "--input", P("x.npy"), "--json"];
        AssertRefused(CliHarness.Run(args), "--input holds NaN at row 1, column 1; pass --allow-nonfinite");
        var r = CliHarness.Run([.. args, "--allow-nonfinite"]);
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(1, doc.RootElement.GetProperty("first_nonfinite_layer").GetInt32());
        // An audit of such a file likewise.
        NpyFormat.Write(P("w.npy"), x, new Shape(4, 8));
        AssertRefused(CliHarness.Run("audit", P("w.npy"), "--scheme", "normal"), "holds NaN at flat index 9");
        Assert.Equal(1, CliHarness.Run("audit", P("w.npy"), "--scheme", "normal", "--allow-nonfinite").ExitCode);
    }

    // 7. sweep --plot drew relu's critical line without the fix that theory critical applied: one implementation now.

    [Theory]
    [InlineData("relu", 0.0)]
    [InlineData("relu", 0.1)]
    [InlineData("relu", 1.0)]
    [InlineData("tanh", 0.3)]
    [InlineData("elu", 0.5)]
    public void The_sweep_plot_draws_the_critical_points_theory_critical_reports(string act, double sigmaB)
    {
        var r = CliHarness.Run("theory", "critical", "--act", act, "--sigma-b", sigmaB.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        var curve = InitLab.Cli.SweepCommand.CriticalCurve(ActivationRegistry.Parse(act), [sigmaB]);
        Assert.Equal(doc.RootElement.GetProperty("sigma_w_critical").GetDouble(), Assert.Single(curve.X));
        var point = CriticalLine.TrySigmaW(ActivationRegistry.Parse(act), sigmaB)!;
        Assert.Equal(doc.RootElement.GetProperty("q_star_kind").GetString(), point.FixedPoint.Kind.ToString().ToLowerInvariant());
    }

    [Fact]
    public void The_library_reports_relus_divergent_q_star_on_the_critical_line()
    {
        // q* = sigma_b^2 / (1 - sigma_w^2 / 2) has a pole at sigma_w = sqrt 2: the library itself says so now (it used to
        // return a finite q* of about 3.5e13, which only theory critical corrected).
        var point = CriticalLine.SigmaW(Activation.Relu, 0.1);
        Assert.Equal(Math.Sqrt(2), point.SigmaW, 12);
        Assert.Equal(FixedPointKind.Divergent, point.FixedPoint.Kind);
        Assert.True(double.IsPositiveInfinity(point.FixedPoint.QStar));
        Assert.Equal(FixedPointKind.Finite, CriticalLine.SigmaW(Activation.Tanh, 0.1).FixedPoint.Kind);
    }

    // Output files: "init --out /dev/full" replaced the device with a file.

    [Fact]
    public void Init_refuses_a_device_and_leaves_it_a_device()
    {
        string device = SpecialFiles.CharacterDevice(P("full.npy"));
        var r = CliHarness.Run("init", "--scheme", "normal", "--shape", "4,4", "--out", device);
        AssertRefused(r, "is a character device, not a regular file");
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of(device));
    }

    [Fact]
    public void A_bad_plot_path_is_refused_before_the_work()
    {
        // depth 100000 at width 512 would take minutes; the missing directory is reported at once.
        AssertRefused(CliHarness.Run("propagate", "--act", "relu", "--width", "512", "--depth", "100000", "--sigma-w", "1.4", "--plot", P("no/such/p.png")),
            "does not exist");
    }
}
