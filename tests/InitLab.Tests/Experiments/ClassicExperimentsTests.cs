using InitLab.Experiments;

namespace InitLab.Tests.Experiments;

/// <summary>Runs the experiments once and shares the results (the whole set takes a few seconds).</summary>
public sealed class ClassicExperimentsFixture
{
    public IReadOnlyList<ExperimentResult> Results { get; } = ClassicExperiments.RunAll(seed: 0);
    public ExperimentResult this[string id] => Results.Single(r => r.Id == id);
}

public class ClassicExperimentsTests(ClassicExperimentsFixture fx) : IClassFixture<ClassicExperimentsFixture>
{
    [Fact]
    public void Every_experiment_runs_and_agrees_with_its_prediction()
    {
        Assert.Equal(ClassicExperiments.Ids, fx.Results.Select(r => r.Id));
        Assert.All(fx.Results, r => Assert.True(r.Agrees, $"{r.Id}: {string.Join(", ", r.Measured)}"));
    }

    [Fact]
    public void Explosion_ends_in_NaN_after_an_infinite_layer_near_28()
    {
        var r = fx["explosion"];
        Assert.True(double.IsNaN(r.Measured["mean"]) && double.IsNaN(r.Measured["std"]));
        // The first Inf entry appears at the continuous crossing 28.07 (log10 FLT_MAX - log10 max|z|) / log10 sqrt(512),
        // rounded up. The shared matrix's growth over ~28 layers and log10 max|x| spread by less than 0.7 decades,
        // a layer being 1.35 decades: the layer is within 0.5 + 1 (the ceiling) of the crossing.
        double crossing = fx["first-nan"].Predicted["layer_crossing"];
        Assert.InRange(r.Measured["first_nonfinite_layer"], crossing - 1.5, crossing + 1.5);
    }

    [Fact]
    public void First_nan_layer_and_growth_follow_the_sqrt_n_law()
    {
        var r = fx["first-nan"];
        Assert.Equal(Math.Log10(Math.Sqrt(512)), r.Predicted["log10_growth_per_layer"], 12);
        // Element overflow happens at the crossing 28.07 (layer 29); a float32 sum overflows one layer earlier (28),
        // which is the layer PyTorch's float32 x.std() reports.
        Assert.Equal(29, r.Predicted["layer"]);
        Assert.Equal(28, r.Predicted["layer_float32_sum_overflow"]);
        // Within 1.5 layers of the continuous crossing (see the explosion test for the derivation).
        Assert.InRange(r.Measured["layer"], r.Predicted["layer_crossing"] - 1.5, r.Predicted["layer_crossing"] + 1.5);
    }

    [Fact]
    public void Vanishing_is_exactly_zero_in_float32()
    {
        var r = fx["vanishing"];
        Assert.Equal(0.0, r.Measured["mean"]);
        Assert.Equal(0.0, r.Measured["std"]);
    }

    [Fact]
    public void Moment_predictions_come_from_the_formulas()
    {
        Assert.Equal(1 / Math.PI, fx["relu-product-moments"].Predicted["mean"], 15);
        Assert.Equal(Math.Sqrt(512 / (2 * Math.PI)), fx["relu-matvec-moments"].Predicted["mean"], 12);
        Assert.Equal(0.4, fx["fan-avg"].Predicted["forward_var_glorot"], 15);
        Assert.Equal(1.6, fx["fan-avg"].Predicted["backward_var_glorot"], 15);
        Assert.Equal(0.5641895835, fx["kaiming"].Predicted["mean"], 9);
    }

    [Fact]
    public void Same_seed_gives_identical_measurements()
    {
        var again = ClassicExperiments.Run("first-nan", 0);
        Assert.Equal(fx["first-nan"].Measured, again.Measured);
    }

    [Fact]
    public void Several_seeds_report_min_median_and_max_and_agree_on_every_seed()
    {
        var r = ClassicExperiments.Run("first-nan", 100, seeds: 20);
        Assert.True(r.Agrees);
        Assert.Contains("layer_min", r.Measured.Keys);
        Assert.Contains("layer_median", r.Measured.Keys);
        Assert.Contains("layer_max", r.Measured.Keys);
        Assert.True(r.Measured["layer_min"] <= r.Measured["layer_median"] && r.Measured["layer_median"] <= r.Measured["layer_max"]);
    }

    [Fact]
    public void Unknown_ids_and_zero_seeds_are_rejected()
    {
        Assert.Contains("valid ids", Assert.Throws<ArgumentException>(() => ClassicExperiments.Run("nope", 0)).Message);
        Assert.Throws<ArgumentException>(() => ClassicExperiments.RunAll(0, seeds: 0));
    }
}
