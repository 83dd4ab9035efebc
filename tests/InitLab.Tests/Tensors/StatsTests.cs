using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

public class StatsTests
{
    [Fact]
    public void Float_statistics_are_bit_for_bit_those_of_the_same_values_widened_to_double()
    {
        // The float path reads eight floats at a time (counts and extremes on floats); the double path is the reference order.
        // Lengths around the 8- and 4-element groups; signed zeros, NaN, infinities and extremes at every residue.
        var g = new InitLab.Random.Generator(13, 2);
        var specials = new[] { 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.Epsilon };
        foreach (int n in new[] { 1, 3, 4, 7, 8, 9, 12, 15, 16, 17, 31, 1000, 4099 })
            for (int trial = 0; trial < specials.Length + 2; trial++)
            {
                var x = new float[n];
                g.Normal(x, 0.3f, 2f);
                if (trial == specials.Length) for (int i = 0; i < n; i += 2) x[i] = i % 4 == 0 ? -0f : 0f;   // zeros only where set
                else if (trial < specials.Length) x[(trial * 5) % n] = specials[trial];
                if (trial == specials.Length + 1) Array.Fill(x, -0f);
                var f = Stats.Of(x);
                var d = Stats.Of(x.Select(v => (double)v).ToArray());
                Assert.Equal(d, f);
                Assert.Equal(BitConverter.DoubleToInt64Bits(d.Min), BitConverter.DoubleToInt64Bits(f.Min));
                Assert.Equal(BitConverter.DoubleToInt64Bits(d.Max), BitConverter.DoubleToInt64Bits(f.Max));
            }
    }

    [Fact]
    public void The_engine_measurement_in_one_pass_is_bit_for_bit_the_three_separate_measurements()
    {
        // Stats.Measure (statistics, histogram and correlation riding on two passes) against Stats.Of, the histogram's generic
        // double path and the correlation summed in its documented four lanes here: every field's bits, at lengths around the 8- and
        // 4-element groups, with specials (NaN, infinities, signed zeros, subnormals, extremes) at every residue, and pairs
        // shorter and longer than the deviations' pass.
        var g = new InitLab.Random.Generator(17, 3);
        var specials = new[] { 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.Epsilon, 1e-40f };
        foreach (int n in new[] { 0, 1, 2, 3, 4, 7, 8, 9, 12, 15, 16, 17, 31, 1000, 4099, 20_000 })
            for (int trial = 0; trial < specials.Length + 3; trial++)
            {
                var x = new float[n];
                g.Normal(x, 0.3f, 2f);
                if (trial == specials.Length) for (int i = 0; i < n; i += 2) x[i] = i % 4 == 0 ? -0f : 0f;
                else if (trial == specials.Length + 1) Array.Fill(x, -0f);
                else if (trial == specials.Length + 2) for (int i = 0; i < n; i++) x[i] = Math.Max(x[i], 0f);   // a relu's output
                else if (n > 0) x[(trial * 5) % n] = specials[trial];
                foreach (int pair in new[] { 0, 1, n / 4, n / 2 }.Where(p => 2 * p <= n).Distinct())
                {
                    if (pair == 0 && n >= 2 && trial > 0) continue;
                    var s = Stats.Measure(x, pair, out var h, out double c);
                    var expected = Stats.Of(x);
                    foreach (var (a, b) in new[] { (expected.Mean, s.Mean), (expected.Std, s.Std), (expected.PopulationStd, s.PopulationStd),
                        (expected.MeanSquare, s.MeanSquare), (expected.Min, s.Min), (expected.Max, s.Max), (expected.ZeroFraction, s.ZeroFraction) })
                        Assert.Equal(BitConverter.DoubleToInt64Bits(a), BitConverter.DoubleToInt64Bits(b));
                    Assert.Equal((expected.Count, expected.NaNCount, expected.InfCount), (s.Count, s.NaNCount, s.InfCount));
                    Assert.Equal(MagnitudeHistogram.OfGeneric<float>(x), h);
                    double correlation = pair == 0 ? double.NaN : SixteenLaneCorrelation(x, pair);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(correlation), BitConverter.DoubleToInt64Bits(c));
                    Assert.Equal(BitConverter.DoubleToInt64Bits(correlation), BitConverter.DoubleToInt64Bits(Stats.PairCorrelation<float>(x, pair)));
                }
            }
        Assert.Throws<ArgumentException>(() => Stats.Measure(new float[5], 3, out _, out _));
    }

    /// <summary>The correlation's documented order, written out: q11, q22, q12 each in sixteen lanes (lane k adds j = k mod 16
    /// in index order, each product added with one rounding), the lanes added pairwise in four levels.</summary>
    internal static double SixteenLaneCorrelation(float[] x, int pair)
    {
        var q = new double[3, 16];
        for (int j = 0; j < pair; j++)
        {
            double a = x[j], b = x[pair + j];
            q[0, j % 16] = Math.FusedMultiplyAdd(a, a, q[0, j % 16]);
            q[1, j % 16] = Math.FusedMultiplyAdd(b, b, q[1, j % 16]);
            q[2, j % 16] = Math.FusedMultiplyAdd(a, b, q[2, j % 16]);
        }
        double Lanes(int r) => StatsLanesTests.Tree(Enumerable.Range(0, 16).Select(k => q[r, k]).ToArray());
        return Lanes(2) / Math.Sqrt(Lanes(0) * Lanes(1));
    }

    [Fact]
    public void The_correlation_runs_in_sixteen_lanes_and_agrees_with_the_index_order_sum_to_rounding()
    {
        // Every pair length 1..70 (each tail of the 16-element steps) and long ones, Measure and PairCorrelation for floats and
        // doubles against the written-out order; and the value against a plain index-order sum within its rounding bound.
        var g = new InitLab.Random.Generator(31, 5);
        foreach (int pair in Enumerable.Range(1, 70).Concat([1000, 4099, 65_537]))
        {
            var x = new float[2 * pair + pair % 3];
            g.Normal(x, 0.2f, 1.5f);
            double expected = SixteenLaneCorrelation(x, pair);
            Stats.Measure(x, pair, out _, out double measured);
            double widened = Stats.PairCorrelation<double>(x.Select(v => (double)v).ToArray(), pair);
            Assert.Equal((pair, expected, expected), (pair, measured, widened));
            double q11 = 0, q22 = 0, q12 = 0;
            for (int j = 0; j < pair; j++)
            {
                q11 += (double)x[j] * x[j];
                q22 += (double)x[pair + j] * x[pair + j];
                q12 += (double)x[j] * x[pair + j];
            }
            // Both orders are within n u sum |terms| of the exact sums (u = 2^-53; n the additions of a chain: pair for the index
            // order, pair / 16 + 4 for the lanes and their tree); the correlation's relative error is below
            // 4 n u (|q12| + sqrt(q11 q22)) / |q12| to first order.
            double index = q12 / Math.Sqrt(q11 * q22);
            double bound = 4.0 * pair * Math.Pow(2, -53) * (Math.Abs(q12) + Math.Sqrt(q11 * q22)) / Math.Abs(q12) * Math.Abs(index);
            Assert.True(Math.Abs(measured - index) <= bound, $"pair {pair}: {measured:R} against {index:R} (bound {bound:G3})");
        }
    }

    [Fact]
    public void The_std_alone_is_bit_for_bit_the_std_of_the_full_statistics()
    {
        // Every length 0..67 (each tail of the 8- and 4-element steps) and long ones, with a large offset (the deviations' pass
        // matters), specials (NaN, infinities, the float extremes, signed zeros, subnormals) at several places.
        var g = new InitLab.Random.Generator(37, 6);
        var specials = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue, -0f, 1e-40f };
        foreach (int n in Enumerable.Range(0, 68).Concat([1000, 4099, 70_001]))
            for (int trial = -1; trial < specials.Length; trial++)
            {
                var x = new float[n];
                g.Normal(x, 1000f, 0.5f);
                if (trial >= 0 && n > 0) x[(trial * 7) % n] = specials[trial];
                Assert.Equal(BitConverter.DoubleToInt64Bits(Stats.Of(x).Std), BitConverter.DoubleToInt64Bits(Stats.StdOf(x)));
            }
    }

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
        Assert.Equal(0, s.NaNCount);
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
        Assert.Equal(0, s.InfCount); // a NaN is not an infinity
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

    /// <summary>Every field computed from its definition, element by element, with IEEE semantics spelled out.</summary>
    private static void AssertMatchesDefinition(double[] x, Stats s, string what)
    {
        int n = x.Length;
        long nan = x.LongCount(double.IsNaN), inf = x.LongCount(double.IsInfinity), zeros = x.LongCount(v => v == 0);
        Assert.Equal(n, s.Count);
        Assert.True(nan == s.NaNCount, $"{what}: NaN count {s.NaNCount}, expected {nan}");
        Assert.True(inf == s.InfCount, $"{what}: Inf count {s.InfCount}, expected {inf}");
        Assert.Equal(n == 0, double.IsNaN(s.ZeroFraction));
        if (n > 0) Assert.Equal((double)zeros / n, s.ZeroFraction, 15);
        Assert.Equal(nan == 0 && inf == 0, s.AllFinite);
        if (n == 0)
        {
            Assert.True(double.IsNaN(s.Mean) && double.IsNaN(s.Std) && double.IsNaN(s.PopulationStd) && double.IsNaN(s.MeanSquare));
            Assert.True(double.IsNaN(s.Min) && double.IsNaN(s.Max));
            return;
        }
        double sum = 0, sumSq = 0;
        foreach (double v in x) { sum += v; sumSq += v * v; }
        double mean = sum / n;
        AssertClose(mean, s.Mean, what + " mean");
        AssertClose(sumSq / n, s.MeanSquare, what + " mean square");
        AssertClose(nan > 0 ? double.NaN : x.Min(), s.Min, what + " min");
        AssertClose(nan > 0 ? double.NaN : x.Max(), s.Max, what + " max");
        if (nan > 0 || inf > 0)
        {
            Assert.True(double.IsNaN(s.Std) && double.IsNaN(s.PopulationStd), $"{what}: std of a non-finite vector must be NaN");
            return;
        }
        double ss = x.Sum(v => (v - mean) * (v - mean));
        AssertClose(n > 1 ? Math.Sqrt(ss / (n - 1)) : double.NaN, s.Std, what + " std");
        AssertClose(Math.Sqrt(ss / n), s.PopulationStd, what + " population std");
        Assert.Equal(Math.Sqrt(s.MeanSquare), s.RootMeanSquare);
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected))
            Assert.True(expected.Equals(actual), $"{what}: {actual:R}, expected {expected:R}");
        else
            Assert.True(Math.Abs(actual - expected) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual:R}, expected {expected:R}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(257)]
    public void Every_length_matches_the_definitions_in_float_and_double(int n)
    {
        var x = Enumerable.Range(0, n).Select(i => (float)Math.Sin(i * 0.37) * (i % 5 == 3 ? 0 : 1) - 0.1f).ToArray();
        AssertMatchesDefinition(x.Select(v => (double)v).ToArray(), Stats.Of(x), $"float n={n}");
        var d = x.Select(v => v * 1.000001).ToArray();
        AssertMatchesDefinition(d, Stats.Of(d), $"double n={n}");
        AssertMatchesDefinition(d, Stats.Of(new DenseTensor<double>(new Shape(n), d)), $"tensor n={n}");
    }

    public static TheoryData<double, int, int> SpecialValues()
    {
        // Each special value at a position in the 4-wide vector body and in the scalar tail, alone and with a second one.
        var data = new TheoryData<double, int, int>();
        foreach (double special in new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0 })
            foreach (int n in new[] { 1, 3, 6, 11 })
                for (int at = 0; at < n; at += 2)
                    data.Add(special, n, at);
        return data;
    }

    [Theory]
    [MemberData(nameof(SpecialValues))]
    public void NaN_Inf_and_zero_are_counted_in_their_own_class_only(double special, int n, int at)
    {
        var x = Enumerable.Range(0, n).Select(i => 1.5 + i).ToArray();
        x[at] = special;
        AssertMatchesDefinition(x, Stats.Of(x), $"{special} at {at} of {n}");
        var f = x.Select(v => (float)v).ToArray();
        AssertMatchesDefinition(x, Stats.Of(f), $"float {special} at {at} of {n}");
        if (n > 2)
        {
            x[n - 1] = double.NaN; // NaN and Inf together: each counted once, in its own class
            AssertMatchesDefinition(x, Stats.Of(x), $"{special} at {at} and NaN at {n - 1} of {n}");
        }
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
