using InitLab.Random;

namespace InitLab.Tests.LinearAlgebra;

/// <summary>Seeded test matrices shared by the linear-algebra tests.</summary>
internal static class TestMatrices
{
    /// <summary>A rows x cols matrix of i.i.d. N(0, 1) entries, row-major.</summary>
    public static double[] Gaussian(int rows, int cols, ulong seed)
    {
        var a = new double[rows * cols];
        new Generator(seed).Normal(a);
        return a;
    }
}
