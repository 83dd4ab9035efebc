using InitLab.Activations;
using InitLab.Propagation;
using InitLab.Theory;
using InitLab.Training;

namespace InitLab.Tests.Training;

public class TrainabilityTests
{
    internal static TrainabilitySettings Settings(string sigmaW = "1:3:3", string depth = "10:30:3") =>
        new("tanh", null, ParameterGrid.Parse(sigmaW, "sw"), ParameterGrid.Parse(depth, "d"), 32, 0.05, 100, 16, "sgd", 0.01, 0.9, 500, 100,
            new string('a', 64), 7, LibraryInfo.Version);

    /// <summary>A whole grid's cells with accuracies from <paramref name="accuracy"/>(sigma_w, depth); null = diverged at step 3.</summary>
    internal static TrainabilityCell[] Cells(TrainabilitySettings s, Func<double, int, double?> accuracy)
    {
        var depths = Trainability.Depths(s.Depth);
        return [.. Enumerable.Range(0, s.TotalCells).Select(i =>
        {
            double sw = s.SigmaW[i / depths.Length];
            int d = depths[i % depths.Length];
            double? a = accuracy(sw, d);
            return new TrainabilityCell(i, sw, d, a, a is null ? 3 : null, a is null ? double.NaN : 0.5, "stable");
        })];
    }

    [Theory]
    [InlineData("10:100:10", new[] { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 })]
    [InlineData("5:95:10", new[] { 5, 15, 25, 35, 45, 55, 65, 75, 85, 95 })]
    [InlineData("7", new[] { 7 })]
    public void Depth_grids_give_whole_depths(string text, int[] expected) =>
        Assert.Equal(expected, Trainability.Depths(ParameterGrid.Parse(text, "depth")));

    [Theory]
    [InlineData("10:100:8", "gives 22.857142857142858")]
    [InlineData("0:10:3", "gives 0")]
    [InlineData("1:2:3", "gives 1.5")]
    public void Impossible_depth_grids_are_refused(string text, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => Trainability.Depths(ParameterGrid.Parse(text, "--depth"), "--depth"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Shards_merge_into_the_whole_grid_and_every_mismatch_is_named()
    {
        var s = Settings();
        var cells = Cells(s, (sw, d) => 0.8 - 0.01 * d);
        var shards = new[] { new Shard(1, 2), new Shard(2, 2) }
            .Select(sh => new TrainabilityDocument(s, sh, [.. sh.Cells(s.TotalCells).Select(i => cells[i])])).ToArray();
        var whole = TrainabilityDocument.Merge([shards[1], shards[0]]);
        Assert.Equal(Shard.Whole, whole.Shard);
        Assert.Equal(cells, whole.Cells);

        var other = shards[1] with { Settings = s with { Seed = 8 } };
        Assert.Contains("seed is 8 there but 7", Assert.Throws<ArgumentException>(() => TrainabilityDocument.Merge([shards[0], other])).Message);
        Assert.Contains("cell 4 and 4 more are missing", Assert.Throws<ArgumentException>(() => TrainabilityDocument.Merge([shards[0]])).Message);
        Assert.Contains("appears in both", Assert.Throws<ArgumentException>(() => TrainabilityDocument.Merge([shards[0], shards[0], shards[1]])).Message);
    }

    [Fact]
    public void A_cell_off_its_grid_point_or_with_two_outcomes_is_invalid()
    {
        var s = Settings();
        var cells = Cells(s, (_, _) => 0.5);
        var moved = cells.ToArray();
        moved[4] = moved[4] with { Depth = 21 };
        Assert.Contains("its grid point is sigma_w = 2, depth = 20", Assert.Throws<ArgumentException>(() => new TrainabilityDocument(s, Shard.Whole, moved).Validate()).Message);
        var both = cells.ToArray();
        both[2] = both[2] with { DivergedAtStep = 5 };
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => new TrainabilityDocument(s, Shard.Whole, both).Validate()).Message);
        var late = cells.ToArray();
        late[2] = late[2] with { TestAccuracy = null, DivergedAtStep = 100 };
        Assert.Contains("outside 0..99", Assert.Throws<ArgumentException>(() => new TrainabilityDocument(s, Shard.Whole, late).Validate()).Message);
    }

    [Fact]
    public void The_trainable_depth_is_the_deepest_cell_half_way_from_chance_to_the_best_of_its_sigma_w()
    {
        var s = Settings("1:3:3", "10:50:5");
        // sigma_w 1 trains to depth 30, sigma_w 2 to 50 (one cell diverges), sigma_w 3 nowhere: its best, 0.2, is below
        // the floor of 5 binomial standard errors above chance on the 100 test examples (0.1 + 5 x 0.03 = 0.25).
        var cells = Cells(s, (sw, d) => sw switch
        {
            1 => d <= 30 ? 0.8 : 0.1,
            2 => d == 40 ? null : 0.9,
            _ => d == 10 ? 0.2 : 0.12,
        });
        var analysis = TrainabilityAnalysis.Of(new TrainabilityDocument(s, Shard.Whole, cells));
        Assert.Equal([0.45, 0.5, 0.25], analysis.Depths.Select(d => Math.Round(d.Threshold, 12)));
        Assert.Equal([30, 50, null], analysis.Depths.Select(d => d.MeasuredDepth));
        Assert.Equal([0.8, 0.9, 0.2], analysis.Depths.Select(d => d.BestAccuracy));
        for (int i = 0; i < 3; i++)
        {
            var theory = new MeanFieldModel(Activation.Tanh, i + 1, 0.05).Analyze();
            Assert.Equal(6 * theory.XiC, analysis.Depths[i].PredictedDepth);
        }
    }
}
