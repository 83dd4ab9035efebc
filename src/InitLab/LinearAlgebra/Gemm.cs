using System.Numerics;
using InitLab.Numerics;

namespace InitLab.LinearAlgebra;

/// <summary>
/// General matrix multiply on row-major storage: C = alpha * op(A) * op(B) + beta * C, where op(X) is X or X^T,
/// op(A) is m x k, op(B) is k x n and C is m x n. Every matrix product in InitLab goes through here.
/// </summary>
/// <remarks>
/// Each element of C is accumulated over p = 0..k-1 in the same order whatever the thread count, so results
/// do not depend on the <c>threads</c> argument. When beta = 0, C is not read (NaN in C does not leak),
/// as in BLAS.
/// </remarks>
public static class Gemm
{
    /// <summary>Single-precision GEMM; leading dimensions are row strides (lda &gt;= columns of the stored A). The product
    /// uses up to <c>threads</c> threads: 0 = all cores (<see cref="Parallelism.MaxThreads"/>), 1 = serial; the result is
    /// bit-identical for every value.</summary>
    /// <exception cref="ArgumentException">A dimension is negative, a leading dimension is too small, a span is too short,
    /// or threads is negative.</exception>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc, int threads = 0)
    {
        Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        Guard.Threads(threads);
        Core(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
    }

    /// <summary>Double-precision GEMM; see the float overload.</summary>
    /// <exception cref="ArgumentException">As the float overload.</exception>
    public static void Multiply(bool transposeA, bool transposeB, int m, int n, int k,
        double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb,
        double beta, Span<double> c, int ldc, int threads = 0)
    {
        Validate(transposeA, transposeB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        Guard.Threads(threads);
        Core(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
    }

    internal static void Validate(bool ta, bool tb, int m, int n, int k, int aLen, int lda, int bLen, int ldb, int cLen, int ldc)
    {
        if (m < 0) throw new ArgumentException($"m must be >= 0, got {m}.", nameof(m));
        if (n < 0) throw new ArgumentException($"n must be >= 0, got {n}.", nameof(n));
        if (k < 0) throw new ArgumentException($"k must be >= 0, got {k}.", nameof(k));
        int aRows = ta ? k : m, aCols = ta ? m : k;
        int bRows = tb ? n : k, bCols = tb ? k : n;
        CheckMatrix("a", "lda", aRows, aCols, aLen, lda);
        CheckMatrix("b", "ldb", bRows, bCols, bLen, ldb);
        CheckMatrix("c", "ldc", m, n, cLen, ldc);
    }

    private static void CheckMatrix(string name, string ldName, int rows, int cols, int length, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"{ldName} must be >= max(1, {cols}), got {ld}.", ldName);
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException($"{name} has {length} elements, a {rows} x {cols} matrix with stride {ld} needs {needed}.", name);
    }

    /// <summary>The swappable kernel entry point (validated arguments); <paramref name="thin"/> as in
    /// <see cref="PackedGemm.Run{T}"/> (null: the thin path for thin products with B transposed).</summary>
    internal static void Core<T>(bool ta, bool tb, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc, int threads = 0, bool? thin = null) where T : unmanaged, IFloatingPointIeee754<T>
        => PackedGemm.Run(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, thin: thin);

    /// <summary>Row blocks of <see cref="Gram{T}"/>: four for n = 512 (5/8 of the full product's multiply-adds).</summary>
    private const int GramBlockRows = 128;

    /// <summary>
    /// The Gram matrix C = A^T A (n x n) of the row-major k x n matrix A: the upper triangle by row blocks of
    /// <see cref="GramBlockRows"/> (C[i0.., i0..] = A[:, i0..]^T A[:, i0..]), then the lower triangle mirrored.
    /// Bit-identical to <c>Core(true, false, n, n, k, 1, a, lda, a, lda, 0, c, ldc)</c>: every element is the same FMA chain
    /// over p in the same KC slices whatever the block (see the class remarks), and C[j, i] = C[i, j] because
    /// fma(x, y, s) = fma(y, x, s). So C is symmetric to the bit, and about half the multiply-adds are done.
    /// </summary>
    internal static void Gram<T>(int n, int k, ReadOnlySpan<T> a, int lda, Span<T> c, int ldc, int threads = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i0 = 0; i0 < n; i0 += GramBlockRows)
        {
            int rows = Math.Min(GramBlockRows, n - i0);
            Core(true, false, rows, n - i0, k, T.One, a[i0..], lda, a[i0..], lda, T.Zero, c[(i0 * ldc + i0)..], ldc, threads);
        }
        for (int i = 1; i < n; i++)
            for (int j = 0; j < i; j++)
                c[i * ldc + j] = c[j * ldc + i];
    }
}

/// <summary>Straightforward row-parallel GEMM without FMA: the test oracle for <see cref="PackedGemm"/>.</summary>
internal static class ReferenceGemm
{
    public static unsafe void Run<T>(bool ta, bool tb, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc, int threads = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;

        // Pack op(B) as k x n row-major so the inner loop streams contiguous rows.
        T[] bp = new T[(long)k * n];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++)
                bp[(long)p * n + j] = tb ? b[j * ldb + p] : b[p * ldb + j];

        fixed (T* aPtr = a)
        fixed (T* cPtr = c)
        {
            T* ap = aPtr, cp = cPtr;
            int rowsPerTask = Math.Max(1, (int)Math.Min(m, 1 + 65536L / Math.Max(1L, (long)n * Math.Max(k, 1))));
            int tasks = (m + rowsPerTask - 1) / rowsPerTask;
            Parallelism.For(tasks, t =>
            {
                int i0 = t * rowsPerTask, i1 = Math.Min(m, i0 + rowsPerTask);
                for (int i = i0; i < i1; i++)
                {
                    var row = new Span<T>(cp + (long)i * ldc, n);
                    if (beta == T.Zero) row.Clear();
                    else if (beta != T.One) for (int j = 0; j < n; j++) row[j] *= beta;
                    for (int p = 0; p < k; p++)
                    {
                        T aip = alpha * (ta ? ap[(long)p * lda + i] : ap[(long)i * lda + p]);
                        Axpy(aip, new ReadOnlySpan<T>(bp, p * n, n), row);
                    }
                }
            }, threads);
        }
    }

    // y += s * x, exactly rounded multiply then add (no FMA) so every vector width gives the same bits.
    private static void Axpy<T>(T s, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var vs = new Vector<T>(s);
            for (; j <= x.Length - Vector<T>.Count; j += Vector<T>.Count)
                (new Vector<T>(y.Slice(j)) + vs * new Vector<T>(x.Slice(j))).CopyTo(y.Slice(j));
        }
        for (; j < x.Length; j++) y[j] += s * x[j];
    }
}
