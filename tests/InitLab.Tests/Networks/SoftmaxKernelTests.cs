using InitLab.Networks.Ops;
using InitLab.Numerics;
using InitLab.Random;

namespace InitLab.Tests.Networks;

/// <summary>The float softmax row kernel: the same bits at every lane width and in place, and its special values.</summary>
public class SoftmaxKernelTests
{
    private static readonly LaneWidth[] Widths = [LaneWidth.Scalar, LaneWidth.V128, LaneWidth.V256, LaneWidth.V512];

    [Fact]
    public void Every_lane_width_gives_the_bits_of_the_scalar_lane_on_every_length()
    {
        var g = new Generator(5, 1);
        for (int n = 0; n <= 67; n++)
        {
            var x = new float[n];
            g.Normal(x, 0f, 6f);
            // Scores far below the maximum underflow (e^-120 is below float's least subnormal), some are -inf.
            if (n > 5) x[3] = x[1] - 120;
            if (n > 9) x[9] = float.NegativeInfinity;
            var expected = new float[n];
            SoftmaxOp.FloatRow(x, expected, LaneWidth.Scalar);
            foreach (var width in Widths)
            {
                var y = new float[n];
                SoftmaxOp.FloatRow(x, y, width);
                Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
                var inPlace = (float[])x.Clone();
                SoftmaxOp.FloatRow(inPlace, inPlace, width);
                Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), inPlace.Select(BitConverter.SingleToInt32Bits));
            }
            if (n > 0) Assert.True(Math.Abs(expected.Sum(v => (double)v) - 1) <= n * Math.Pow(2, -23), $"n = {n}: sum {expected.Sum()}");
        }
    }

    [Fact]
    public void Special_values_follow_the_formula()
    {
        foreach (var width in Widths)
        {
            float[] Run(params float[] x)
            {
                var y = new float[x.Length];
                SoftmaxOp.FloatRow(x, y, width);
                return y;
            }
            // Equal scores share the mass exactly; a NaN or +inf anywhere, or every score -inf, gives NaN throughout.
            Assert.All(Run(Enumerable.Repeat(2.5f, 16).ToArray()), v => Assert.Equal(1f / 16, v));
            Assert.All(Run([.. Enumerable.Repeat(0f, 12), float.NaN]), v => Assert.True(float.IsNaN(v)));
            Assert.All(Run([.. Enumerable.Repeat(0f, 12), float.PositiveInfinity]), v => Assert.True(float.IsNaN(v)));
            Assert.All(Run(Enumerable.Repeat(float.NegativeInfinity, 9).ToArray()), v => Assert.True(float.IsNaN(v)));
            // One score 200 above the others takes everything (e^-200 is 0 in float); -0 and +0 are the same score.
            var one = Run([0, 0, 0, 0, 0, 0, 0, 0, 200, 0]);
            Assert.Equal(1f, one[8]);
            Assert.Equal(0f, one.Sum() - one[8]);
            Assert.Equal(Run([-0f, 1, 2, 3, 4, 5, 6, 7, 8]), Run([0f, 1, 2, 3, 4, 5, 6, 7, 8]));
        }
    }

    /// <summary>The documented formula written out element by element: m = max, e_j = e^(x_j - m) one float at a time, the sum
    /// in double with element j in partial j mod 8 in index order and the partials added as ((p0 + p1) + (p2 + p3)) +
    /// ((p4 + p5) + (p6 + p7)), y_j = float(e_j * (1 / S)).</summary>
    private static float[] Reference(float[] x)
    {
        int n = x.Length;
        float m = float.NegativeInfinity;
        foreach (float v in x) m = float.IsNaN(v) || float.IsNaN(m) ? float.NaN : Math.Max(m, v);
        var e = new float[n];
        var p = new double[8];
        for (int j = 0; j < n; j++)
        {
            e[j] = InitLab.Activations.FloatResultMath.ExpOfDifference<InitLab.Activations.ScalarFloat, float>(x[j], m);
            p[j % 8] += e[j];
        }
        double s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        double inv = 1.0 / s;
        return e.Select(v => (float)(v * inv)).ToArray();
    }

    [Fact]
    public void Every_width_gives_the_bits_of_the_formula_written_element_by_element()
    {
        // Lengths around every block size (8, 16, 32) and the attention's 256, scores from narrow to underflowing.
        var g = new Generator(11, 2);
        foreach (int n in new[] { 1, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 47, 48, 63, 64, 65, 100, 255, 256, 257 })
            foreach (float spread in new[] { 0.5f, 4f, 40f })
            {
                var x = new float[n];
                g.Normal(x, 1f, spread);
                var expected = Reference(x);
                foreach (var width in Widths)
                {
                    var y = new float[n];
                    SoftmaxOp.FloatRow(x, y, width);
                    Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
                }
            }
    }
}
