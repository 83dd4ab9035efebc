using InitLab.LinearAlgebra;
using InitLab.Random;

namespace InitLab.Tests.LinearAlgebra;

public class GemmReferenceTests
{
    private static double[] Naive(bool ta, bool tb, int m, int n, int k, double alpha, double[] a, int lda, double[] b, int ldb, double beta, double[] c, int ldc)
    {
        var r = (double[])c.Clone();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                r[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j]);
            }
        return r;
    }

    [Theory]
    [InlineData(false, false, 7, 5, 3)]
    [InlineData(true, false, 1, 9, 4)]
    [InlineData(false, true, 6, 1, 11)]
    [InlineData(true, true, 13, 7, 2)]
    [InlineData(false, false, 0, 3, 3)]
    [InlineData(false, false, 3, 3, 0)]
    public void Gemm_matches_the_naive_triple_loop_for_every_transpose_case(bool ta, bool tb, int m, int n, int k)
    {
        var g = new Generator(17);
        int lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
        var a = new double[Math.Max(1, (ta ? k : m) * lda)];
        var b = new double[Math.Max(1, (tb ? n : k) * ldb)];
        var c = new double[Math.Max(1, m * ldc)];
        g.Normal(a); g.Normal(b); g.Normal(c);
        var expected = Naive(ta, tb, m, n, k, 0.75, a, lda, b, ldb, -0.5, c, ldc);
        Gemm.Multiply(ta, tb, m, n, k, 0.75, a, lda, b, ldb, -0.5, c, ldc);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], c[i], 12);
    }

    [Fact]
    public void Beta_zero_ignores_NaN_in_C()
    {
        var c = new float[] { float.NaN };
        Gemm.Multiply(false, false, 1, 1, 1, 1f, new float[] { 2 }, 1, new float[] { 3 }, 1, 0f, c, 1);
        Assert.Equal(6f, c[0]);
    }

    [Fact]
    public void Too_short_spans_and_small_leading_dimensions_are_rejected_with_the_parameter_name()
    {
        Assert.Equal("a", Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(false, false, 2, 2, 2, 1f, new float[3], 2, new float[4], 2, 0f, new float[4], 2)).ParamName);
        Assert.Equal("ldb", Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(false, false, 2, 2, 2, 1f, new float[4], 2, new float[4], 1, 0f, new float[4], 2)).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentException>(() =>
            Gemm.Multiply(false, false, -1, 2, 2, 1f, new float[4], 2, new float[4], 2, 0f, new float[4], 2)).ParamName);
    }
}
