using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Random;

public class GeneratorTests
{
    private const double Alpha = 1e-4; // KS significance level: a correct generator fails one test in 10^4 seeds

    public static TheoryData<string> Fills => new() { "uniform", "uniform-range", "normal", "normal-affine", "trunc" };

    private static float[] FillFloat(string kind, int length, ulong seed, int threads = 0)
    {
        var g = new Generator(seed, stream: 3);
        var x = new float[length];
        switch (kind)
        {
            case "uniform": g.Uniform(x, threads); break;
            case "uniform-range": g.Uniform(x, -2.5f, 0.5f, threads); break;
            case "normal": g.Normal(x, threads); break;
            case "normal-affine": g.Normal(x, 1.5f, 0.25f, threads); break;
            case "trunc": g.TruncatedNormal(x, 0f, 1f, -2f, 2f, threads); break;
        }
        return x;
    }

    private static double[] FillDouble(string kind, int length, ulong seed, int threads = 0)
    {
        var g = new Generator(seed, stream: 3);
        var x = new double[length];
        switch (kind)
        {
            case "uniform": g.Uniform(x, threads); break;
            case "uniform-range": g.Uniform(x, -2.5, 0.5, threads); break;
            case "normal": g.Normal(x, threads); break;
            case "normal-affine": g.Normal(x, 1.5, 0.25, threads); break;
            case "trunc": g.TruncatedNormal(x, 0, 1, -2, 2, threads); break;
        }
        return x;
    }

    [Theory]
    [MemberData(nameof(Fills))]
    public void Parallel_fill_gives_the_same_bits_as_a_serial_fill_on_any_thread_count(string kind)
    {
        // Longer than several parallel chunks, and not a multiple of 4, so chunk edges and the tail both run.
        int length = 3 * (1 << 16) + 5;
        var serial = FillFloat(kind, length, 42, threads: 1);
        var serialD = FillDouble(kind, length, 42, threads: 1);
        foreach (int threads in ThreadCounts.All)
        {
            Assert.Equal(serial, ThreadCounts.Parallel(threads, t => FillFloat(kind, length, 42, t)));
            Assert.Equal(serialD, ThreadCounts.Parallel(threads, t => FillDouble(kind, length, 42, t)));
        }
    }

    [Fact]
    public void Element_values_depend_only_on_their_index_so_a_split_fill_equals_a_whole_fill()
    {
        // Filling 4k elements, then the rest, equals filling all at once (the position advances by whole blocks).
        var whole = new float[1000];
        new Generator(7).Normal(whole);
        var g = new Generator(7);
        var first = new float[400];
        var rest = new float[600];
        g.Normal(first);
        g.Normal(rest);
        Assert.Equal(whole, first.Concat(rest).ToArray());
    }

    [Theory]
    [InlineData(2 * (1 << 16) + 4)]
    [InlineData((1 << 16) - 4)]
    [InlineData(12)]
    public void A_fill_spanning_several_parallel_chunks_equals_the_same_fill_made_in_two_calls(int first)
    {
        // Chunk c of a fill starts at block firstBlock + c * 2^16 / 4; the second call starts where the first one's
        // blocks end. Both must give element e from block e / 4, whatever the chunking (float) or e / 2 (double).
        int length = 3 * (1 << 16) + 77;
        var whole = new float[length];
        new Generator(8, 2).Normal(whole);
        var g = new Generator(8, 2);
        var a = new float[first];
        var b = new float[length - first];
        g.Normal(a);
        g.Normal(b);
        Assert.Equal(whole, a.Concat(b).ToArray());
        Assert.Equal(PhiloxFill.BlocksForFloats(length), g.Position);

        var wholeD = new double[length];
        new Generator(8, 2).Uniform(wholeD);
        var h = new Generator(8, 2);
        var c = new double[first];
        var d = new double[length - first];
        h.Uniform(c);
        h.Uniform(d);
        Assert.Equal(wholeD, c.Concat(d).ToArray());
        Assert.Equal(PhiloxFill.BlocksForDoubles(length), h.Position);
    }

    [Fact]
    public void Every_length_from_0_to_67_is_a_prefix_of_the_longer_fill()
    {
        var reference = new float[67];
        new Generator(11).Normal(reference);
        for (int n = 0; n <= 67; n++)
        {
            var x = new float[n];
            new Generator(11).Normal(x);
            Assert.Equal(reference.AsSpan(0, n).ToArray(), x);
        }
    }

    [Fact]
    public void Seeds_and_streams_give_different_numbers()
    {
        var a = new float[64];
        var b = new float[64];
        var c = new float[64];
        new Generator(1).Uniform(a);
        new Generator(2).Uniform(b);
        new Generator(1, stream: 1).Uniform(c);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Uniform_float_uses_the_top_24_bits_of_the_first_philox_word()
    {
        var x = new float[1];
        new Generator(0).Uniform(x);
        var (x0, _, _, _) = Philox4x32.Block(0, 0, 0, 0, 0, 0);
        Assert.Equal((x0 >> 8) / 16777216f, x[0]);
    }

    [Theory]
    [InlineData("uniform")]
    [InlineData("uniform-range")]
    [InlineData("normal")]
    [InlineData("normal-affine")]
    [InlineData("trunc")]
    public void Fills_pass_a_Kolmogorov_Smirnov_test_against_the_exact_CDF(string kind)
    {
        Func<double, double> cdf = kind switch
        {
            "uniform" => KolmogorovSmirnov.UniformCdf(),
            "uniform-range" => KolmogorovSmirnov.UniformCdf(-2.5, 0.5),
            "normal" => KolmogorovSmirnov.NormalCdf(),
            "normal-affine" => KolmogorovSmirnov.NormalCdf(1.5, 0.25),
            _ => KolmogorovSmirnov.TruncatedNormalCdf(0, 1, -2, 2),
        };
        var f = KolmogorovSmirnov.Test(FillFloat(kind, 200_000, 2024), cdf);
        var d = KolmogorovSmirnov.Test(FillDouble(kind, 200_000, 2024), cdf);
        Assert.True(f.Passes(Alpha), $"float {kind}: D = {f.Statistic}, p = {f.PValue}");
        Assert.True(d.Passes(Alpha), $"double {kind}: D = {d.Statistic}, p = {d.PValue}");
    }

    [Fact]
    public void Normal_moments_are_within_five_standard_errors()
    {
        const int n = 1_000_000;
        var x = new double[n];
        new Generator(99).Normal(x);
        var s = Stats.Of(x);
        // se(mean) = 1/sqrt(n); se(mean square) = sqrt(Var z^2 / n) = sqrt(2/n); se(E z^4) = sqrt((105 - 9)/n).
        Assert.InRange(s.Mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(s.MeanSquare, 1 - 5 * Math.Sqrt(2.0 / n), 1 + 5 * Math.Sqrt(2.0 / n));
        double m4 = x.Average(v => v * v * v * v);
        Assert.InRange(m4, 3 - 5 * Math.Sqrt(96.0 / n), 3 + 5 * Math.Sqrt(96.0 / n));
    }

    [Fact]
    public void Uniform_moments_are_within_five_standard_errors()
    {
        const int n = 1_000_000;
        var x = new float[n];
        new Generator(5).Uniform(x);
        var s = Stats.Of(x);
        // U[0,1): mean 1/2 (sd 1/sqrt 12), mean square 1/3 (Var u^2 = 1/5 - 1/9 = 4/45).
        Assert.InRange(s.Mean, 0.5 - 5 * Math.Sqrt(1 / 12.0 / n), 0.5 + 5 * Math.Sqrt(1 / 12.0 / n));
        Assert.InRange(s.MeanSquare, 1 / 3.0 - 5 * Math.Sqrt(4 / 45.0 / n), 1 / 3.0 + 5 * Math.Sqrt(4 / 45.0 / n));
        Assert.True(s.Min >= 0 && s.Max < 1);
    }

    [Fact]
    public void Truncated_normal_stays_inside_its_bounds_even_far_in_the_tail()
    {
        var x = new float[100_000];
        new Generator(3).TruncatedNormal(x, 0f, 1f, 6f, 7f);
        Assert.All(x, v => Assert.InRange(v, 6f, 7f));
        var ks = KolmogorovSmirnov.Test(x, KolmogorovSmirnov.TruncatedNormalCdf(0, 1, 6, 7));
        Assert.True(ks.Passes(Alpha), $"p = {ks.PValue}");
    }

    [Fact]
    public void A_truncated_normal_one_ulp_wide_is_clamped_after_the_affine_rounding()
    {
        // [a, b] one ulp wide, 2 and 10 std above the mean 0.1 (std 3): mean + std * z, rounded, lands above b for about
        // half of the draws (measured: 2042 of 4000), so only the final clamp keeps every value inside.
        foreach (double k in new[] { 2.0, 10.0 })
        {
            double a = 0.1 + k * 3, b = Math.BitIncrement(a);
            var x = new double[4000];
            new Generator(12).TruncatedNormal(x, 0.1, 3, a, b);
            Assert.All(x, v => Assert.InRange(v, a, b));
        }
        float af = 30.1f, bf = af;
        for (int i = 0; i < 8; i++) bf = MathF.BitIncrement(bf);
        var y = new float[20_000];
        new Generator(12).TruncatedNormal(y, 0.1f, 3f, af, bf);
        Assert.All(y, v => Assert.InRange(v, af, bf));
    }

    [Fact]
    public void Uniform_range_never_returns_the_upper_bound()
    {
        var x = new float[200_000];
        new Generator(8).Uniform(x, 1f, 1.0000001f);
        Assert.All(x, v => Assert.True(v >= 1f && v < 1.0000001f));
    }

    [Theory]
    [InlineData(float.NaN, 1f)]
    [InlineData(1f, 1f)]
    [InlineData(2f, 1f)]
    [InlineData(0f, float.PositiveInfinity)]
    public void Uniform_with_an_empty_or_non_finite_range_names_the_parameter(float low, float high)
    {
        var ex = Assert.Throws<ArgumentException>(() => new Generator(0).Uniform(new float[4], low, high));
        Assert.Matches("low|high", ex.ParamName);
    }

    [Fact]
    public void Normal_with_negative_std_is_rejected_with_the_value_in_the_message()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Generator(0).Normal(new float[4], 0f, -1f));
        Assert.Equal("std", ex.ParamName);
        Assert.Contains("-1", ex.Message);
    }

    [Theory]
    [InlineData(0f, 1f, 2f, 2f)]
    [InlineData(0f, 0f, -1f, 1f)]
    [InlineData(0f, 1f, float.NaN, 1f)]
    [InlineData(0f, 1f, 1f, float.NegativeInfinity)]
    public void Truncated_normal_with_an_empty_interval_or_zero_std_is_rejected(float mean, float std, float a, float b)
    {
        Assert.Throws<ArgumentException>(() => new Generator(0).TruncatedNormal(new float[4], mean, std, a, b));
    }

    [Fact]
    public void Double_uniforms_take_53_bits_from_words_0_1_then_2_3_of_each_block()
    {
        // Element 2k = bits53(w0, w1) 2^-53 and element 2k + 1 = bits53(w2, w3) 2^-53 of block k, bits53(hi, lo) =
        // ((hi << 32) | lo) >> 11 (the top 53 bits of the 64).
        const ulong seed = 0xDEADBEEFCAFEUL, stream = 9;
        var x = new double[257];
        new Generator(seed, stream) { Position = 7 }.Uniform(x);
        for (int e = 0; e < x.Length; e++)
        {
            var (w0, w1, w2, w3) = Philox4x32.Block(seed, stream, 7 + (ulong)(e / 2));
            ulong bits = e % 2 == 0 ? ((ulong)w0 << 32) | w1 : ((ulong)w2 << 32) | w3;
            Assert.Equal((bits >> 11) * Math.Pow(2, -53), x[e]);
        }
    }

    [Fact]
    public void The_position_advances_by_whole_blocks_of_four_floats_or_two_doubles()
    {
        foreach (var (floats, blocks) in new[] { (0, 0UL), (1, 1UL), (4, 1UL), (5, 2UL), (8, 2UL), (9, 3UL) })
        {
            var g = new Generator(1) { Position = 10 };
            g.Uniform(new float[floats]);
            Assert.Equal(10 + blocks, g.Position);
        }
        foreach (var (doubles, blocks) in new[] { (0, 0UL), (1, 1UL), (2, 1UL), (3, 2UL), (5, 3UL) })
        {
            var g = new Generator(1) { Position = 10 };
            g.Normal(new double[doubles]);
            Assert.Equal(10 + blocks, g.Position);
        }
    }

    [Fact]
    public void Affine_double_fills_are_mean_plus_std_times_the_standard_fill_at_every_length()
    {
        // Including the scalar tail after the vector body (lengths 0..17 cover every remainder).
        for (int n = 0; n <= 17; n++)
        {
            var z = new double[n];
            new Generator(3, 1).Normal(z);
            var x = new double[n];
            new Generator(3, 1).Normal(x, -1.5, 0.25);
            for (int i = 0; i < n; i++) Assert.Equal(z[i] * 0.25 + -1.5, x[i]);
            var u = new double[n];
            new Generator(4).Uniform(u);
            var v = new double[n];
            new Generator(4).Uniform(v, 2, 6);
            for (int i = 0; i < n; i++) Assert.Equal(2 + 4 * u[i], v[i], 14);
        }
    }

    [Fact]
    public void A_uniform_range_one_ulp_wide_never_returns_its_upper_bound()
    {
        // low + (high - low) u rounds to high for u > 1/2 when high = low + 1 ulp: the fill must keep every value below high.
        double low = 1.0, high = Math.BitIncrement(1.0);
        var x = new double[1000];
        new Generator(5).Uniform(x, low, high);
        Assert.All(x, v => Assert.Equal(low, v));
    }

    [Fact]
    public void Far_tail_double_truncated_normals_keep_their_law()
    {
        // [6, 9] std from the mean: Phi(6) = 1 - 1e-9, so the CDF must be inverted on the lower side (by symmetry), or the
        // interval's probability is lost to rounding. KS against the exact truncated CDF at alpha = 1e-4.
        var x = new double[20_000];
        new Generator(6).TruncatedNormal(x, 0, 1, 6, 9);
        Assert.All(x, v => Assert.InRange(v, 6, 9));
        var ks = KolmogorovSmirnov.Test(x, KolmogorovSmirnov.TruncatedNormalCdf(0, 1, 6, 9));
        Assert.True(ks.Passes(Alpha), $"p = {ks.PValue}");
        var y = new double[20_000];
        new Generator(6).TruncatedNormal(y, 0, 1, -9, -6);
        for (int i = 0; i < x.Length; i++) Assert.Equal(-x[i], y[i], 12);
    }

    [Fact]
    public void Empty_ranges_are_rejected_and_far_tail_intervals_are_sampled_inside_them()
    {
        var g = new Generator(1);
        Assert.Throws<ArgumentException>(() => g.TruncatedNormal(new double[4], 0, 1, 41, 40));
        Assert.Throws<ArgumentException>(() => g.TruncatedNormal(new float[4], 0f, 1f, 41f, 41f));
        Assert.Throws<ArgumentException>(() => g.Uniform(new float[4], 1f, 0f));
        Assert.Throws<ArgumentException>(() => g.Uniform(new float[4], 1f, 1f));
        Assert.Throws<ArgumentException>(() => g.Uniform(new double[4], 2.0, 1.0));
        Assert.Equal(0UL, g.Position);
        // 40 std out the interval has probability 1e-350, below double's range, yet it is sampled inside its bounds.
        var far = new double[64];
        g.TruncatedNormal(far, 0, 1, 40, 41);
        Assert.All(far, v => Assert.InRange(v, 40, 41));
    }

    [Fact]
    public void The_64_bit_block_function_splits_seed_stream_and_counter_into_their_32_bit_words()
    {
        const ulong seed = 0x0123456789ABCDEFUL, stream = 0xFEDCBA9876543210UL, block = 0x1111222233334444UL;
        Assert.Equal(Philox4x32.Block(0x33334444u, 0x11112222u, 0x76543210u, 0xFEDCBA98u, 0x89ABCDEFu, 0x01234567u),
            Philox4x32.Block(seed, stream, block));
    }

    [Theory]
    [InlineData(1.0, 2.0, 0.0, 3.0)]
    [InlineData(-2.0, 0.5, -2.5, -1.0)]
    public void Truncated_normals_with_a_shifted_mean_follow_their_law_in_float_and_double(double mean, double std, double a, double b)
    {
        // The standardized bounds are (a - mean) / std and (b - mean) / std; KS against the truncated CDF at alpha = 1e-4.
        var cdf = KolmogorovSmirnov.TruncatedNormalCdf(mean, std, a, b);
        var d = new double[20_000];
        new Generator(10).TruncatedNormal(d, mean, std, a, b);
        var ks = KolmogorovSmirnov.Test(d, cdf);
        Assert.True(ks.Passes(Alpha), $"double p = {ks.PValue}");
        var f = new float[20_000];
        new Generator(11).TruncatedNormal(f, (float)mean, (float)std, (float)a, (float)b);
        ks = KolmogorovSmirnov.Test(f, cdf);
        Assert.True(ks.Passes(Alpha), $"float p = {ks.PValue}");
    }
}
