using InitLab.Activations;
using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

/// <summary>Every value a sweep reports, not only its presence: grid points, cell seeds, shards and each cell's fields.</summary>
public class SweepTests
{
    [Theory]
    [InlineData("0.5:2.5:5", new[] { 0.5, 1.0, 1.5, 2.0, 2.5 })]
    [InlineData("0:0.3:4", new[] { 0.0, 0.1, 0.2, 0.3 })]
    [InlineData("-1:1:2", new[] { -1.0, 1.0 })]
    [InlineData("3:1:3", new[] { 3.0, 2.0, 1.0 })]
    [InlineData("1.25", new[] { 1.25 })]
    [InlineData("2:2:1", new[] { 2.0 })]
    public void Grid_points_are_inclusive_and_evenly_spaced_by_stop_minus_start_over_count_minus_one(string text, double[] expected)
    {
        var grid = ParameterGrid.Parse(text, "--sigma-w");
        Assert.Equal(expected.Length, grid.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], grid[i], 14);
        Assert.Equal(expected[0], grid.Start);
        Assert.Equal(expected[^1], grid.Stop);
        Assert.Equal(grid, ParameterGrid.Parse(grid.ToString(), "x"));
    }

    [Theory]
    [InlineData("1:2:0", "COUNT")]
    [InlineData("1:2:100001", "COUNT")]
    [InlineData("1:2:1", "START = STOP")]
    [InlineData("1:Infinity:3", "finite")]
    [InlineData("1:2:3:4", "START:STOP:COUNT")]
    [InlineData("nan", "START:STOP:COUNT")]
    public void Malformed_grids_are_rejected_naming_the_option(string text, string expected)
    {
        var ex = Assert.Throws<ArgumentException>(() => ParameterGrid.Parse(text, "--sigma-b"));
        Assert.Contains(expected, ex.Message);
        Assert.Equal("--sigma-b", ex.ParamName);
    }

    [Fact]
    public void Cell_seeds_are_splitmix64_of_seed_plus_golden_gamma_times_index_plus_one()
    {
        // SplitMix64 (Steele, Lea and Flood 2014) finalizer, written out here.
        static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
        foreach (ulong seed in new[] { 0UL, 9UL, ulong.MaxValue })
            foreach (int index in new[] { 0, 1, 17, 99_999 })
                Assert.Equal(Mix(unchecked(seed + 0x9E3779B97F4A7C15UL * (ulong)(index + 1))), Sweep.CellSeed(seed, index));
        // SplitMix64's first output for state 0 (the published reference value).
        Assert.Equal(0xE220A8397B1DCDAFUL, Sweep.CellSeed(0, 0));
    }

    [Theory]
    [InlineData(10, 3)]
    [InlineData(7, 7)]
    [InlineData(5, 8)]
    [InlineData(1000, 6)]
    public void Shards_are_contiguous_balanced_slices_that_cover_every_cell_once(int total, int shards)
    {
        var all = new List<int>();
        for (int k = 1; k <= shards; k++)
        {
            var cells = Sweep.ShardCells(total, k, shards);
            // Shard k holds cells floor(total (k - 1) / shards) .. floor(total k / shards) - 1.
            Assert.Equal(Enumerable.Range(total * (k - 1) / shards, total * k / shards - total * (k - 1) / shards), cells);
            all.AddRange(cells);
        }
        Assert.Equal(Enumerable.Range(0, total), all);
        Assert.Throws<ArgumentException>(() => Sweep.ShardCells(total, 0, shards));
        Assert.Throws<ArgumentException>(() => Sweep.ShardCells(total, shards + 1, shards));
        Assert.Throws<ArgumentException>(() => Sweep.ShardCells(total, 1, 0));
    }

    [Fact]
    public void Each_cell_reports_the_trace_of_its_own_network_and_seed()
    {
        var gw = ParameterGrid.Parse("0.5:3.5:4", "--sigma-w");
        var gb = ParameterGrid.Parse("0:0.4:3", "--sigma-b");
        NetworkSpec Make(double sw, double sb) => new(32, 12, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(sw)) { Batch = 3, SigmaB = sb };
        int[] cells = [11, 0, 5, 7];
        var result = Sweep.Run(gw, gb, cells, Make, Engine.Explicit, 21);
        Assert.Equal(cells.Length, result.Count);
        for (int k = 0; k < cells.Length; k++)
        {
            int index = cells[k];
            // sigma_w major: cell = iw * 3 + ib.
            double sw = 0.5 + index / 3 * 1.0, sb = index % 3 * 0.2;
            var cell = result[k];
            Assert.Equal(index, cell.Index);
            Assert.Equal(sw, cell.SigmaW, 14);
            Assert.Equal(sb, cell.SigmaB, 14);
            var trace = Propagator.Run(Make(sw, sb), Engine.Explicit, Sweep.CellSeed(21, index));
            Assert.Equal(trace.Layers[^1].Std, cell.FinalStd);
            Assert.Equal(trace.Layers[^1].Correlation, cell.FinalCorrelation);
            Assert.Equal(trace.FirstNonFiniteLayer, cell.FirstNonFiniteLayer);
            Assert.Equal(trace.Diagnosis.VerdictName, cell.Verdict);
        }
    }

    [Fact]
    public void Cells_outside_the_grid_and_negative_sigmas_are_rejected()
    {
        var gw = ParameterGrid.Parse("-1:1:3", "--sigma-w");
        var gb = ParameterGrid.Parse("0", "--sigma-b");
        NetworkSpec Make(double sw, double sb) => new(8, 2, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(Math.Abs(sw))) { Batch = 2, SigmaB = sb };
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => Sweep.Run(gw, gb, [3], Make, Engine.MeanField, 1)).Message);
        Assert.Contains("outside", Assert.Throws<ArgumentException>(() => Sweep.Run(gw, gb, [-1], Make, Engine.MeanField, 1)).Message);
        Assert.Contains("sigma_w", Assert.Throws<ArgumentException>(() => Sweep.Run(gw, gb, [0], Make, Engine.MeanField, 1)).Message);
        var done = new List<int>();
        Assert.Equal(2, Sweep.Run(gw, gb, [1, 2], Make, Engine.MeanField, 1, done.Add).Count);
        Assert.Equal([1, 2], done);
    }
}
