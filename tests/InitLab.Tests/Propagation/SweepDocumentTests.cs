using InitLab.Formats.Sweeps;
using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

public class SweepDocumentTests
{
    internal static SweepSettings Settings(double? residual = null, double? inputVariance = 1.0, ulong seed = 3) =>
        new("tanh", null, new ParameterGrid(1, 2, 2), new ParameterGrid(0, 0.1, 2), [8, 8, 8], 4, residual, inputVariance, false, null,
            "ensemble", seed, LibraryInfo.Version);

    private static SweepDocument RunShard(SweepSettings s, int k, int n) => Sweep.Run(s, new InitLab.Propagation.Shard(k, n));

    [Fact]
    public void Shards_merge_into_the_whole_sweep_bit_for_bit()
    {
        var s = Settings();
        var whole = RunShard(s, 1, 1);
        var merged = SweepDocument.Merge([RunShard(s, 3, 3), RunShard(s, 1, 3), RunShard(s, 2, 3)]);
        Assert.Equal(InitLab.Propagation.Shard.Whole, merged.Shard);
        Assert.Equal(whole.Cells, merged.Cells);
        Assert.Equal(SweepJson.Write(whole), SweepJson.Write(merged));
    }

    [Fact]
    public void A_job_array_larger_than_the_grid_has_empty_shards_that_merge()
    {
        var s = Settings();
        var shards = Enumerable.Range(1, 6).Select(k => RunShard(s, k, 6)).ToArray();
        Assert.Contains(shards, d => d.Cells.Count == 0);
        Assert.Equal(RunShard(s, 1, 1).Cells, SweepDocument.Merge(shards).Cells);
    }

    [Fact]
    public void Run_from_settings_equals_the_cell_runner_with_the_same_networks()
    {
        var s = Settings(residual: 0.5);
        var cells = Sweep.Run(s.SigmaW, s.SigmaB, [0, 1, 2, 3], (sw, sb) => new NetworkSpec(s.Widths, InitLab.Activations.Activation.Tanh,
            WeightDistribution.Gaussian.WithSigmaW(sw)) { Batch = 4, SigmaB = sb, ResidualAlpha = 0.5 }, Engine.Ensemble, s.Seed);
        Assert.Equal(cells, RunShard(s, 1, 1).Cells);
    }

    [Theory]
    [InlineData("residual")]
    [InlineData("input_variance")]
    [InlineData("seed")]
    public void Shards_of_different_sweeps_are_refused_naming_the_setting(string setting)
    {
        var other = setting switch
        {
            "residual" => Settings(residual: 0.5),
            "input_variance" => Settings(inputVariance: 2),
            _ => Settings(seed: 4),
        };
        // The settings change the cells, so a merge that ignored them would be a silently wrong sweep.
        Assert.NotEqual(RunShard(Settings(), 2, 2).Cells.Select(c => c.FinalStd), RunShard(other, 2, 2).Cells.Select(c => c.FinalStd));
        var e = Assert.Throws<ArgumentException>(() => SweepDocument.Merge([RunShard(Settings(), 1, 2), RunShard(other, 2, 2)], ["a.json", "b.json"]));
        Assert.Contains($"b.json is from a different sweep than a.json: {setting} is", e.Message);
    }

    [Fact]
    public void Every_setting_is_compared()
    {
        var s = Settings();
        var changed = new SweepSettings[]
        {
            s with { Activation = "relu" }, s with { Activation = "leaky_relu", ActivationParameter = 0.2 }, s with { SigmaW = new ParameterGrid(1, 3, 2) },
            s with { SigmaB = new ParameterGrid(0, 0.2, 2) }, s with { Widths = [8, 8, 4] }, s with { Batch = 5 }, s with { Residual = 1 },
            s with { InputVariance = 2 }, s with { SharedWeights = true }, s with { InputVariance = null, InputSha256 = new string('0', 64) },
            s with { Engine = "explicit" }, s with { Seed = 9 }, s with { InitLabVersion = "0.0.1" },
        };
        var names = changed.Select(c => s.FirstDifference(c)!.Value.Name).ToList();
        Assert.Equal(["activation", "activation", "sigma_w_grid", "sigma_b_grid", "widths", "batch", "residual", "input_variance", "shared_weights",
            "input_variance", "engine", "seed", "initlab_version"], names);
        Assert.Null(s.FirstDifference(s with { }));
    }

    [Fact]
    public void A_cell_outside_the_grid_a_duplicate_and_a_missing_cell_are_named()
    {
        var s = Settings();
        var a = RunShard(s, 1, 2);
        var b = RunShard(s, 2, 2);
        var outside = b with { Cells = [b.Cells[0] with { Index = 99999 }, b.Cells[1]] };
        Assert.Contains("cell index 99999 is outside the 4-cell grid", Assert.Throws<ArgumentException>(() => SweepDocument.Merge([a, outside])).Message);
        var negative = b with { Cells = [b.Cells[0] with { Index = -1 }, b.Cells[1]] };
        Assert.Contains("cell index -1", Assert.Throws<ArgumentException>(() => SweepDocument.Merge([a, negative])).Message);
        Assert.Contains("cell 0 appears in both document 1 and document 2", Assert.Throws<ArgumentException>(() => SweepDocument.Merge([a, a])).Message);
        Assert.Contains("cell 2 and 1 more are missing", Assert.Throws<ArgumentException>(() => SweepDocument.Merge([a])).Message);
        var short1 = a with { Cells = [a.Cells[0]] };
        Assert.Contains("cell 1 is missing", Assert.Throws<ArgumentException>(() => short1.Validate()).Message);
        var moved = a with { Cells = [a.Cells[0], a.Cells[1] with { SigmaW = 1.5 }] };
        Assert.Contains("its grid point is sigma_w = 1", Assert.Throws<ArgumentException>(() => moved.Validate()).Message);
        var foreign = a with { Cells = [a.Cells[0], b.Cells[0]] };
        Assert.Contains("is not the next cell of shard 1/2", Assert.Throws<ArgumentException>(() => foreign.Validate()).Message);
    }

    [Fact]
    public void The_json_form_round_trips_every_setting_and_cell()
    {
        var s = Settings(residual: 0.25) with { Activation = "leaky_relu", ActivationParameter = 0.2 };
        var doc = RunShard(s, 2, 3);
        var back = SweepJson.Read(SweepJson.Write(doc), "doc");
        Assert.Null(doc.Settings.FirstDifference(back.Settings));
        Assert.Equal(doc.Shard, back.Shard);
        Assert.Equal(doc.Cells, back.Cells);
    }

    [Fact]
    public void The_json_reader_refuses_documents_without_the_new_settings()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(SweepJson.Write(RunShard(Settings(), 1, 1)))!.AsObject();
        node.Remove("residual");
        var e = Assert.Throws<InvalidDataException>(() => SweepJson.Read(node.ToJsonString(), "old.json"));
        Assert.Equal("'old.json' is not a valid InitLab sweep document: the document lacks the key \"residual\".", e.Message);
    }

    [Fact]
    public void The_json_reader_names_a_cell_outside_the_grid_in_one_sentence()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(SweepJson.Write(RunShard(Settings(), 2, 2)))!.AsObject();
        node["cells"]![0]!["index"] = 99999;
        var e = Assert.Throws<InvalidDataException>(() => SweepJson.Read(node.ToJsonString(), "s2.json"));
        // The validation's ArgumentException, without .NET's "(Parameter 'cells')" (which left "(0..3).." in merge's message).
        Assert.Equal("'s2.json' is not a valid InitLab sweep document: cell index 99999 is outside the 4-cell grid (0..3).", e.Message);
    }

    [Fact]
    public void Data_inputs_are_recorded_by_their_hash()
    {
        var input = new float[4 * 8];
        new InitLab.Random.Generator(1).Normal(input);
        var s = Settings(inputVariance: null) with { InputSha256 = Sweep.HashInput(input) };
        var doc = Sweep.Run(s, InitLab.Propagation.Shard.Whole, input);
        Assert.Equal(4, doc.Cells.Count);
        input[0] += 1;
        Assert.Throws<ArgumentException>(() => Sweep.Run(s, InitLab.Propagation.Shard.Whole, input));
        Assert.Throws<ArgumentException>(() => Sweep.Run(s, InitLab.Propagation.Shard.Whole));
    }
}
