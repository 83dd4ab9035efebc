using InitLab.Random;
using static InitLab.Random.PhiloxFill;

namespace InitLab.Tests.Random;

public class PhiloxFillTests
{
    private const ulong Seed = 0x5eed_1234_abcd_0042UL, Stream = 7;

    // The low counter word wraps inside the first vector group at this offset, so the carry into word 1 is exercised.
    public static readonly TheoryData<ulong> FirstBlocks = new() { 0UL, 5UL, 0xFFFF_FFFAUL };

    private static LaneWidth[] SupportedWidths() =>
        new[] { LaneWidth.Scalar, LaneWidth.V256, LaneWidth.V512 }.Where(IsSupported).ToArray();

    private static void AssertAllWidthsAgree<TOp>(TOp op, ulong firstBlock) where TOp : struct, IFloatPairOp
    {
        var lengths = Enumerable.Range(0, 68).Append(100_003);
        foreach (int length in lengths)
        {
            var reference = new float[length];
            Fill(reference, Seed, Stream, firstBlock, op, LaneWidth.Scalar);
            foreach (var width in SupportedWidths())
            {
                var actual = new float[length];
                Fill(actual, Seed, Stream, firstBlock, op, width);
                for (int i = 0; i < length; i++)
                {
                    if (BitConverter.SingleToUInt32Bits(actual[i]) != BitConverter.SingleToUInt32Bits(reference[i]))
                        Assert.Fail($"{width} differs from scalar at length {length}, element {i}: {actual[i]:R} vs {reference[i]:R}");
                }
            }
        }
    }

    private static void AssertSameBits<TOp1, TOp2>(TOp1 op1, TOp2 op2, ulong firstBlock) where TOp1 : struct, IFloatPairOp where TOp2 : struct, IFloatPairOp
    {
        var x = new float[100_003];
        var y = new float[100_003];
        Fill(x, Seed, Stream, firstBlock, op1, BestWidth);
        Fill(y, Seed, Stream, firstBlock, op2, BestWidth);
        Assert.Equal(x.Select(BitConverter.SingleToUInt32Bits), y.Select(BitConverter.SingleToUInt32Bits));
    }

    [Theory]
    [MemberData(nameof(FirstBlocks))]
    public void Uniform_kernels_give_the_same_bits_on_every_width_length_and_offset(ulong firstBlock)
    {
        AssertAllWidthsAgree(new UniformFloatOp(0f, 1f), firstBlock);
        AssertAllWidthsAgree(new UniformFloatOp(-3f, 0.25f), firstBlock);
    }

    [Theory]
    [MemberData(nameof(FirstBlocks))]
    public void Normal_kernels_give_the_same_bits_on_every_width_length_and_offset(ulong firstBlock)
    {
        AssertAllWidthsAgree(new NormalFloatOp(0f, 1f), firstBlock);
        AssertAllWidthsAgree(new NormalFloatOp(1.5f, 0.02f), firstBlock);
    }

    [Theory]
    [MemberData(nameof(FirstBlocks))]
    public void Truncated_normal_kernels_give_the_same_bits_on_every_width_length_and_offset(ulong firstBlock)
    {
        // The central-only instantiation (bounds within +-2.6) must give the bits of the one that evaluates both branches.
        var central = new TruncatedNormalFloatOp(0f, 1f, -2f, 2f, -2, 2);
        Assert.True(central.CentralOnly);
        AssertAllWidthsAgree(new TruncatedNormalFloatOp<StaticFalse>(central), firstBlock);
        AssertAllWidthsAgree(new TruncatedNormalFloatOp<StaticTrue>(central), firstBlock);
        AssertSameBits(new TruncatedNormalFloatOp<StaticFalse>(central), new TruncatedNormalFloatOp<StaticTrue>(central), firstBlock);
        var tail = new TruncatedNormalFloatOp(1f, 2f, 2f, 9f, 0.5, 4);
        Assert.False(tail.CentralOnly);
        AssertAllWidthsAgree(new TruncatedNormalFloatOp<StaticTrue>(tail), firstBlock);
    }

    [Theory]
    [MemberData(nameof(FirstBlocks))]
    public void Truncated_normal_element_e_is_the_one_lane_transform_of_its_word_on_every_width(ulong firstBlock)
    {
        // The fill runs the transform on two words side by side (PairLanes) in a call of its own; every element must
        // still be exactly the single-lane transform of its own word, the PairLanes instantiation included.
        foreach (var op in new[] { new TruncatedNormalFloatOp(0f, 1f, -2f, 2f, -2, 2), new TruncatedNormalFloatOp(1f, 2f, 2f, 9f, 0.5, 4) })
        {
            foreach (var width in SupportedWidths())
            {
                var actual = new float[1029];
                if (op.CentralOnly) Fill(actual, Seed, Stream, firstBlock, new TruncatedNormalFloatOp<StaticFalse>(op), width);
                else Fill(actual, Seed, Stream, firstBlock, new TruncatedNormalFloatOp<StaticTrue>(op), width);
                for (int e = 0; e < actual.Length; e++)
                {
                    var (x0, x1, x2, x3) = Philox4x32.Block(Seed, Stream, firstBlock + (ulong)(e / 4));
                    uint word = (e % 4) switch { 0 => x0, 1 => x1, 2 => x2, _ => x3 };
                    float expected = op.Map<ScalarLanes, float, uint>(word, centralOnly: false);
                    Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual[e]),
                        $"{width}, element {e}: {actual[e]:R} vs {expected:R}");
                }
            }
        }
    }

    [Fact]
    public void Pair_lanes_apply_each_operation_to_each_half_exactly()
    {
        // Two different halves through the same arithmetic: each half must equal the single-lane result.
        uint[] words = [0u, 1u, 0x00FFFFFFu, 0x12345678u, 0x80000000u, 0xFFFFFFFFu, 0x7F800000u, 0x3F3504F3u];
        foreach (uint a in words)
            foreach (uint b in words)
            {
                var op = new TruncatedNormalFloatOp(0.5f, 2f, -3f, 4f, -1.75, 1.75);
                var pair = op.Map<PairLanes<ScalarLanes, float, uint>, Pair<float>, Pair<uint>>(new Pair<uint>(a, b), centralOnly: false);
                Assert.Equal(BitConverter.SingleToUInt32Bits(op.Map<ScalarLanes, float, uint>(a, false)), BitConverter.SingleToUInt32Bits(pair.A));
                Assert.Equal(BitConverter.SingleToUInt32Bits(op.Map<ScalarLanes, float, uint>(b, false)), BitConverter.SingleToUInt32Bits(pair.B));
                PairLanes<ScalarLanes, float, uint>.MulHiLo(new Pair<uint>(a, b), Philox4x32.M0, out var hi, out var lo);
                Assert.Equal(((ulong)a * Philox4x32.M0) >> 32, hi.A);
                Assert.Equal((uint)((ulong)b * Philox4x32.M0), lo.B);
            }
    }

    [Theory]
    [MemberData(nameof(FirstBlocks))]
    public void Uniform_element_e_is_word_e_mod_4_of_block_first_plus_e_div_4(ulong firstBlock)
    {
        var actual = new float[1001];
        Fill(actual, Seed, Stream, firstBlock, new UniformFloatOp(0f, 1f), BestWidth);
        for (int e = 0; e < actual.Length; e++)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(Seed, Stream, firstBlock + (ulong)(e / 4));
            uint word = (e % 4) switch { 0 => x0, 1 => x1, 2 => x2, _ => x3 };
            Assert.Equal((word >> 8) * Inv24, actual[e]);
        }
    }

    [Fact]
    public void Normal_kernel_matches_double_precision_box_muller_to_float_accuracy()
    {
        var actual = new float[4001];
        Fill(actual, Seed, Stream, 3, new NormalFloatOp(0f, 1f), BestWidth);
        for (int e = 0; e < actual.Length; e++)
        {
            var (x0, x1, x2, x3) = Philox4x32.Block(Seed, Stream, 3 + (ulong)(e / 4));
            uint a = e % 4 < 2 ? x0 : x2, b = e % 4 < 2 ? x1 : x3;
            double r = Math.Sqrt(-2 * Math.Log(((a >> 8) + 1) * (double)Inv24));
            double theta = 2 * Math.PI * (b >> 8) * (double)Inv24;
            double expected = e % 2 == 0 ? r * Math.Cos(theta) : r * Math.Sin(theta);
            // Log within 2 ulp, sin/cos within 2e-7, |z| <= 5.7: a few float ulps of a unit-scale value.
            Assert.True(Math.Abs(actual[e] - expected) <= 2e-6, $"element {e}: {actual[e]:R} vs {expected:R}");
        }
    }

    [Fact]
    public void Fills_give_the_same_bits_on_every_thread_count()
    {
        float[]? reference = null;
        double[]? referenceD = null;
        foreach (int threads in ThreadCounts.All.Prepend(1))
        {
            var (all, z) = ThreadCounts.Parallel(threads, t =>
            {
                var g = new Generator(99, 1);
                var x = new float[3 * ChunkElements + 13];
                g.Normal(x, t);
                var y = new float[3 * ChunkElements + 5];
                g.TruncatedNormal(y, 0f, 1f, -2f, 2f, t);
                var z = new double[3 * ChunkElements + 3];
                g.Normal(z, t);
                return ((float[])[.. x, .. y], z);
            });
            reference ??= all;
            referenceD ??= z;
            Assert.Equal(reference, all);
            Assert.Equal(referenceD, z);
        }
    }

    [Fact]
    public void A_fill_split_into_two_calls_continues_the_same_stream()
    {
        var whole = new float[1000];
        new Generator(5).Normal(whole);
        var g = new Generator(5);
        var first = new float[400];
        var second = new float[600];
        g.Normal(first);
        g.Normal(second);
        Assert.Equal(whole, first.Concat(second).ToArray());
    }

    [Fact]
    public void The_float_truncated_normal_matches_the_double_precision_inverse_cdf_including_its_tail_branch()
    {
        // Bounds +-4.5 std reach w = -log(4 p q) > 5, where the quantile switches to its tail polynomial; an asymmetric
        // positive interval exercises the mirrored (flipped) form. Reference: the double-precision inverse CDF on the same
        // 24-bit cells. Giles' float erfinv is accurate to a few float ulps of |z| <= 5 (relative 2e-6 allowed).
        foreach (var (lo, hi) in new[] { (-4.5, 4.5), (0.5, 4.8), (-4.9, -1.0) })
        {
            var actual = new float[4096];
            Fill(actual, Seed, Stream, 11, new TruncatedNormalFloatOp<StaticTrue>(new TruncatedNormalFloatOp(0f, 1f, (float)lo, (float)hi, lo, hi)), LaneWidth.Scalar);
            var expected = new float[4096];
            TruncatedNormalFloat(expected, Seed, Stream, 11, lo, hi);
            for (int e = 0; e < actual.Length; e++)
                Assert.True(Math.Abs(actual[e] - expected[e]) <= 2e-6 * Math.Max(1, Math.Abs(expected[e])),
                    $"[{lo}, {hi}] element {e}: {actual[e]:R} vs {expected[e]:R}");
        }
    }
}
