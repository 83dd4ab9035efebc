using System.Numerics;
using InitLab.LinearAlgebra;
using InitLab.Random;

namespace InitLab.Tests.LinearAlgebra;

public class PackedGemmTests
{
    public static readonly TheoryData<int, int, int> Shapes = new()
    {
        { 0, 5, 3 }, { 4, 0, 3 }, { 3, 4, 0 }, { 1, 1, 1 }, { 7, 7, 7 }, { 1, 513, 7 }, { 513, 1, 9 }, { 6, 16, 256 },
        { 7, 17, 257 }, { 13, 31, 600 }, { 511, 33, 70 }, { 40, 513, 300 }, { 2, 700, 3 }, { 257, 3, 511 },
    };

    private static T[] RandomMatrix<T>(int length, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = new double[length];
        new Generator(seed).Normal(d);
        return d.Select(T.CreateChecked).ToArray();
    }

    /// <summary>
    /// Checks C against the reference with the standard forward error bound of a dot product (Higham, Accuracy and
    /// Stability of Numerical Algorithms, 3.1): each result differs from the exact one by at most
    /// gamma_(k+2) (|alpha| sum_p |a_ip| |b_pj| + |beta| |c_ij|), so two computations differ by at most twice that.
    /// </summary>
    private static void CheckAgainstReference<T>(bool ta, bool tb, int m, int n, int k, T alpha, T beta, int pad)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        var a = RandomMatrix<T>(Math.Max(0, aRows * lda), 1);
        var b = RandomMatrix<T>(Math.Max(0, bRows * ldb), 2);
        var c0 = RandomMatrix<T>(Math.Max(0, m * ldc), 3);
        lda = Math.Max(lda, 1); ldb = Math.Max(ldb, 1); ldc = Math.Max(ldc, 1);

        var actual = (T[])c0.Clone();
        Gemm.Validate(ta, tb, m, n, k, a.Length, lda, b.Length, ldb, actual.Length, ldc);
        Gemm.Core(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, actual, ldc);
        var expected = (T[])c0.Clone();
        ReferenceGemm.Run(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
        var bound = c0.Select(T.Abs).ToArray();
        ReferenceGemm.Run(ta, tb, m, n, k, T.Abs(alpha), a.Select(T.Abs).ToArray(), lda, b.Select(T.Abs).ToArray(), ldb, T.Abs(beta), bound, ldc);

        double gamma = 2 * (k + 2) * double.CreateChecked(Eps<T>());
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double x = double.CreateChecked(actual[i * ldc + j]), y = double.CreateChecked(expected[i * ldc + j]);
                double tol = gamma * double.CreateChecked(bound[i * ldc + j]);
                if (!(Math.Abs(x - y) <= tol))
                    Assert.Fail($"C[{i},{j}] = {x:R}, reference {y:R}, bound {tol:R} (ta={ta}, tb={tb}, m={m}, n={n}, k={k})");
            }
            // Padding columns are never written.
            for (int j = n; j < ldc && i * ldc + j < actual.Length; j++)
                Assert.Equal(c0[i * ldc + j], actual[i * ldc + j]);
        }
    }

    private static T Eps<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? T.CreateChecked(MathF.Pow(2, -24)) : T.CreateChecked(Math.Pow(2, -53));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_gemm_matches_the_reference_for_every_transpose_case(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                CheckAgainstReference(ta, tb, m, n, k, 1.5f, ta ? 0f : -0.5f, pad: tb ? 3 : 0);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_gemm_matches_the_reference_for_every_transpose_case(int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
                CheckAgainstReference(ta, tb, m, n, k, -0.75, tb ? 2.0 : 0.0, pad: ta ? 5 : 0);
    }

    [Fact]
    public void Large_odd_square_products_match_the_reference()
    {
        CheckAgainstReference(false, false, 513, 511, 513, 1f, 0f, pad: 0);
        CheckAgainstReference(true, true, 511, 513, 300, 1.0, 1.0, pad: 1);
    }

    [Fact]
    public void Beta_zero_does_not_read_c_so_nan_does_not_leak()
    {
        int m = 9, n = 21, k = 5;
        var a = RandomMatrix<float>(m * k, 1);
        var b = RandomMatrix<float>(k * n, 2);
        var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        Gemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
        Assert.All(c, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Alpha_zero_or_k_zero_scales_c_by_beta()
    {
        var c = new[] { 1.0, 2.0, 3.0, 4.0 };
        Gemm.Multiply(false, false, 2, 2, 0, 1.0, [], 1, [], 2, 3.0, c, 2);
        Assert.Equal([3.0, 6.0, 9.0, 12.0], c);
        Gemm.Multiply(false, false, 2, 2, 1, 0.0, [1.0, 1.0], 1, [1.0, 1.0], 2, 0.5, c, 2);
        Assert.Equal([1.5, 3.0, 4.5, 6.0], c);
    }

    [Fact]
    public void Results_are_bit_identical_with_1_2_and_3_threads()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            int m = 301, n = 517, k = 600;
            var a = RandomMatrix<float>(m * k, 4);
            var b = RandomMatrix<float>(k * n, 5);
            var ad = RandomMatrix<double>(m * k, 4);
            var bd = RandomMatrix<double>(k * n, 5);
            float[]? reference = null;
            double[]? referenceD = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.MaxThreads = threads;
                foreach (bool t in new[] { false, true })
                {
                    var c = new float[m * n];
                    Gemm.Multiply(t, t, m, n, k, 1f, a, t ? m : k, b, t ? k : n, 0f, c, n);
                    var cd = new double[m * n];
                    Gemm.Multiply(t, !t, m, n, k, 1.0, ad, t ? m : k, bd, !t ? k : n, 0.0, cd, n);
                    if (!t && threads == 1) { reference = c; referenceD = cd; }
                    else if (!t) { Assert.Equal(reference, c); Assert.Equal(referenceD, cd); }
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void Matrix_vector_products_are_bit_identical_with_1_2_and_3_threads()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            int m = 1000, k = 777;
            var a = RandomMatrix<float>(m * k, 6);
            var x = RandomMatrix<float>(k, 7);
            var xt = RandomMatrix<float>(m, 8);
            float[]? reference = null;
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.MaxThreads = threads;
                var y = new float[m];
                Gemm.Multiply(false, false, m, 1, k, 1f, a, k, x, 1, 0f, y, 1);       // A x: dot products
                var z = new float[k];
                Gemm.Multiply(true, false, k, 1, m, 1f, a, k, xt, 1, 0f, z, 1);       // A^T x: axpy chains
                var w = new float[k];
                Gemm.Multiply(false, false, 1, k, m, 1f, xt, m, a, k, 0f, w, k);      // x^T A: row vector
                float[] all = [.. y, .. z, .. w];
                if (reference is null) reference = all;
                else Assert.Equal(reference, all);
            }
            Assert.Equal(reference!.AsSpan(m, k).ToArray(), reference.AsSpan(m + k, k).ToArray());
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
