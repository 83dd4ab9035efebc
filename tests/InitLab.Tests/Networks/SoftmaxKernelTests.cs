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
}
