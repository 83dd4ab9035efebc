using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

public class StatsLanesTests
{
    /// <summary>The widths the statistics kernels have a path for on this machine (the scalar one always).</summary>
    internal static IEnumerable<LaneWidth> Widths() => Enum.GetValues<LaneWidth>().Where(StatsLanes.Runs);

    /// <summary>The documented lane tree written out: sixteen values added in pairs, four levels.</summary>
    internal static double Tree(double[] l)
    {
        Assert.Equal(16, l.Length);
        var level = l;
        while (level.Length > 1) level = Enumerable.Range(0, level.Length / 2).Select(k => level[2 * k] + level[2 * k + 1]).ToArray();
        return level[0];
    }

    /// <summary>The documented order written out with plain loops: element i into lane i mod 16, x^2 and (x - mean)^2 added
    /// with one rounding each (Math.FusedMultiplyAdd), then <see cref="Tree"/>.</summary>
    private static (double Mean, double MeanSquare, double Deviations) WrittenOut(double[] x)
    {
        var s = new double[16];
        var q = new double[16];
        for (int i = 0; i < x.Length; i++)
        {
            s[i % 16] += x[i];
            q[i % 16] = Math.FusedMultiplyAdd(x[i], x[i], q[i % 16]);
        }
        double mean = Tree(s) / x.Length;
        var d = new double[16];
        for (int i = 0; i < x.Length; i++) d[i % 16] = Math.FusedMultiplyAdd(x[i] - mean, x[i] - mean, d[i % 16]);
        return (mean, Tree(q) / x.Length, Tree(d));
    }

    private static void SameBits(double expected, double actual, string what) =>
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{what}: {actual:R}, expected {expected:R}");

    [Fact]
    public void Statistics_are_the_sixteen_lane_order_written_out_at_every_width()
    {
        // Every length 1..40 (each tail of the 16-element steps), block edges and long ones; floats and doubles with a large
        // offset (the deviations' pass matters), zeros of both signs and subnormals mixed in.
        var g = new InitLab.Random.Generator(41, 1);
        Assert.Contains(LaneWidth.Scalar, Widths());
        foreach (int n in Enumerable.Range(1, 40).Concat([255, 256, 257, 1000, 4099, 20_011]))
        {
            var f = new float[n];
            g.Normal(f, 300f, 2f);
            for (int i = 0; i < n; i += 7) f[i] = i % 3 == 0 ? -0f : i % 3 == 1 ? 0f : 1e-41f;
            var d = new double[n];
            g.Normal(d, -1e6, 3);
            foreach (var (values, stats) in new (double[], Func<LaneWidth, Stats>)[]
                     {
                         (f.Select(v => (double)v).ToArray(), w => Stats.Compute<float>(f, w)),
                         (d, w => Stats.Compute<double>(d, w)),
                     })
            {
                var (mean, meanSquare, deviations) = WrittenOut(values);
                foreach (var width in Widths())
                {
                    var s = stats(width);
                    string what = $"n {n} {width}";
                    SameBits(mean, s.Mean, what + " mean");
                    SameBits(meanSquare, s.MeanSquare, what + " mean square");
                    SameBits(n > 1 ? Math.Sqrt(deviations / (n - 1)) : double.NaN, s.Std, what + " std");
                    SameBits(Math.Sqrt(deviations / n), s.PopulationStd, what + " population std");
                    SameBits(values.Min(), s.Min, what + " min");
                    SameBits(values.Max(), s.Max, what + " max");
                    Assert.Equal((double)values.Count(v => v == 0) / n, s.ZeroFraction);
                }
            }
        }
    }

    [Fact]
    public void The_lane_sums_are_within_their_rounding_bound_of_the_exact_sums()
    {
        // Each lane adds m = ceil(n / 16) terms and the tree four more levels: |computed - exact| <= (m + 4) u sum |terms| to first
        // order (u = 2^-53; the squares of floats are exact in double). The exact sums of floats come from a long accumulator
        // of their bits scaled to integers (every float here is a multiple of 2^-40 below 2^20, so the sums are exact in
        // 128-bit integers).
        var g = new InitLab.Random.Generator(43, 2);
        foreach (int n in new[] { 17, 1001, 100_003 })
        {
            var x = new float[n];
            g.Normal(x, 3f, 40f);
            for (int i = 0; i < n; i++) x[i] = (float)Math.Round(x[i] * 1024.0) / 1024;   // multiples of 2^-10
            Int128 sum = 0, square = 0;
            foreach (float v in x)
            {
                var k = (Int128)(long)(v * 1024.0);   // exact: v = k / 2^10
                sum += k;
                square += k * k;
            }
            double exactSum = (double)sum / 1024, exactSquare = (double)square / (1024.0 * 1024);
            double absSum = x.Sum(v => Math.Abs((double)v)), absSquare = x.Sum(v => (double)v * v);
            double u = Math.Pow(2, -53), m = Math.Ceiling(n / 16.0) + 4;
            var s = Stats.Of(x);
            // Converting the exact integers to double rounds once more (u relative).
            Assert.True(Math.Abs(s.Mean * n - exactSum) <= m * u * absSum + u * Math.Abs(exactSum) + 2 * u * Math.Abs(s.Mean * n),
                $"n {n}: sum {s.Mean * n:R} vs {exactSum:R}");
            Assert.True(Math.Abs(s.MeanSquare * n - exactSquare) <= m * u * absSquare + 3 * u * exactSquare,
                $"n {n}: sum of squares {s.MeanSquare * n:R} vs {exactSquare:R}");
        }
    }

    [Fact]
    public void Extremes_order_negative_zero_below_positive_zero_at_every_width()
    {
        foreach (int n in new[] { 2, 16, 33 })
            foreach (var width in Widths())
            {
                var x = new float[n];
                for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? 0f : -0f;
                var s = Stats.Compute<float>(x, width);
                SameBits(-0.0, s.Min, $"{n} {width} min");
                SameBits(0.0, s.Max, $"{n} {width} max");
                Assert.Equal(1.0, s.ZeroFraction);
                Assert.Equal(0.0, s.Std);
            }
    }

    public static TheoryData<string> Shapes() => ["gaussian", "relu", "wide", "outlier", "specials", "subnormal", "constant"];

    private static float[] Values(string shape, int n, ulong seed)
    {
        var x = new float[n];
        var g = new InitLab.Random.Generator(seed, 4);
        g.Normal(x, 0.1f, 1.3f);
        switch (shape)
        {
            case "relu": for (int i = 0; i < n; i++) x[i] = Math.Max(x[i], 0f); break;
            case "wide": for (int i = 0; i < n; i++) x[i] *= MathF.Pow(2, (i * 7919 % 61) - 30); break;   // 60 octaves: many outside the window
            case "outlier": if (n > 0) x[n / 3] = 1e30f; break;                                            // the window follows the rms
            case "specials":
                var specials = new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -float.MaxValue };
                if (n > 0) x[(int)(seed % (ulong)n)] = specials[seed % 4];
                break;
            case "subnormal": for (int i = 0; i < n; i += 5) x[i] = i % 2 == 0 ? float.Epsilon * i : -1e-39f; break;
            case "constant": Array.Fill(x, 2.5f); break;
        }
        return x;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Measure_gives_the_same_bits_and_counts_at_every_width(string shape)
    {
        // Statistics bit for bit those of the written-out order (Stats.Compute at the scalar width is checked against it
        // above), the histogram equal to the generic double path's, the correlation the written-out sixteen lanes; lengths around
        // the 16-value steps and the 256-value blocks of the window kernel.
        ulong seed = 0;
        foreach (int n in new[] { 0, 1, 15, 16, 17, 255, 256, 257, 4095, 4113, 70_001 })
        {
            var x = Values(shape, n, ++seed);
            var expected = Stats.Compute<float>(x, LaneWidth.Scalar);
            var histogram = MagnitudeHistogram.OfGeneric<float>(x);
            foreach (int pair in new[] { 0, n / 2, n / 5 }.Distinct())
                foreach (var width in Widths())
                {
                    var s = Stats.MeasureAt(x, pair, width, out var h, out double c);
                    Assert.Equal(expected, s);
                    foreach (var (a, b) in new[] { (expected.Min, s.Min), (expected.Max, s.Max), (expected.Mean, s.Mean), (expected.Std, s.Std) })
                        SameBits(a, b, $"{shape} n {n} {width}");
                    Assert.Equal(histogram, h);
                    Assert.Equal(n, h.Total);
                    SameBits(pair == 0 ? double.NaN : StatsTests.SixteenLaneCorrelation(x, pair), c, $"{shape} n {n} pair {pair} {width} correlation");
                }
        }
    }

    [Fact]
    public void The_window_kernel_counts_every_slot_and_sums_the_deviations_in_their_lanes_for_any_window_and_chunk()
    {
        // The bit-plane counts against each value's slot counted one by one, for windows below, around and above the data (every
        // value inside, some outside, all outside), drained after every block, every other block or once; and the squared
        // deviations' lanes against the written-out lanes.
        if (!MagnitudeWindow.IsSupported) return;   // the kernel needs AVX-512F; Measure then counts in its own pass (tested above)
        var x = Values("wide", 16 * 16 * 9 + 16 * 5, 7);   // nine blocks and five steps
        for (int i = 0; i < x.Length; i += 11) x[i] = 0f;
        x[3] = -0f;
        x[100] = 1e-40f;
        x[2000] = -float.MaxValue;
        int end = x.Length;
        double mean = 0.25;
        var lanes = new double[16];
        for (int i = 0; i < end; i++) lanes[i % 16] = Math.FusedMultiplyAdd(x[i] - mean, x[i] - mean, lanes[i % 16]);
        var oracle = new long[MagnitudeHistogram.Slots];
        foreach (float v in x) oracle[MagnitudeHistogram.FloatSlot(BitConverter.SingleToUInt32Bits(v))]++;
        long zeros = x.Count(v => v == 0);
        int around = (int)MagnitudeHistogram.FloatSlot(BitConverter.SingleToUInt32Bits(1f)) - 30;
        foreach (int lo in new[] { 4, around, 500, 956 })
            foreach (int chunk in new[] { 1, 2, 1 << 15 })
            {
                var slots = new long[MagnitudeHistogram.Slots];
                var dev = new Lanes16();
                Assert.Equal(end, MagnitudeWindow.DeviationsAndSlots(x, mean, lo, zeros, ref dev, slots, chunk));
                Assert.Equal(oracle, slots);
                for (int k = 0; k < 16; k++) SameBits(lanes[k], dev[k], $"lo {lo} chunk {chunk} lane {k}");
            }
        Assert.Throws<ArgumentException>(() =>
        {
            var dev = new Lanes16();
            MagnitudeWindow.DeviationsAndSlots(x, 0, 3, 0, ref dev, new long[MagnitudeHistogram.Slots], 1);
        });
    }

    [Fact]
    public void The_window_follows_the_largest_value_unless_it_is_far_above_the_rms()
    {
        int one = (int)MagnitudeHistogram.FloatSlot(BitConverter.SingleToUInt32Bits(1f));
        Assert.Equal(one + 8 - 62, MagnitudeWindow.Start(4, 1));            // ends at the slot of 4 (two octaves up)
        Assert.Equal(one + 24 - 62, MagnitudeWindow.Start(1e30, 1));        // capped six octaves above the rms
        Assert.Equal(4, MagnitudeWindow.Start(0, 0));                       // all zeros
        Assert.Equal(4, MagnitudeWindow.Start(1e-37, 1e-38));               // never below slot 4
        Assert.Equal(MagnitudeHistogram.LastFiniteSlot - 63, MagnitudeWindow.Start(float.MaxValue, float.MaxValue));
    }
}
