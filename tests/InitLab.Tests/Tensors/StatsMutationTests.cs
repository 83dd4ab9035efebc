using System.Numerics;
using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

/// <summary>
/// Tests written for the mutation campaign's lines on the sixteen-lane statistics and the histogram window
/// (scripts/mutation/mutations.txt): each against an independent reference (exact integer arithmetic, counts by hand).
/// </summary>
public class StatsMutationTests
{
    /// <summary>floor(4 log2 |x|) of a normal float 2^e (1 + m / 2^23), exactly: the largest k in 0..3 with
    /// (2^23 + m)^4 &gt;= 2^(92 + k), in integers.</summary>
    private static int ExactBin(int e, int m)
    {
        var p = BigInteger.Pow((BigInteger.One << 23) + m, 4);
        int k = 0;
        while (k < 3 && p >= BigInteger.One << (92 + k + 1)) k++;
        return 4 * e + k;
    }

    [Fact]
    public void Floats_on_either_side_of_each_bin_edge_are_counted_in_their_exact_bins_at_every_width()
    {
        // Mantissas at, one above and one below each quarter-octave edge (found here by exact search, not taken from the
        // library's constants), the octave's first and last, over 13 octaves and both signs: each in the bin the exact
        // integer comparison gives. 312 values: 19 steps of 16 and a tail of 8.
        var edges = new List<int>();
        for (int k = 1; k <= 3; k++)
        {
            int m = 0;
            while (ExactBin(0, m) < k) m++;   // the first mantissa of bin k
            edges.AddRange([m - 1, m, m + 1]);
        }
        var mantissas = new[] { 0, 1 }.Concat(edges).Append(0x7FFFFF).ToArray();
        var values = new List<float>();
        var expected = new Dictionary<int, long>();
        for (int e = -6; e <= 6; e++)
            foreach (int m in mantissas)
                foreach (int sign in new[] { 0, 1 })
                {
                    values.Add(BitConverter.Int32BitsToSingle((sign << 31) | ((e + 127) << 23) | m));
                    int bin = ExactBin(e, m);
                    expected[bin] = expected.GetValueOrDefault(bin) + 1;
                }
        var x = values.OrderBy(v => BitConverter.SingleToInt32Bits(v) * 2654435761u).ToArray();   // mixed, fixed order
        Assert.Equal(312, x.Length);
        foreach (var width in StatsLanesTests.Widths())
        {
            Stats.MeasureAt(x, 0, width, out var h, out _);
            Assert.Equal(expected.Keys.Min(), h.FirstBin);
            Assert.Equal(expected.Keys.Max(), h.LastBin);
            for (int b = h.FirstBin; b <= h.LastBin; b++) Assert.True(expected.GetValueOrDefault(b) == h.Count(b), $"{width} bin {b}: {h.Count(b)}");
            Assert.Equal(x.Length, h.Total);
        }
    }

    [Fact]
    public void The_smallest_normal_float_is_not_binned_again_as_a_subnormal()
    {
        // A subnormal sends the histogram through its subnormal re-binning; the smallest normal float 2^-126 (bin -504)
        // must be counted once, in its own bin.
        float minNormal = BitConverter.Int32BitsToSingle(0x00800000);
        var x = new float[40];
        for (int i = 0; i < x.Length; i++) x[i] = 1f + i;
        x[5] = minNormal;
        x[22] = -minNormal;
        x[37] = 1e-40f;   // 2^-133.something: bin floor(4 log2 1e-40) = -532
        int subnormalBin = (int)Math.Floor(4 * Math.Log2(1e-40));
        foreach (var h in new[] { MagnitudeHistogram.Of<float>(x) }.Concat(StatsLanesTests.Widths().Select(w =>
                 {
                     Stats.MeasureAt(x, 0, w, out var m, out _);
                     return m;
                 })))
        {
            Assert.Equal(2, h.Count(-504));
            Assert.Equal(1, h.Count(subnormalBin));
            Assert.Equal(x.Length, h.Total);
        }
    }

    [Fact]
    public void Zeros_of_either_sign_in_the_tail_are_counted_once()
    {
        // Lengths with a tail after the last 16-value step holding -0 and +0: the zeros equal the count by hand, every bin
        // holds exactly the values put there (1.5: bin 2; -3: bin 6), and nothing is lost or counted twice.
        foreach (int n in new[] { 19, 35, 16 * 20 + 7 })
        {
            var x = new float[n];
            for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? 1.5f : -3f;
            x[n - 1] = -0f;
            x[n - 2] = 0f;
            x[n - 3] = -0f;
            x[4] = -0f;
            foreach (var width in StatsLanesTests.Widths())
            {
                var s = Stats.MeasureAt(x, 0, width, out var h, out _);
                long zeros = 4;
                Assert.Equal(zeros, h.Zeros);
                long halves = 0, threes = 0;
                for (int i = 0; i < n; i++)
                    if (x[i] == 1.5f) halves++;
                    else if (x[i] == -3f) threes++;
                Assert.Equal(n, halves + threes + zeros);
                Assert.Equal(halves, h.Count(2));
                Assert.Equal(threes, h.Count(6));
                Assert.Equal(n, h.Total);
                Assert.Equal((double)zeros / n, s.ZeroFraction);
            }
        }
    }
}
