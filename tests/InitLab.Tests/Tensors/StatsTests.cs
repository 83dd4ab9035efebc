using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

public class StatsTests
{
    [Fact]
    public void Std_is_unbiased_as_torch_std_and_population_std_divides_by_n()
    {
        var s = Stats.Of(new double[] { 1, 2, 3, 4 });
        Assert.Equal(2.5, s.Mean, 15);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), s.Std, 15);
        Assert.Equal(Math.Sqrt(5.0 / 4.0), s.PopulationStd, 15);
        Assert.Equal(7.5, s.MeanSquare, 15);
        Assert.Equal(1, s.Min);
        Assert.Equal(4, s.Max);
    }

    [Fact]
    public void A_vector_holding_an_Inf_has_an_infinite_mean_and_a_NaN_std_as_in_PyTorch()
    {
        var s = Stats.Of(new float[] { 1, float.PositiveInfinity, 3 });
        Assert.Equal(double.PositiveInfinity, s.Mean);
        Assert.True(double.IsNaN(s.Std));
        Assert.Equal(1, s.InfCount);
        Assert.Equal(double.PositiveInfinity, s.Max);
        Assert.False(s.AllFinite);
    }

    [Fact]
    public void Opposite_infinities_make_the_mean_NaN()
    {
        var s = Stats.Of(new float[] { float.NegativeInfinity, float.PositiveInfinity });
        Assert.True(double.IsNaN(s.Mean));
        Assert.Equal(2, s.InfCount);
    }

    [Fact]
    public void A_NaN_makes_mean_std_min_and_max_NaN_and_is_counted()
    {
        var s = Stats.Of(new float[] { 1, float.NaN, 0, 0 });
        Assert.True(double.IsNaN(s.Mean) && double.IsNaN(s.Std) && double.IsNaN(s.Min) && double.IsNaN(s.Max));
        Assert.Equal(1, s.NaNCount);
        Assert.Equal(0.5, s.ZeroFraction);
    }

    [Fact]
    public void Empty_and_single_element_vectors_follow_torch()
    {
        var empty = Stats.Of(ReadOnlySpan<float>.Empty);
        Assert.Equal(0, empty.Count);
        Assert.True(double.IsNaN(empty.Mean));
        var one = Stats.Of(new float[] { 3 });
        Assert.True(double.IsNaN(one.Std));
        Assert.Equal(0, one.PopulationStd);
    }

    [Fact]
    public void Accumulation_in_double_handles_float_values_whose_squares_overflow_float()
    {
        var s = Stats.Of(new float[] { 3e38f, -3e38f });
        Assert.Equal(0, s.Mean);
        Assert.Equal((double)3e38f * Math.Sqrt(2), s.Std, 1e24);
    }

    [Fact]
    public void Two_pass_std_is_exact_for_a_large_offset()
    {
        var x = Enumerable.Range(0, 1000).Select(i => 1e9 + (i % 2)).ToArray();
        Assert.Equal(0.5 * Math.Sqrt(1000.0 / 999.0), Stats.Of(x).Std, 12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(257)]
    public void Every_length_matches_a_naive_double_computation(int n)
    {
        var x = Enumerable.Range(0, n).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        var s = Stats.Of(x);
        if (n == 0) return;
        double mean = x.Average(v => (double)v);
        Assert.Equal(mean, s.Mean, 12);
        Assert.Equal(x.Average(v => (double)v * v), s.MeanSquare, 12);
        if (n > 1) Assert.Equal(Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (n - 1)), s.Std, 12);
    }

    [Fact]
    public void IsFinite_and_HasNaN_detect_non_finite_values()
    {
        Assert.True(Stats.IsFinite<float>(new float[] { 1, 2 }));
        Assert.False(Stats.IsFinite<float>(new float[] { 1, float.NegativeInfinity }));
        Assert.True(Stats.HasNaN<double>(new[] { 0.0, double.NaN }));
        Assert.False(Stats.HasNaN<double>(new[] { 0.0, double.PositiveInfinity }));
    }
}
