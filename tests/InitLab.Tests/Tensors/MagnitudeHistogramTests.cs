using InitLab.Propagation;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Tensors;

public class MagnitudeHistogramTests
{
    [Fact]
    public void Each_value_falls_in_the_bin_floor_of_four_log2_of_its_magnitude()
    {
        // An independent formula (Math.Log2) on values away from the edges, where rounding could decide either way.
        var g = new Generator(7, 0);
        var x = new double[20_000];
        g.Normal(x);
        for (int i = 0; i < x.Length; i++) x[i] *= Math.Pow(10, (i % 13) - 6);
        var kept = x.Where(v => Math.Abs(4 * Math.Log2(Math.Abs(v)) - Math.Round(4 * Math.Log2(Math.Abs(v)))) > 1e-9).ToArray();
        var h = MagnitudeHistogram.Of<double>(kept);
        var expected = kept.GroupBy(v => (int)Math.Floor(4 * Math.Log2(Math.Abs(v)))).ToDictionary(b => b.Key, b => (long)b.Count());
        Assert.Equal(expected.Keys.Min(), h.FirstBin);
        Assert.Equal(expected.Keys.Max(), h.LastBin);
        for (int b = h.FirstBin; b <= h.LastBin; b++) Assert.Equal(expected.GetValueOrDefault(b), h.Count(b));
        Assert.Equal(kept.Length, h.Total);
    }

    [Theory]
    [InlineData(1.0, 0)]
    [InlineData(2.0, 4)]
    [InlineData(0.5, -4)]
    [InlineData(-8.0, 12)]
    [InlineData(1.1892071150027210667, 1)]   // 2^(1/4), the double nearest it
    [InlineData(1.1892071150027208, 0)]      // the double below it
    [InlineData(1.4142135623730951, 2)]      // sqrt 2
    [InlineData(1.6817928305074290861, 3)]   // 2^(3/4)
    [InlineData(1.9999999999999998, 3)]
    [InlineData(1.401298464324817e-45, -596)] // float.Epsilon = 2^-149, subnormal in float
    [InlineData(4.9406564584124654e-324, -4296)] // double.Epsilon = 2^-1074, subnormal in double
    public void Bin_edges_are_the_powers_of_two_to_the_quarter(double x, int bin) => Assert.Equal(bin, MagnitudeHistogram.BinOf(x));

    [Fact]
    public void Float_double_and_half_histograms_match_binning_each_value_on_its_own()
    {
        // The float path bins from the bits (subnormals apart), double and Half through the generic path; the reference
        // bins one value at a time with BinOf, independently of both. Values: every magnitude from subnormal to near
        // overflow, the floats and doubles on both sides of each edge 2^(k/4), zeros of both signs, infinities and NaNs.
        var g = new Generator(12, 3);
        var raw = new double[30_011];
        g.Normal(raw);
        var f = new float[raw.Length];
        var d = new double[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            d[i] = raw[i] * Math.Pow(2, (i % 41) * 52 - 1070);           // 2^-1070 .. 2^1010: double subnormals to large
            f[i] = (float)(raw[i] * Math.Pow(2, (i % 37) * 8 - 160));   // 2^-160 .. 2^128: float subnormals, zeros and infinities
        }
        double[] edges = [1.1892071150027210667, 1.4142135623730950488, 1.6817928305074290861, 1.0, 2.0];
        int at = 0;
        foreach (double e in edges)
            foreach (int scale in new[] { -140, -126, -3, 0, 5, 127 })
            {
                float fe = (float)Math.ScaleB(e, scale);
                foreach (float v in new[] { fe, MathF.BitDecrement(fe), MathF.BitIncrement(fe), -fe })
                    f[at++ % f.Length] = v;
                double de = Math.ScaleB(e, scale * 8);
                foreach (double v in new[] { de, Math.BitDecrement(de), Math.BitIncrement(de), -de })
                    d[at++ % d.Length] = v;
            }
        foreach (int i in new[] { 1, 2, 3, 5000, 30_010 })
        {
            f[i] = i % 2 == 0 ? -0f : float.NaN;
            d[i] = i % 2 == 0 ? double.NegativeInfinity : 0.0;
        }
        f[7] = float.PositiveInfinity;
        d[7] = double.NaN;
        foreach (int length in new[] { 0, 1, 3, 4, 7, 30_011 })
        {
            AssertMatchesReference(MagnitudeHistogram.Of<float>(f.AsSpan(0, length)), f.Take(length).Select(v => (double)v));
            AssertMatchesReference(MagnitudeHistogram.Of<double>(d.AsSpan(0, length)), d.Take(length));
            var h = f.Take(length).Select(v => (Half)v).ToArray();
            AssertMatchesReference(MagnitudeHistogram.Of<Half>(h), h.Select(v => (double)v));
        }
    }

    private static void AssertMatchesReference(MagnitudeHistogram h, IEnumerable<double> values)
    {
        var bins = new Dictionary<int, long>();
        long zeros = 0, nonFinite = 0;
        foreach (double v in values)
        {
            if (v == 0) zeros++;
            else if (!double.IsFinite(v)) nonFinite++;
            else bins[MagnitudeHistogram.BinOf(v)] = bins.GetValueOrDefault(MagnitudeHistogram.BinOf(v)) + 1;
        }
        Assert.Equal(zeros, h.Zeros);
        Assert.Equal(nonFinite, h.NonFinite);
        if (bins.Count == 0)
        {
            Assert.Empty(h.Counts);
            return;
        }
        Assert.Equal(bins.Keys.Min(), h.FirstBin);
        Assert.Equal(bins.Keys.Max(), h.LastBin);
        for (int b = h.FirstBin; b <= h.LastBin; b++) Assert.Equal(bins.GetValueOrDefault(b), h.Count(b));
    }

    [Fact]
    public void The_float_path_counts_exactly_as_the_double_path()
    {
        // The float path bins from the float's bits; the generic path widens to double and uses Bin. Every float on either
        // side of each quarter-octave edge, subnormals, zeros of both signs, NaNs with payloads and infinities, in an order
        // with runs and without, at lengths that leave vector tails.
        var values = new List<float> { 0f, -0f, float.NaN, -float.NaN, BitConverter.UInt32BitsToSingle(0x7FC00001), float.PositiveInfinity,
            float.NegativeInfinity, float.Epsilon, -float.Epsilon, BitConverter.UInt32BitsToSingle(0x007FFFFF), float.MaxValue, -float.MinValue,
            1.17549435E-38f /* smallest normal */ };
        foreach (int exponent in new[] { -140, -126, -20, -1, 0, 1, 7, 100, 127 })
            foreach (double edge in new[] { 1.0, 1.1892071150027210667, 1.4142135623730950488, 1.6817928305074290861 })
            {
                float f = (float)Math.ScaleB(edge, exponent);
                values.AddRange([f, MathF.BitDecrement(f), MathF.BitIncrement(f), -MathF.BitIncrement(f)]);
            }
        var g = new Generator(11, 0);
        var noise = new float[5003];
        g.Normal(noise);
        for (int i = 0; i < noise.Length; i++) noise[i] = i % 3 == 0 ? 0f : noise[i] * MathF.Pow(2, i % 200 - 100);
        values.AddRange(noise);
        foreach (int length in new[] { 0, 1, 7, 17, values.Count })
        {
            var x = values.Take(length).ToArray();
            var fast = MagnitudeHistogram.Of<float>(x);
            var oracle = MagnitudeHistogram.OfGeneric<float>(x);
            Assert.Equal(oracle, fast);
            Assert.Equal(length, fast.Total);
        }
        // Only normal floats: no subnormal rescan; the edges still land where the double rule puts them.
        var normal = MagnitudeHistogram.Of<float>([1.1892071f, MathF.BitDecrement(1.1892071f), 1.4142135f, 1.6817929f]);
        Assert.Equal(MagnitudeHistogram.OfGeneric<float>([1.1892071f, MathF.BitDecrement(1.1892071f), 1.4142135f, 1.6817929f]), normal);
    }

    [Fact]
    public void The_float_paths_mantissa_edges_are_the_double_edges_rounded_up_to_float_mantissas()
    {
        // The constants the vector loops use against the formula ceil(mantissa52(2^(k/4)) / 2^29), with the double edges read
        // from the literals here: a float with mantissa m >= the constant is at or above the edge.
        static uint Edge(double v) => (uint)(((BitConverter.DoubleToInt64Bits(v) & ((1L << 52) - 1)) + (1L << 29) - 1) >> 29);
        Assert.Equal((Edge(1.1892071150027210667), Edge(1.4142135623730950488), Edge(1.6817928305074290861)), MagnitudeHistogram.FloatEdges());
        Assert.Equal(MagnitudeHistogram.FloatEdges(), (MagnitudeHistogram.FloatEdge1, MagnitudeHistogram.FloatEdge2, MagnitudeHistogram.FloatEdge3));
    }

    [Fact]
    public void Zeros_and_non_finite_values_are_counted_apart()
    {
        var h = MagnitudeHistogram.Of<float>([0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1f, -1f, 3f]);
        Assert.Equal(2, h.Zeros);
        Assert.Equal(3, h.NonFinite);
        Assert.Equal(2, h.Count(0));
        Assert.Equal(1, h.Count(MagnitudeHistogram.BinOf(3)));
        Assert.Equal(8, h.Total);
        var empty = MagnitudeHistogram.Of<float>([0f, float.NaN]);
        Assert.Empty(empty.Counts);
        Assert.Equal(2, empty.Total);
        Assert.Throws<ArgumentException>(() => MagnitudeHistogram.BinOf(0));
        Assert.Throws<ArgumentException>(() => MagnitudeHistogram.BinOf(double.NaN));
    }

    [Fact]
    public void The_input_layer_of_a_gaussian_batch_fills_each_bin_with_its_probability()
    {
        // Layer 0 is N(0, 1): P(2^(b/4) <= |z| < 2^((b+1)/4)) = 2 (Phi(hi) - Phi(lo)); each count within 5 binomial
        // standard errors.
        var spec = new NetworkSpec([512, 512], InitLab.Activations.Activation.Identity, WeightDistribution.Gaussian.WithSigmaW(1)) { Batch = 64 };
        var trace = ExplicitEngine.Run(spec, seed: 3);
        var h = trace.Input.Histogram!;
        long n = h.Total;
        Assert.Equal(512 * 64, n);
        for (int b = -20; b <= 6; b++)
        {
            double p = 2 * (Phi(MagnitudeHistogram.LowerEdge(b + 1)) - Phi(MagnitudeHistogram.LowerEdge(b)));
            double se = Math.Sqrt(n * p * (1 - p));
            Assert.True(Math.Abs(h.Count(b) - n * p) <= 5 * se + 1, $"bin {b}: {h.Count(b)} vs {n * p:F1} +- {se:F1}");
        }
    }

    [Fact]
    public void Every_sampled_layer_has_a_histogram_of_all_its_values_and_the_mean_field_engine_none()
    {
        var spec = new NetworkSpec([32, 48, 48, 16], InitLab.Activations.Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(Math.Sqrt(2))) { Batch = 5 };
        foreach (var engine in new[] { Engine.Explicit, Engine.Ensemble })
        {
            var trace = Propagator.Run(spec, engine, 11);
            Assert.All(trace.Layers, l => Assert.Equal(5L * spec.Widths[l.Layer], l.Histogram!.Total));
            // relu: about half the values are exactly 0
            Assert.All(trace.Layers, l => Assert.Equal(l.ZeroFraction * 5 * spec.Widths[l.Layer], l.Histogram!.Zeros, 6));
        }
        Assert.All(Propagator.Run(spec, Engine.MeanField, 11).Layers, l => Assert.Null(l.Histogram));
    }

    private static double Phi(double x) => 0.5 * (1 + InitLab.Numerics.SpecialFunctions.Erf(x / Math.Sqrt(2)));
}
