using System.Runtime.Intrinsics;
using InitLab.Activations;
using InitLab.Numerics;

namespace InitLab.Tests.Activations;

/// <summary>The exponential behind the float span forms (gelu, softmax), against Math.Exp (within 1 double ulp), and the
/// float gelu against the double-precision form.</summary>
public class FloatResultMathTests
{
    /// <summary>Floats over the whole range: every 4099th bit pattern (both signs, subnormals to infinities and NaNs), every
    /// 1e-4 on [-15, 15], and the edges (signed zeros, the least subnormals, the tail cut at 14.5, float's extremes).</summary>
    private static float[] GeluSample() =>
    [
        .. Enumerable.Range(0, (int)(uint.MaxValue / 4099)).Select(i => BitConverter.UInt32BitsToSingle((uint)i * 4099u)),
        .. Enumerable.Range(0, 300_001).Select(i => (float)(-15 + i * 1e-4)),
        0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, 1e-30f, -1e-30f, 14.5f, -14.5f, MathF.BitIncrement(14.5f),
        MathF.BitDecrement(-14.5f), -14.36f, -14.35f, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity,
        float.NaN, BitConverter.Int32BitsToSingle(unchecked((int)0xFFC01234u)),
    ];

    [Fact]
    public void Float_gelu_is_within_its_stated_ulps_of_the_double_form_over_the_whole_float_range()
    {
        // The double form is accurate to a few double ulp, so it stands for the exact value; the error is counted in ulps of
        // the correctly rounded result (at a subnormal result, the subnormal spacing).
        var x = GeluSample();
        var y = new float[x.Length];
        Activation.Gelu.Forward<float>(x, y);
        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            if (float.IsNaN(x[i]))
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(x[i]), BitConverter.SingleToInt32Bits(y[i]));
                continue;
            }
            double exact = Activation.Gelu.Forward((double)x[i]);
            float rounded = (float)exact;
            // Zero and infinite results exactly, with the sign of the exact value (gelu(-0) = -0, the left tail's -0).
            if (rounded == 0 || float.IsInfinity(rounded))
            {
                Assert.True(BitConverter.SingleToInt32Bits(rounded) == BitConverter.SingleToInt32Bits(y[i]) || Math.Abs(y[i]) <= float.Epsilon,
                    $"gelu({x[i]:R}) = {y[i]:R}, exact {exact:R}");
                if (y[i] != 0) continue;
                Assert.Equal(double.IsNegative(exact) || (exact == 0 && float.IsNegative(x[i])), float.IsNegative(y[i]));
                continue;
            }
            double ulp = MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded);
            double error = Math.Abs(y[i] - exact) / ulp;
            Assert.True(error <= GeluKernel.FloatUlps, $"gelu({x[i]:R}) = {y[i]:R}, exact {exact:R}: {error:F3} ulp");
            worst = Math.Max(worst, error);
        }
        // The bound is not loose by orders of magnitude (a form accurate to 0.5 ulp would show it).
        Assert.True(worst > 1, $"worst {worst:F3} ulp");
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(Gelu(-0f)));
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(Gelu(float.NegativeInfinity)));
        Assert.Equal(float.PositiveInfinity, Gelu(float.PositiveInfinity));
        Assert.Equal(float.MaxValue, Gelu(float.MaxValue));
        // The left tail keeps its relative accuracy into the subnormals: gelu(-13.5) = -2.1e-40.
        Assert.True(Gelu(-13.5f) < 0 && Math.Abs(Gelu(-13.5f) / Activation.Gelu.Forward(-13.5) - 1) < 1e-3);
    }

    private static float Gelu(float x)
    {
        var y = new float[1];
        Activation.Gelu.Forward<float>([x], y);
        return y[0];
    }

    [Fact]
    public void Float_gelu_gives_the_scalar_lanes_bits_at_every_width()
    {
        var x = GeluSample();
        var expected = new float[x.Length];
        Activation.Gelu.ApplyAt<float>(false, x, expected, LaneWidth.Scalar);
        foreach (var width in new[] { LaneWidth.V128, LaneWidth.V256, LaneWidth.V512 })
        {
            // Offsets 0 and 5: elements in the vector body at one width sit in the tail at another.
            foreach (int offset in new[] { 0, 5 })
            {
                var y = new float[x.Length - offset];
                Activation.Gelu.ApplyAt<float>(false, x.AsSpan(offset), y, width);
                for (int i = 0; i < y.Length; i++)
                    if (BitConverter.SingleToInt32Bits(expected[i + offset]) != BitConverter.SingleToInt32Bits(y[i]))
                        Assert.Fail($"{width}, x = {x[i + offset]:R}: {y[i]:R} against the scalar lane's {expected[i + offset]:R}");
            }
        }
    }

    [Fact]
    public void Exp_times_is_within_its_stated_relative_error_down_to_minus_700()
    {
        // Every 1/1024 on [-40, 0] (the softmax and gelu range that survives in float) and every 0.34 down to -700.
        var z = Enumerable.Range(0, 40 * 1024 + 1).Select(i => -i / 1024.0).Concat(Enumerable.Range(0, 1942).Select(i => -40 - 0.34 * i)).ToArray();
        foreach (double m in new[] { 1.0, -0.75, 3e-5 })
        {
            double worst = 0;
            foreach (double v in z)
            {
                double exact = m * Math.Exp(v), got = FloatResultMath.ExpTimes<ScalarDouble, double>(v, m);
                worst = Math.Max(worst, Math.Abs(got - exact) / Math.Abs(exact));
            }
            // 2.3e-13 truncation of the Taylor polynomial plus a few double roundings (and Math.Exp's own half ulp).
            Assert.True(worst <= 3e-13, $"m = {m}: worst relative error {worst:E3}");
        }
        Assert.Equal(0f, (float)FloatResultMath.ExpTimes<ScalarDouble, double>(double.NegativeInfinity, 1.0));
        Assert.True(double.IsNaN(FloatResultMath.ExpTimes<ScalarDouble, double>(double.NaN, 1.0)));
        Assert.Equal(1.0, FloatResultMath.ExpTimes<ScalarDouble, double>(0.0, 1.0));
    }

    [Fact]
    public void Float_exp_of_a_difference_is_within_1_ulp_at_every_width()
    {
        // x - m for m in {0, 1.5, -7.25, 1e4}: every difference on a 2^-10 grid over [-104, 0] plus the floats nearest it.
        var grid = Enumerable.Range(0, 104 * 1024 + 1).Select(i => -i / 1024f).ToArray();
        foreach (float m in new[] { 0f, 1.5f, -7.25f, 1e4f })
        {
            var x = grid.Select(d => m + d).ToArray();
            double worst = 0;
            foreach (float xi in x)
            {
                float got = FloatResultMath.ExpOfDifference<ScalarFloat, float>(xi, m);
                double exact = Math.Exp((double)xi - m);
                float rounded = (float)exact;
                if (rounded == 0) { Assert.True(got <= float.Epsilon, $"e^({xi} - {m}) = {got:R}, exact {exact:R}"); continue; }
                double ulp = MathF.BitIncrement(rounded) - rounded;
                worst = Math.Max(worst, Math.Abs(got - exact) / ulp);
            }
            Assert.True(worst <= 1, $"m = {m}: worst {worst:F3} ulp");
            // The vector widths give the scalar lane's bits.
            int whole = x.Length - x.Length % 16;
            for (int i = 0; i < whole; i += 16)
            {
                var a = Vector512.Create(x.AsSpan(i, 16));
                var e512 = FloatResultMath.ExpOfDifference<FloatLanes512, Vector512<float>>(a, Vector512.Create(m));
                var e256 = FloatResultMath.ExpOfDifference<FloatLanes256, Vector256<float>>(a.GetLower(), Vector256.Create(m));
                var e128 = FloatResultMath.ExpOfDifference<FloatLanes128, Vector128<float>>(a.GetLower().GetLower(), Vector128.Create(m));
                for (int l = 0; l < 16; l++)
                {
                    float s = FloatResultMath.ExpOfDifference<ScalarFloat, float>(x[i + l], m);
                    Assert.Equal(BitConverter.SingleToInt32Bits(s), BitConverter.SingleToInt32Bits(e512[l]));
                    if (l < 8) Assert.Equal(BitConverter.SingleToInt32Bits(s), BitConverter.SingleToInt32Bits(e256[l]));
                    if (l < 4) Assert.Equal(BitConverter.SingleToInt32Bits(s), BitConverter.SingleToInt32Bits(e128[l]));
                }
            }
        }
        Assert.Equal(0f, FloatResultMath.ExpOfDifference<ScalarFloat, float>(float.NegativeInfinity, 0f));
        Assert.True(float.IsNaN(FloatResultMath.ExpOfDifference<ScalarFloat, float>(float.NaN, 0f)));
        Assert.True(float.IsNaN(FloatResultMath.ExpOfDifference<ScalarFloat, float>(float.PositiveInfinity, float.PositiveInfinity)));
    }
}
