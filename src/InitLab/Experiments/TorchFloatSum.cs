using System.Numerics;

namespace InitLab.Experiments;

/// <summary>
/// <c>x.sum()</c> of a contiguous float32 tensor as PyTorch's CPU kernel (AVX2, 8-lane vectors) adds it, in float:
/// the vectors are read as rows of 4 (<c>ilp_factor</c>), each of the 4 columns summed by the multi-level cascade of
/// <c>multi_row_sum</c> (levels of 2^max(4, ceil(log2 m) / 4) rows), the 4 partial vectors added, the scalar tail
/// added to 0, then the 8 lanes added in order. Only the overflow of these partial sums matters here: PyTorch's
/// <c>x.std()</c> is NaN exactly when this sum is not finite, which happens a layer before x holds an infinity.
/// </summary>
internal static class TorchFloatSum
{
    private const int Lanes = 8, Rows = 4, Levels = 4;

    public static float Of(ReadOnlySpan<float> x)
    {
        int vectors = x.Length / Lanes;
        var acc = RowSum(x, vectors);
        float total = 0f;
        for (int k = vectors * Lanes; k < x.Length; k++) total += x[k];
        for (int lane = 0; lane < Lanes; lane++) total += acc[lane];
        return total;
    }

    /// <summary>row_sum over <paramref name="vectors"/> 8-lane vectors: the result's 8 lanes.</summary>
    private static float[] RowSum(ReadOnlySpan<float> x, int vectors)
    {
        int groups = vectors / Rows;
        var acc = new float[Levels, Rows, Lanes];
        int levelPower = Math.Max(4, CeilLog2(groups) / Levels), levelStep = 1 << levelPower, levelMask = levelStep - 1;
        int i = 0;
        while (i + levelStep <= groups)
        {
            for (int j = 0; j < levelStep; j++, i++) AddGroup(acc, x, i);
            for (int j = 1; j < Levels; j++)
            {
                for (int k = 0; k < Rows; k++)
                    for (int lane = 0; lane < Lanes; lane++)
                    {
                        acc[j, k, lane] += acc[j - 1, k, lane];
                        acc[j - 1, k, lane] = 0f;
                    }
                if ((i & (levelMask << (j * levelPower))) != 0) break;
            }
        }
        for (; i < groups; i++) AddGroup(acc, x, i);
        var sum = new float[Lanes];
        for (int lane = 0; lane < Lanes; lane++)
        {
            var partial = new float[Rows];
            for (int k = 0; k < Rows; k++)
            {
                partial[k] = acc[0, k, lane];
                for (int j = 1; j < Levels; j++) partial[k] += acc[j, k, lane];
            }
            for (int v = groups * Rows; v < vectors; v++) partial[0] += x[v * Lanes + lane];
            sum[lane] = partial[0];
            for (int k = 1; k < Rows; k++) sum[lane] += partial[k];
        }
        return sum;
    }

    private static void AddGroup(float[,,] acc, ReadOnlySpan<float> x, int group)
    {
        for (int k = 0; k < Rows; k++)
            for (int lane = 0; lane < Lanes; lane++)
                acc[0, k, lane] += x[(group * Rows + k) * Lanes + lane];
    }

    private static int CeilLog2(int x) => x <= 2 ? 1 : BitOperations.Log2((uint)(x - 1)) + 1;
}
