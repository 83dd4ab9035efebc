using InitLab.Activations;
using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

public class LsuvAndSweepTests
{
    [Fact]
    public void Lsuv_reaches_unit_variance_in_every_layer()
    {
        var spec = new NetworkSpec(128, 12, Activation.Tanh, new WeightDistribution.Orthogonal(1)) { Batch = 64 };
        var result = Lsuv.Run(spec, 4, tolerance: 0.02, maxIterations: 10);
        Assert.True(result.Converged);
        Assert.All(result.Layers, l => Assert.InRange(l.Std * l.Std, 0.98, 1.02));
        Assert.Equal(12, result.Weights.Count);
    }

    [Fact]
    public void Lsuv_rejects_a_non_positive_tolerance()
    {
        var spec = new NetworkSpec(8, 2, Activation.Relu, new WeightDistribution.Orthogonal(1));
        Assert.Equal("tolerance", Assert.Throws<ArgumentException>(() => Lsuv.Run(spec, 0, tolerance: 0)).ParamName);
    }

    [Fact]
    public void Shards_are_bit_identical_to_the_same_cells_of_the_whole_sweep()
    {
        var gw = ParameterGrid.Parse("0.5:2.5:5", "--sigma-w");
        var gb = ParameterGrid.Parse("0:0.3:3", "--sigma-b");
        NetworkSpec Make(double sw, double sb) => new(64, 10, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(sw)) { Batch = 4, SigmaB = sb };
        int total = gw.Count * gb.Count;
        var whole = Sweep.Run(gw, gb, Enumerable.Range(0, total).ToArray(), Make, Engine.Ensemble, 9);
        var shards = Enumerable.Range(1, 4).SelectMany(k => Sweep.Run(gw, gb, Sweep.ShardCells(total, k, 4), Make, Engine.Ensemble, 9)).ToList();
        Assert.Equal(whole, shards);
    }

    [Theory]
    [InlineData("1:2", "START:STOP:COUNT")]
    [InlineData("1:2:0", "COUNT")]
    [InlineData("a:2:3", "START:STOP:COUNT")]
    [InlineData("1:nan:3", "finite")]
    public void Grid_rejects_malformed_text(string text, string expected) =>
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => ParameterGrid.Parse(text, "--sigma-w")).Message);

    [Fact]
    public void Shard_cells_partition_the_grid()
    {
        var all = Enumerable.Range(1, 3).SelectMany(k => Sweep.ShardCells(10, k, 3)).ToList();
        Assert.Equal(Enumerable.Range(0, 10), all);
        Assert.Throws<ArgumentException>(() => Sweep.ShardCells(10, 4, 3));
    }

    [Fact]
    public void Lsuv_reports_a_layer_that_did_not_reach_the_tolerance_as_not_converged()
    {
        // One rescale cannot bring relu's variance to within 1e-9 of 1 on a finite batch.
        var spec = new NetworkSpec(64, 3, Activation.Relu, new WeightDistribution.Orthogonal(1)) { Batch = 16 };
        var result = Lsuv.Run(spec, 2, tolerance: 1e-9, maxIterations: 1);
        Assert.False(result.Converged);
        Assert.Contains(result.Layers, l => !l.Converged);
        Assert.All(result.Layers, l => Assert.True(l.Iterations <= 1));
        // Each rescale divides W by the measured std: after one, layer 1 (whose input does not change) has variance 1 to rounding.
        Assert.Equal(1.0, result.Layers[0].Std, 5);
    }
}
