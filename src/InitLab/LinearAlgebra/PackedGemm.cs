using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace InitLab.LinearAlgebra;

/// <summary>
/// Cache-blocked GEMM in the layered structure of Goto and van de Geijn ("Anatomy of high-performance matrix
/// multiplication", ACM TOMS 2008) and BLIS: for each KC-deep slice of op(A) and op(B), both operands are packed into
/// contiguous micro-panels (A in MR-row slivers, B in NR-column slivers, zero-padded at the edges) and a register-tiled
/// MR x NR micro-kernel accumulates rank-1 updates with fused multiply-adds in Vector256 registers.
/// </summary>
/// <remarks>
/// Determinism: the blocking (KC, MR, NR) is fixed, and every element of C is updated by exactly one task per KC
/// slice, in slice order, with the same FMA chain whatever the number of threads; threads split C into tiles and never
/// split k. So results are bit-identical for any thread count. The micro-kernel widths (<see cref="GemmKernel"/>) run
/// the same FMA chain per element, so they agree bit for bit too; every width runs on any host (a width the hardware
/// lacks is emulated by the runtime, slowly), which is how the tests check the widths this host would not pick.
/// Per slice s the update is C = alpha * acc + beta * C for s = 0 (C not read when beta = 0) and C = C + alpha * acc after.
/// </remarks>
internal static class PackedGemm
{
    /// <summary>The micro-kernel <see cref="Run{T}"/> picks on this host: the widest the hardware accelerates.</summary>
    internal static GemmKernel Best =>
        Vector512.IsHardwareAccelerated ? GemmKernel.V512 : Vector256.IsHardwareAccelerated ? GemmKernel.V256 : GemmKernel.Scalar;

    /// <summary>Rows of the micro-tile: 6 rows x 2 vectors = 12 accumulators, enough to cover FMA latency on 2 pipes.</summary>
    internal const int MR = 6;

    /// <summary>Depth of a packed slice: an MR x KC sliver of A and a KC x NR sliver of B stay in L1/L2.</summary>
    internal const int KC = 256;

    /// <summary>Rows of op(A) per task: an MC x KC block of packed A (120 KB in float) stays in L2 while B slivers stream.</summary>
    internal const int MC = 120;

    /// <summary>Columns of op(B) per outer panel (the packed KC x NC panel lives in L3).</summary>
    internal const int NC = 4096;

    /// <summary>
    /// Below this many multiply-adds the product runs on the calling thread (same arithmetic either way). A product is
    /// split into k-panels of KC, each with three parallel hand-offs; for a 64 x 64 x 4096 Gram matrix (2^24 multiply-adds,
    /// about 0.5 ms of work) those 48 hand-offs cost more than the second core gives back.
    /// </summary>
    private const long SerialBelow = 1L << 25;

    /// <summary>Columns of the micro-tile: two vector registers of the kernel's width (the scalar kernel has the
    /// 256-bit tile).</summary>
    internal static int NR<T>(GemmKernel kernel) => kernel == GemmKernel.V512 ? 2 * Vector512<T>.Count : 2 * Vector256<T>.Count;

    /// <summary>C = alpha op(A) op(B) + beta C on up to <paramref name="threads"/> threads (0 = all cores) with the
    /// micro-kernel <paramref name="kernel"/> (null: <see cref="Best"/>).</summary>
    public static unsafe void Run<T>(bool ta, bool tb, int m, int n, int k, T alpha, ReadOnlySpan<T> a, int lda,
        ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc, int threads = 0, GemmKernel? kernel = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        GemmKernel width = kernel ?? Best;
        int maxThreads = threads <= 0 ? Parallelism.MaxThreads : threads;
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == T.Zero)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        if (n == 1 || m == 1)
        {
            fixed (T* ap = a)
            fixed (T* bp = b)
            fixed (T* cp = c)
            {
                bool vector = width != GemmKernel.Scalar;
                if (n == 1)   // C[:, 0] = op(A) op(B)[:, 0]
                    Gemv.Run(m, k, alpha, ap, ta ? 1 : lda, ta ? lda : 1, bp, tb ? 1 : ldb, beta, cp, ldc, threads, vector);
                else          // C[0, :] = op(B)^T op(A)[0, :]
                    Gemv.Run(n, k, alpha, bp, tb ? ldb : 1, tb ? 1 : ldb, ap, ta ? lda : 1, beta, cp, 1, threads, vector);
            }
            return;
        }
        int nr = NR<T>(width);
        int kcMax = Math.Min(KC, k);
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        T[] aBuf = ArrayPool<T>.Shared.Rent(RoundUp(m, MR) * kcMax);
        T[] bBuf = ArrayPool<T>.Shared.Rent(ncMax * kcMax);
        bool serial = (long)m * n * k < SerialBelow || maxThreads == 1;
        try
        {
            fixed (T* ap0 = a)
            fixed (T* bp0 = b)
            fixed (T* cp0 = c)
            fixed (T* aPack = aBuf)
            fixed (T* bPack = bBuf)
            {
                T* ap = ap0, bp = bp0, cp = cp0, aPk = aPack, bPk = bPack;
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    int slivers = (nc + nr - 1) / nr;
                    for (int pc = 0; pc < k; pc += KC)
                    {
                        int kc = Math.Min(KC, k - pc);
                        bool first = pc == 0;
                        int jc0 = jc, pc0 = pc;
                        For(serial, maxThreads, slivers, s => PackB(tb, bp, ldb, pc0, kc, jc0 + s * nr, Math.Min(nr, nc - s * nr), bPk + (long)s * kc * nr, nr));
                        int aSlivers = (m + MR - 1) / MR;
                        For(serial, maxThreads, aSlivers, s => PackA(ta, ap, lda, s * MR, Math.Min(MR, m - s * MR), pc0, kc, aPk + (long)s * kc * MR));

                        // Tasks: MC-row blocks x groups of B slivers, enough of them to keep every thread busy.
                        int rowBlocks = (m + MC - 1) / MC;
                        int groups = serial ? 1 : Math.Min(slivers, Math.Max(1, (4 * maxThreads + rowBlocks - 1) / rowBlocks));
                        int perGroup = (slivers + groups - 1) / groups;
                        groups = (slivers + perGroup - 1) / perGroup;
                        For(serial, maxThreads, rowBlocks * groups, t =>
                        {
                            int ib = t / groups, g = t % groups;
                            int i0 = ib * MC, i1 = Math.Min(m, i0 + MC);
                            int s0 = g * perGroup, s1 = Math.Min(slivers, s0 + perGroup);
                            for (int s = s0; s < s1; s++)
                            {
                                int j = jc0 + s * nr, ncols = Math.Min(nr, nc - s * nr);
                                T* bs = bPk + (long)s * kc * nr;
                                for (int i = i0; i < i1; i += MR)
                                {
                                    int nrows = Math.Min(MR, m - i);
                                    T* ai = aPk + (long)(i / MR) * kc * MR, ci = cp + (long)i * ldc + j;
                                    switch (width)
                                    {
                                        case GemmKernel.V512: MicroKernel512(kc, ai, bs, ci, ldc, nrows, ncols, alpha, beta, first); break;
                                        case GemmKernel.V256: MicroKernel(kc, ai, bs, ci, ldc, nrows, ncols, alpha, beta, first); break;
                                        default: MicroKernelScalar(kc, ai, bs, ci, ldc, nrows, ncols, alpha, beta, first); break;
                                    }
                                }
                            }
                        });
                    }
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(aBuf);
            ArrayPool<T>.Shared.Return(bBuf);
        }
    }

    private static void For(bool serial, int threads, int count, Action<int> body)
    {
        if (serial)
            for (int i = 0; i < count; i++) body(i);
        else
            Parallelism.For(count, body, threads);
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private static void ScaleC<T>(int m, int n, T beta, Span<T> c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == T.Zero) row.Clear();
            else if (beta != T.One) for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }

    /// <summary>op(A)[i0 .. i0 + rows, p0 .. p0 + kc] into dst[p * MR + r], rows beyond <paramref name="rows"/> zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackA<T>(bool ta, T* a, int lda, int i0, int rows, int p0, int kc, T* dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!ta)
        {
            for (int r = 0; r < MR; r++)
            {
                if (r < rows)
                {
                    T* src = a + (long)(i0 + r) * lda + p0;
                    for (int p = 0; p < kc; p++) dst[p * MR + r] = src[p];
                }
                else
                {
                    for (int p = 0; p < kc; p++) dst[p * MR + r] = T.Zero;
                }
            }
        }
        else
        {
            for (int p = 0; p < kc; p++)
            {
                T* src = a + (long)(p0 + p) * lda + i0;
                T* d = dst + p * MR;
                int r = 0;
                for (; r < rows; r++) d[r] = src[r];
                for (; r < MR; r++) d[r] = T.Zero;
            }
        }
    }

    /// <summary>op(B)[p0 .. p0 + kc, j0 .. j0 + cols] into dst[p * nr + j], columns beyond <paramref name="cols"/> zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PackB<T>(bool tb, T* b, int ldb, int p0, int kc, int j0, int cols, T* dst, int nr) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!tb)
        {
            if (cols == nr)
            {
                for (int p = 0; p < kc; p++)
                {
                    T* src = b + (long)(p0 + p) * ldb + j0;
                    new ReadOnlySpan<T>(src, nr).CopyTo(new Span<T>(dst + p * nr, nr));
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    T* src = b + (long)(p0 + p) * ldb + j0;
                    T* d = dst + p * nr;
                    int j = 0;
                    for (; j < cols; j++) d[j] = src[j];
                    for (; j < nr; j++) d[j] = T.Zero;
                }
            }
        }
        else
        {
            for (int j = 0; j < nr; j++)
            {
                if (j < cols)
                {
                    T* src = b + (long)(j0 + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) dst[p * nr + j] = src[p];
                }
                else
                {
                    for (int p = 0; p < kc; p++) dst[p * nr + j] = T.Zero;
                }
            }
        }
    }

    /// <summary>
    /// The portable micro-kernel: the 256-bit tile (MR x 2 Vector256&lt;T&gt;.Count) with one scalar FMA chain per
    /// element over p in order, then the slice update of C; the same operations per element as the vector kernels.
    /// </summary>
    [SkipLocalsInit]
    private static unsafe void MicroKernelScalar<T>(int kc, T* a, T* b, T* c, int ldc, int rows, int cols, T alpha, T beta, bool first)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = 2 * Vector256<T>.Count;
        T* acc = stackalloc T[MR * 16];
        for (int i = 0; i < MR * nr; i++) acc[i] = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            for (int r = 0; r < MR; r++)
            {
                T x = a[r];
                T* accr = acc + r * nr;
                for (int j = 0; j < nr; j++) accr[j] = T.FusedMultiplyAdd(x, b[j], accr[j]);
            }
            a += MR;
            b += nr;
        }
        for (int r = 0; r < rows; r++)
        {
            T* cr = c + (long)r * ldc;
            for (int j = 0; j < cols; j++)
            {
                T s = alpha * acc[r * nr + j];
                cr[j] = !first ? cr[j] + s : beta == T.Zero ? s : s + beta * cr[j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> x, Vector256<T> y, Vector256<T> z) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        return Vector256.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
    }

    /// <summary>
    /// acc = sum over p of A[:, p] B[p, :] for one MR x NR tile (packed slivers), then the slice update of C
    /// (see the class remarks) for its top-left rows x cols part. Partial tiles go through a stack tile and the same
    /// per-element arithmetic.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel<T>(int kc, T* a, T* b, T* c, int ldc, int rows, int cols, T alpha, T beta, bool first)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + w);
            var x = Vector256.Create(a[0]);
            c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            a += MR;
            b += 2 * w;
        }

        int nr = 2 * w;
        if (rows == MR && cols == nr)
        {
            Update(c, c00, c01, w, alpha, beta, first);
            Update(c + ldc, c10, c11, w, alpha, beta, first);
            Update(c + 2L * ldc, c20, c21, w, alpha, beta, first);
            Update(c + 3L * ldc, c30, c31, w, alpha, beta, first);
            Update(c + 4L * ldc, c40, c41, w, alpha, beta, first);
            Update(c + 5L * ldc, c50, c51, w, alpha, beta, first);
            return;
        }

        T* tile = stackalloc T[MR * 16];
        c00.Store(tile); c01.Store(tile + w);
        c10.Store(tile + nr); c11.Store(tile + nr + w);
        c20.Store(tile + 2 * nr); c21.Store(tile + 2 * nr + w);
        c30.Store(tile + 3 * nr); c31.Store(tile + 3 * nr + w);
        c40.Store(tile + 4 * nr); c41.Store(tile + 4 * nr + w);
        c50.Store(tile + 5 * nr); c51.Store(tile + 5 * nr + w);
        for (int r = 0; r < rows; r++)
        {
            T* cr = c + (long)r * ldc;
            for (int j = 0; j < cols; j++)
            {
                T s = alpha * tile[r * nr + j];
                cr[j] = !first ? cr[j] + s : beta == T.Zero ? s : s + beta * cr[j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update<T>(T* c, Vector256<T> acc0, Vector256<T> acc1, int w, T alpha, T beta, bool first)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var va = Vector256.Create(alpha);
        var s0 = va * acc0;
        var s1 = va * acc1;
        if (!first)
        {
            s0 += Vector256.Load(c);
            s1 += Vector256.Load(c + w);
        }
        else if (beta != T.Zero)
        {
            var vb = Vector256.Create(beta);
            s0 += vb * Vector256.Load(c);
            s1 += vb * Vector256.Load(c + w);
        }
        s0.Store(c);
        s1.Store(c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma512<T>(Vector512<T> x, Vector512<T> y, Vector512<T> z) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        return Vector512.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
    }

    /// <summary>
    /// acc = sum over p of A[:, p] B[p, :] for one MR x NR tile (packed slivers), then the slice update of C
    /// (see the class remarks) for its top-left rows x cols part. Partial tiles go through a stack tile and the same
    /// per-element arithmetic.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void MicroKernel512<T>(int kc, T* a, T* b, T* c, int ldc, int rows, int cols, T alpha, T beta, bool first)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + w);
            var x = Vector512.Create(a[0]);
            c00 = Fma512(x, b0, c00); c01 = Fma512(x, b1, c01);
            x = Vector512.Create(a[1]);
            c10 = Fma512(x, b0, c10); c11 = Fma512(x, b1, c11);
            x = Vector512.Create(a[2]);
            c20 = Fma512(x, b0, c20); c21 = Fma512(x, b1, c21);
            x = Vector512.Create(a[3]);
            c30 = Fma512(x, b0, c30); c31 = Fma512(x, b1, c31);
            x = Vector512.Create(a[4]);
            c40 = Fma512(x, b0, c40); c41 = Fma512(x, b1, c41);
            x = Vector512.Create(a[5]);
            c50 = Fma512(x, b0, c50); c51 = Fma512(x, b1, c51);
            a += MR;
            b += 2 * w;
        }

        int nr = 2 * w;
        if (rows == MR && cols == nr)
        {
            Update512(c, c00, c01, w, alpha, beta, first);
            Update512(c + ldc, c10, c11, w, alpha, beta, first);
            Update512(c + 2L * ldc, c20, c21, w, alpha, beta, first);
            Update512(c + 3L * ldc, c30, c31, w, alpha, beta, first);
            Update512(c + 4L * ldc, c40, c41, w, alpha, beta, first);
            Update512(c + 5L * ldc, c50, c51, w, alpha, beta, first);
            return;
        }

        T* tile = stackalloc T[MR * 32];
        c00.Store(tile); c01.Store(tile + w);
        c10.Store(tile + nr); c11.Store(tile + nr + w);
        c20.Store(tile + 2 * nr); c21.Store(tile + 2 * nr + w);
        c30.Store(tile + 3 * nr); c31.Store(tile + 3 * nr + w);
        c40.Store(tile + 4 * nr); c41.Store(tile + 4 * nr + w);
        c50.Store(tile + 5 * nr); c51.Store(tile + 5 * nr + w);
        for (int r = 0; r < rows; r++)
        {
            T* cr = c + (long)r * ldc;
            for (int j = 0; j < cols; j++)
            {
                T s = alpha * tile[r * nr + j];
                cr[j] = !first ? cr[j] + s : beta == T.Zero ? s : s + beta * cr[j];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Update512<T>(T* c, Vector512<T> acc0, Vector512<T> acc1, int w, T alpha, T beta, bool first)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var va = Vector512.Create(alpha);
        var s0 = va * acc0;
        var s1 = va * acc1;
        if (!first)
        {
            s0 += Vector512.Load(c);
            s1 += Vector512.Load(c + w);
        }
        else if (beta != T.Zero)
        {
            var vb = Vector512.Create(beta);
            s0 += vb * Vector512.Load(c);
            s1 += vb * Vector512.Load(c + w);
        }
        s0.Store(c);
        s1.Store(c + w);
    }
}

/// <summary>The widths of the GEMM micro-kernel; all give the same bits.</summary>
internal enum GemmKernel
{
    /// <summary>One element at a time (the portable reference; the 256-bit tile shape).</summary>
    Scalar,
    /// <summary>Two Vector256 registers per tile row.</summary>
    V256,
    /// <summary>Two Vector512 registers per tile row.</summary>
    V512,
}
