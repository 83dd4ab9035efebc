using InitLab.LinearAlgebra;
using InitLab.Networks.Ops;
using InitLab.Random;

namespace InitLab.Tests.LinearAlgebra;

/// <summary>The block hook of <see cref="PackedGemm.Run{T}"/> (<see cref="BlockDone"/>) and the linear layer's bias added through it.</summary>
public class PackedGemmEpilogueTests
{
    // Packed path with one and several KC slices and column chunks, ragged edges; the thin path (m <= 256, n >= 4m); vectors.
    public static readonly TheoryData<int, int, int> Shapes = new()
    {
        { 37, 29, 70 }, { 301, 700, 600 }, { 64, 300, 257 }, { 130, 1100, 40 }, { 1, 33, 20 }, { 19, 1, 20 }, { 260, 520, 300 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Blocks_tile_C_exactly_once_and_are_final_when_reported(int m, int n, int k)
    {
        var a = Normal(m * k, 1);
        var b = Normal(n * k, 2);
        foreach (var kernel in new[] { GemmKernel.Scalar, GemmKernel.V256, GemmKernel.V512 })
            foreach (int threads in new[] { 1, 2 })
            {
                var expected = new float[m * n];
                PackedGemm.Run(false, true, m, n, k, 1f, a, k, b, k, 0f, expected, n, threads: 1, kernel: kernel);
                var c = new float[m * n];
                var seen = new int[m * n];
                var final = new bool[m * n];
                PackedGemm.Run(false, true, m, n, k, 1f, a, k, b, k, 0f, c, n, threads, kernel, done: (row, rows, col, cols) =>
                {
                    for (int r = row; r < row + rows; r++)
                        for (int j = col; j < col + cols; j++)
                        {
                            Interlocked.Increment(ref seen[r * n + j]);
                            final[r * n + j] = c[r * n + j] == expected[r * n + j];
                        }
                });
                Assert.All(seen, count => Assert.Equal(1, count));
                Assert.All(final, Assert.True);
            }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_bias_added_in_the_blocks_is_bit_for_bit_the_bias_added_after_the_product(int m, int n, int k)
    {
        // Values of the bias near the products' size, with signed zeros and a NaN, so that any change of the addition shows.
        var x = Normal(m * k, 3);
        var w = Normal(n * k, 4);
        var bias = Normal(n, 5);
        bias[0] = -0f;
        if (n > 2) bias[2] = float.NaN;
        foreach (int threads in new[] { 1, 2 })
        {
            var expected = new float[m * n];
            Gemm.Core(false, true, m, n, k, 1f, x, k, w, k, 0f, expected, n, threads);
            LinearOp.AddBias(expected, bias, m, n);
            var y = Normal(m * n, 6);   // overwritten: the product does not read y
            LinearOp.Project(m, n, k, x, w, bias, y, threads);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
            var plain = new float[m * n];
            LinearOp.Project(m, n, k, x, w, null, plain, threads);
            Gemm.Core(false, true, m, n, k, 1f, x, k, w, k, 0f, expected, n, threads);
            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), plain.Select(BitConverter.SingleToInt32Bits));
        }
    }

    private static float[] Normal(int length, ulong stream)
    {
        var v = new float[length];
        new Generator(41, stream).Normal(v);
        return v;
    }
}
