using System.Text.Json;
using InitLab.Activations;
using InitLab.Theory;

namespace InitLab.Tests.Cli;

public class TrainingCommandsTests
{
    // Small runs on the Debian data set: 1000 training and 200 test images.
    private static readonly string[] Small = ["--train-size", "1000", "--test-size", "200"];

    [Fact]
    public void Train_prints_the_prediction_the_loss_per_step_and_the_test_accuracy()
    {
        var r = CliHarness.Run(["train", "--act", "tanh", "--width", "16", "--depth", "3", "--sigma-w", "1.5", "--sigma-b", "0.05",
            "--steps", "20", "--batch", "32", "--json", .. Small]);
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var root = doc.RootElement;
        var p = root.GetProperty("prediction");
        var theory = new MeanFieldModel(Activation.Tanh, 1.5, 0.05).Analyze();
        Assert.Equal("stable", p.GetProperty("verdict").GetString());
        Assert.Equal("chaotic", p.GetProperty("phase").GetString());
        Assert.Equal(theory.XiC!.Value, p.GetProperty("xi_c").GetDouble(), 12);
        Assert.Equal(6 * theory.XiC!.Value, p.GetProperty("trainable_depth").GetDouble(), 12);
        Assert.True(p.GetProperty("trainable").GetBoolean());
        Assert.Equal(20, root.GetProperty("loss").GetArrayLength());
        // The first loss is that of a random network on 10 classes: near log 10.
        Assert.InRange(root.GetProperty("loss")[0].GetDouble(), 1.5, 4);
        Assert.InRange(root.GetProperty("test_accuracy").GetDouble(), 0, 1);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("diverged_at_step").ValueKind);
        Assert.Equal(3, root.GetProperty("step0").GetProperty("layers").GetArrayLength());
        Assert.Equal("sgd", root.GetProperty("optimizer").GetProperty("name").GetString());
        Assert.Equal(0.01, root.GetProperty("optimizer").GetProperty("lr").GetDouble());
        Assert.Equal(0.9, root.GetProperty("optimizer").GetProperty("momentum").GetDouble());
        Assert.Equal("train", root.GetProperty("config").GetProperty("command").GetString());
        Assert.Equal(20, root.GetProperty("config").GetProperty("options").GetProperty("steps").GetInt32());
    }

    [Fact]
    public void The_same_seed_trains_to_the_same_bits()
    {
        string dir = Formats.IdxTestFiles.FakeFashionMnist(100, rows: 4, cols: 4);
        try
        {
            string[] args = ["train", "--act", "relu", "--width", "8", "--depth", "2", "--init", "kaiming_normal", "--steps", "5", "--batch", "16",
                "--seed", "3", "--json", "--data", dir];
            var first = CliHarness.Run(args);
            Assert.True(first.ExitCode == 0, first.Err);
            Assert.Equal(first.Out, CliHarness.Run(args).Out);
            Assert.NotEqual(first.Out, CliHarness.Run([.. args[..^4], "4", "--json", "--data", dir]).Out);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_diverging_learning_rate_reports_the_step_and_exits_1()
    {
        // A linear network with a step size far beyond 2 / (largest curvature): gradient descent grows the weights geometrically.
        var r = CliHarness.Run(["train", "--act", "identity", "--width", "16", "--depth", "4", "--sigma-w", "1", "--steps", "50", "--lr", "10", "--json", .. Small]);
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out);
        int k = doc.RootElement.GetProperty("diverged_at_step").GetInt32();
        Assert.Equal(k + 1, doc.RootElement.GetProperty("loss").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("test_accuracy").ValueKind);
        Assert.Matches($"^error: training diverged: the loss is (NaN|Infinity) at step {k}; lower --lr \\(now 10\\)\\.\\n$", r.Err.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_missing_data_set_is_one_line_that_says_how_to_install_it()
    {
        string dir = Path.Combine(Path.GetTempPath(), "initlab-no-fashion-mnist");
        var r = CliHarness.Run("train", "--act", "tanh", "--width", "8", "--depth", "2", "--sigma-w", "1", "--steps", "1", "--data", dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("sudo apt-get install dataset-fashion-mnist", r.Err);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void A_corrupt_data_file_is_one_line_naming_the_file_and_exit_2()
    {
        string dir = Formats.IdxTestFiles.FakeFashionMnist(50, rows: 4, cols: 4);
        try
        {
            string labels = Path.Combine(dir, "train-labels-idx1-ubyte.gz");
            File.WriteAllBytes(labels, File.ReadAllBytes(labels)[..12]);
            var r = CliHarness.Run("train", "--act", "tanh", "--width", "8", "--depth", "2", "--sigma-w", "1", "--steps", "1", "--batch", "8", "--data", dir);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(labels, r.Err);
            Assert.Contains("is not a readable IDX file", r.Err);
            Assert.Single(r.Err.TrimEnd().Split('\n'));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("--optimizer adam --momentum 0.5", "--momentum applies to --optimizer sgd")]
    [InlineData("--optimizer rmsprop", "--optimizer")]
    [InlineData("--lr 0", "--lr must be > 0")]
    [InlineData("--lr 1,5", "--lr must be a finite number")]
    [InlineData("--momentum 1", "--momentum must be >= 0 and < 1")]
    [InlineData("--batch 5000", "--batch 5000 is larger than the 1000 training examples")]
    [InlineData("--init kaiming_normal", "give exactly one of --init SCHEME and --sigma-w SW")]
    [InlineData("--gain 2", "--gain applies to --init schemes")]
    public void Bad_training_options_are_one_line_and_exit_2(string extra, string message)
    {
        var r = CliHarness.Run(["train", "--act", "tanh", "--width", "8", "--depth", "2", "--sigma-w", "1", "--steps", "2", .. Small, .. extra.Split(' ')]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Bench_train_step_times_one_training_step()
    {
        var r = CliHarness.Run("bench", "train_step", "--width", "16", "--depth", "2", "--batch", "8", "--repeat", "2", "--threads", "1", "--json");
        Assert.True(r.ExitCode == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal("train_step", doc.RootElement.GetProperty("workload").GetString());
        Assert.Equal("steps/s", doc.RootElement.GetProperty("unit").GetString());
        Assert.Equal(1 / doc.RootElement.GetProperty("seconds_min").GetDouble(), doc.RootElement.GetProperty("throughput").GetDouble(), 6);
        var bad = CliHarness.Run("bench", "train_step", "--engine", "ensemble");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--engine applies to the propagate workload", bad.Err);
    }

    [Fact]
    public void Absurd_networks_are_refused_before_the_data_is_read()
    {
        // 10^5 x 10^5 weights per layer: terabytes; the message names the option to reduce.
        var r = CliHarness.Run("train", "--act", "tanh", "--width", "100000", "--depth", "100", "--sigma-w", "1", "--steps", "1", "--data", "/nonexistent");
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: --width 100000: training needs about ", r.Err);
        var grid = CliHarness.Run("trainability", "--act", "tanh", "--sigma-w", "1:2:2", "--depth", "1:1000000:2", "--width", "2048", "--steps", "100000", "--data", "/nonexistent");
        Assert.Equal(2, grid.ExitCode);
        Assert.Contains("the trainability grid needs about", grid.Err);
    }

    [Fact]
    public void Trainability_shards_merge_into_the_same_cells_as_the_whole_grid()
    {
        // A tiny stand-in for Fashion-MNIST (200 images of 4 x 4 pixels), so that five runs read little data.
        string dir = Formats.IdxTestFiles.FakeFashionMnist(200, rows: 4, cols: 4);
        try
        {
            string[] grid = ["trainability", "--act", "tanh", "--sigma-w", "1:3:2", "--depth", "1:3:2", "--width", "8", "--sigma-b", "0.05",
                "--steps", "10", "--batch", "32", "--json", "--data", dir];
            var whole = CliHarness.Run(grid);
            Assert.True(whole.ExitCode == 0, whole.Err);
            var paths = new List<string>();
            for (int k = 1; k <= 3; k++)
            {
                var shard = CliHarness.Run([.. grid, "--shard", $"{k}/3"]);
                Assert.True(shard.ExitCode == 0, shard.Err);
                string path = Path.Combine(dir, $"s{k}.json");
                File.WriteAllText(path, shard.Out);
                paths.Add(path);
            }
            string plot = Path.Combine(dir, "t.png");
            var merged = CliHarness.Run(["merge", .. paths, "--json", "--plot", plot]);
            Assert.True(merged.ExitCode == 0, merged.Err);
            using var a = JsonDocument.Parse(whole.Out);
            using var b = JsonDocument.Parse(merged.Out);
            Assert.Equal(a.RootElement.GetProperty("cells").GetRawText(), b.RootElement.GetProperty("cells").GetRawText());
            Assert.Equal(a.RootElement.GetProperty("trainable_depth").GetRawText(), b.RootElement.GetProperty("trainable_depth").GetRawText());
            Assert.Equal(4, a.RootElement.GetProperty("cells").GetArrayLength());
            Assert.True(new FileInfo(plot).Length > 1000);
            var report = CliHarness.Run(["merge", .. paths, "--report", Path.Combine(dir, "t.html")]);
            Assert.Equal(2, report.ExitCode);
            Assert.Contains("--report applies to sweep documents", report.Err);
            Assert.False(File.Exists(Path.Combine(dir, "t.html")));
            var missing = CliHarness.Run("merge", paths[0], paths[2]);
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("missing", missing.Err);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Theory]
    [InlineData("--depth 10:100:8", "every depth must be a whole number")]
    [InlineData("--depth 0:10:3", "every depth must be a whole number >= 1")]
    [InlineData("--sigma-w -1:2:3", "--sigma-w values must be >= 0")]
    [InlineData("--shard 5/4", "--shard")]
    [InlineData("--shard auto", "no job array found")]
    public void Impossible_grids_are_one_line_and_exit_2(string extra, string message)
    {
        var args = new List<string> { "trainability", "--act", "tanh", "--sigma-w", "1:2:2", "--depth", "1:2:2", "--width", "8", "--steps", "1" };
        var parts = extra.Split(' ');
        int at = args.IndexOf(parts[0]);
        if (at >= 0) args[at + 1] = parts[1];
        else args.AddRange(parts);
        var r = CliHarness.Run([.. args, .. Small]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Err);
        Assert.Single(r.Err.TrimEnd().Split('\n'));
    }
}
