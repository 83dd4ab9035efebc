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
    public void Results_are_bit_identical_on_every_thread_count_for_every_transpose_case()
    {
        // 301 x 517 x 600 = 9.3e7 multiply-adds: above the 2^25 serial threshold, so the tiles really are split.
        int m = 301, n = 517, k = 600;
        var a = RandomMatrix<float>(m * k, 4);
        var b = RandomMatrix<float>(k * n, 5);
        var ad = RandomMatrix<double>(m * k, 4);
        var bd = RandomMatrix<double>(k * n, 5);
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                float[]? reference = null;
                double[]? referenceD = null;
                foreach (int threads in ThreadCounts.All)
                {
                    var c = ThreadCounts.Parallel(threads, t =>
                    {
                        var r = new float[m * n];
                        Gemm.Multiply(ta, tb, m, n, k, 1f, a, ta ? m : k, b, tb ? k : n, 0f, r, n, t);
                        return r;
                    });
                    var cd = ThreadCounts.Parallel(threads, t =>
                    {
                        var r = new double[m * n];
                        Gemm.Multiply(ta, tb, m, n, k, 1.0, ad, ta ? m : k, bd, tb ? k : n, 0.0, r, n, t);
                        return r;
                    });
                    reference ??= c;
                    referenceD ??= cd;
                    Assert.Equal(reference, c);
                    Assert.Equal(referenceD, cd);
                }
            }
    }

    [Fact]
    public void Matrix_vector_products_are_bit_identical_on_every_thread_count()
    {
        // 1000 x 777 = 7.8e5 > 2^16 elements: the matrix-vector kernel splits its rows or columns over threads.
        int m = 1000, k = 777;
        var a = RandomMatrix<float>(m * k, 6);
        var x = RandomMatrix<float>(k, 7);
        var xt = RandomMatrix<float>(m, 8);
        float[]? reference = null;
        foreach (int threads in ThreadCounts.All)
        {
            var all = ThreadCounts.Parallel(threads, t =>
            {
                var y = new float[m];
                Gemm.Multiply(false, false, m, 1, k, 1f, a, k, x, 1, 0f, y, 1, t);       // A x: dot products
                var z = new float[k];
                Gemm.Multiply(true, false, k, 1, m, 1f, a, k, xt, 1, 0f, z, 1, t);       // A^T x: axpy chains
                var w = new float[k];
                Gemm.Multiply(false, false, 1, k, m, 1f, xt, m, a, k, 0f, w, k, t);      // x^T A: row vector
                return (float[])[.. y, .. z, .. w];
            });
            reference ??= all;
            Assert.Equal(reference, all);
        }
        Assert.Equal(reference!.AsSpan(m, k).ToArray(), reference.AsSpan(m + k, k).ToArray());
    }

    public static readonly TheoryData<int, int, int> KernelShapes = new()
    {
        { 1, 1, 1 }, { 6, 16, 1 }, { 6, 32, 256 }, { 7, 17, 257 }, { 13, 33, 300 }, { 2, 700, 3 }, { 5, 1, 600 }, { 1, 600, 5 },
        { 120, 96, 513 },
    };

    [Theory]
    [MemberData(nameof(KernelShapes))]
    public void Every_micro_kernel_width_gives_the_same_bits_on_any_host(int m, int n, int k)
    {
        // The host picks one width (PackedGemm.Best); the others run through the internal switch (emulated where the
        // hardware lacks them), so the 256-bit kernel is tested on an AVX-512 host and the 512-bit one everywhere.
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                CompareKernels<float>(ta, tb, m, n, k, 1.25f, tb ? 0.5f : 0f);
                CompareKernels<double>(ta, tb, m, n, k, -0.75, ta ? 2.0 : 0.0);
            }
    }

    private static void CompareKernels<T>(bool ta, bool tb, int m, int n, int k, T alpha, T beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = ta ? m : k, ldb = tb ? k : n;
        var a = RandomMatrix<T>(m * k, 11);
        var b = RandomMatrix<T>(k * n, 12);
        var c0 = RandomMatrix<T>(m * n, 13);
        T[]? reference = null;
        foreach (var kernel in new[] { GemmKernel.Scalar, GemmKernel.V256, GemmKernel.V512 })
        {
            var c = (T[])c0.Clone();
            PackedGemm.Run(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n, threads: 1, kernel: kernel);
            reference ??= c;
            for (int i = 0; i < c.Length; i++)
                if (!c[i].Equals(reference[i]))
                    Assert.Fail($"{kernel} differs from scalar at {i}: {c[i]} vs {reference[i]} (ta={ta}, tb={tb}, m={m}, n={n}, k={k})");
        }
        // And the scalar kernel is a correct product, not merely a consistent one.
        var expected = (T[])c0.Clone();
        ReferenceGemm.Run(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, expected, n);
        double eps = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double bound = Math.Abs(double.CreateChecked(beta) * double.CreateChecked(c0[i * n + j]));
                for (int p = 0; p < k; p++)
                {
                    double aip = double.CreateChecked(ta ? a[p * lda + i] : a[i * lda + p]);
                    double bpj = double.CreateChecked(tb ? b[j * ldb + p] : b[p * ldb + j]);
                    bound += Math.Abs(double.CreateChecked(alpha) * aip * bpj);
                }
                double diff = Math.Abs(double.CreateChecked(reference![i * n + j]) - double.CreateChecked(expected[i * n + j]));
                Assert.True(diff <= 2 * (k + 2) * eps * bound, $"C[{i},{j}] off by {diff:R} (bound {2 * (k + 2) * eps * bound:R})");
            }
    }

    public static readonly TheoryData<int, int, int> ThinShapes = new()
    {
        { 2, 33, 1000 }, { 5, 700, 300 }, { 13, 260, 257 }, { 64, 300, 513 }, { 128, 600, 40 }, { 64, 1100, 600 }, { 250, 1003, 70 },
    };

    [Theory]
    [MemberData(nameof(ThinShapes))]
    public void The_thin_path_gives_the_bits_of_the_packed_path_for_every_width_and_thread_count(int m, int n, int k)
    {
        // C = op(A) B^T with few rows of C runs as C^T = B op(A)^T with B read in place (PackedGemm.RunThin); it must repeat
        // the packed path's arithmetic exactly. Padded leading dimensions, beta = 0 and beta != 0, edge tiles in both directions;
        // 64 x 1100 x 600 is above the serial threshold, so its row blocks really are split over threads.
        Assert.True(PackedGemm.IsThin(m, n));
        // B not transposed (a convolution's im2col band, C = W cols) is read in place from its columns (ColumnsA).
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { true, false })
            {
                CompareWithPacked("thin", ta, tb, m, n, k, 1.25f, ta ? 0.5f : 0f, thin: true, packA: false, seed: 21);
                CompareWithPacked("thin", ta, tb, m, n, k, -0.75, ta ? 0.0 : 2.0, thin: true, packA: false, seed: 21);
            }
    }

    /// <summary>Runs one product through a non-default path (<paramref name="thin"/>, <paramref name="packA"/>) on every width
    /// (and every thread count on the host's width) and requires the bits of the fully packed scalar path; returns that
    /// reference with the operands and the padded leading dimensions.</summary>
    private static (T[] C, T[] A, T[] B, T[] C0, int Lda, int Ldb, int Ldc) CompareWithPacked<T>(string path, bool ta, bool tb,
        int m, int n, int k, T alpha, T beta, bool thin, bool packA, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
        var a = RandomMatrix<T>((ta ? k : m) * lda, seed);
        var b = RandomMatrix<T>((tb ? n : k) * ldb, seed + 1);
        var c0 = RandomMatrix<T>(m * ldc, seed + 2);
        var reference = (T[])c0.Clone();
        PackedGemm.Run(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, reference, ldc, threads: 1, kernel: GemmKernel.Scalar, thin: false, packA: true);
        foreach (var kernel in new[] { GemmKernel.Scalar, GemmKernel.V256, GemmKernel.V512 })
            foreach (int threads in kernel == PackedGemm.Best ? ThreadCounts.All : [1])
            {
                T[] Product(int t)
                {
                    var r = (T[])c0.Clone();
                    PackedGemm.Run(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, r, ldc, t, kernel, thin, packA);
                    return r;
                }
                var c = (long)m * n * k >= 1 << 25 ? ThreadCounts.Parallel(threads, Product) : Product(threads);
                for (int i = 0; i < c.Length; i++)
                    if (!c[i].Equals(reference[i]))
                        Assert.Fail($"{path} {kernel} on {threads} threads differs from packed at {i}: {c[i]} vs {reference[i]} (ta={ta}, tb={tb}, m={m}, n={n}, k={k})");
            }
        return (reference, a, b, c0, lda, ldb, ldc);
    }

    public static readonly TheoryData<int, int, int> InPlaceShapes = new()
    {
        // With 16 float lanes these take the 8 x 3, 6 x 4 and 12 x 2 tiles (least padding), with partial row slivers; the
        // last two are above the serial threshold, so their tiles really are split over threads. 70 x 1000 x 600 has more
        // columns than one 768 KiB panel holds and A's slices fit in L2, so A read in place takes the small (192 KiB) panels.
        { 13, 70, 300 }, { 37, 64, 257 }, { 25, 30, 513 }, { 301, 200, 600 }, { 70, 1000, 600 },
    };

    [Theory]
    [MemberData(nameof(InPlaceShapes))]
    public void Reading_a_in_place_gives_the_bits_of_packing_it_for_every_width_and_thread_count(int m, int n, int k)
    {
        // The packed path reads an A that is not transposed from its rows (RowsA) instead of packing it; both must run the
        // same FMA chains. Padded leading dimensions, beta = 0 and beta != 0, B transposed and not; a transposed A is packed
        // either way (packA: false must not change it).
        foreach (bool ta in new[] { false, true })
            foreach (bool tb in new[] { false, true })
            {
                CompareInPlace<float>(ta, tb, m, n, k, 1.25f, tb ? 0.5f : 0f);
                CompareInPlace<double>(ta, tb, m, n, k, -0.75, tb ? 0.0 : 2.0);
            }
    }

    private static void CompareInPlace<T>(bool ta, bool tb, int m, int n, int k, T alpha, T beta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (reference, a, b, c0, lda, ldb, ldc) = CompareWithPacked("A in place,", ta, tb, m, n, k, alpha, beta, thin: false, packA: false, seed: 31);
        // And the in-place product is correct, not merely consistent: within the dot-product error bound of the reference.
        var expected = (T[])c0.Clone();
        ReferenceGemm.Run(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
        double eps = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        var bound = c0.Select(x => T.Abs(beta * x)).ToArray();
        ReferenceGemm.Run(ta, tb, m, n, k, T.Abs(alpha), a.Select(T.Abs).ToArray(), lda, b.Select(T.Abs).ToArray(), ldb, T.One, bound, ldc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double diff = Math.Abs(double.CreateChecked(reference[i * ldc + j]) - double.CreateChecked(expected[i * ldc + j]));
                double tol = 2 * (k + 2) * eps * double.CreateChecked(bound[i * ldc + j]);
                Assert.True(diff <= tol, $"C[{i},{j}] off by {diff:R} (bound {tol:R})");
            }
    }

    [Fact]
    public void A_negative_thread_count_is_rejected_naming_the_parameter()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(false, false, 1, 1, 1, 1f, [1f], 1, [1f], 1, 0f, new float[1], 1, threads: -1));
        Assert.Equal("threads", ex.ParamName);
    }

    [Theory]
    [InlineData(512, 512, 1)]
    [InlineData(300, 70, 0)]
    [InlineData(129, 257, 2)]
    [InlineData(5, 3, 1)]
    public void Gram_is_the_full_product_to_the_bit_and_symmetric(int n, int k, int threads)
    {
        // The upper triangle by row blocks, the lower mirrored: the same bits as the full A^T A (float and double), so the
        // result is symmetric to the bit.
        int lda = n + 3, ldc = n + 1;
        var a = RandomMatrix<double>(k * lda, 21);
        var full = new double[n * ldc];
        var gram = new double[n * ldc];
        Gemm.Core(true, false, n, n, k, 1.0, a, lda, a, lda, 0.0, full, ldc, threads);
        Gemm.Gram(n, k, a, lda, gram, ldc, threads);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(full[i * ldc + j]), BitConverter.DoubleToInt64Bits(gram[i * ldc + j]));
                Assert.Equal(BitConverter.DoubleToInt64Bits(full[i * ldc + j]), BitConverter.DoubleToInt64Bits(full[j * ldc + i]));
            }
        var af = RandomMatrix<float>(k * lda, 22);
        var fullF = new float[n * ldc];
        var gramF = new float[n * ldc];
        Gemm.Core(true, false, n, n, k, 1f, af, lda, af, lda, 0f, fullF, ldc, threads);
        Gemm.Gram(n, k, af, lda, gramF, ldc, threads);
        Assert.Equal(fullF, gramF);
    }
}
