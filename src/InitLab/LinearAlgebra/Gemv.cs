using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace InitLab.LinearAlgebra;

/// <summary>
/// Matrix-vector products for GEMM calls with n = 1 or m = 1, where packing into MR x NR tiles would waste most of the
/// micro-kernel: y = alpha M x + beta y for an L x K matrix M addressed with strides (rowStride, colStride).
/// </summary>
/// <remarks>
/// Results do not depend on thread count or vector width: with contiguous rows each y_i is a dot product accumulated in
/// 64 (float) or 32 (double) fixed lanes (element p in lane p mod L, FMA), combined by a fixed pairwise tree, then the tail in order; with
/// contiguous columns each y_i is one FMA chain over p in order (the columns are vectorized, not the sum).
/// As in GEMM, y is not read when beta = 0. With <c>vector</c> false the scalar instantiation of the same chains runs
/// (the tests compare both on any host).
/// </remarks>
internal static class Gemv
{
    private const int RowsPerTask = 64;

    public static unsafe void Run<T>(int length, int depth, T alpha, T* m, long rowStride, long colStride, T* x, long xStride,
        T beta, T* y, long yStride, int threads = 0, bool vector = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] xBuf = ArrayPool<T>.Shared.Rent(depth);
        T[] accBuf = ArrayPool<T>.Shared.Rent(length);
        try
        {
            fixed (T* xc0 = xBuf)
            fixed (T* acc0 = accBuf)
            {
                T* xc = xc0, acc = acc0;
                for (int p = 0; p < depth; p++) xc[p] = x[p * xStride];
                bool serial = (long)length * depth < 1L << 16;
                int tasks = (length + RowsPerTask - 1) / RowsPerTask;
                if (colStride == 1)
                {
                    Action<int> body = t =>
                    {
                        int i1 = Math.Min(length, (t + 1) * RowsPerTask);
                        for (int i = t * RowsPerTask; i < i1; i++) acc[i] = Dot(m + i * rowStride, xc, depth, vector);
                    };
                    if (serial) for (int t = 0; t < tasks; t++) body(t);
                    else Parallelism.For(tasks, body, threads);
                }
                else
                {
                    // rowStride == 1: acc[i] = sum_p M[p-th column][i] x_p, one FMA chain per element.
                    int chunk = 1024;
                    int chunks = (length + chunk - 1) / chunk;
                    Action<int> body = t =>
                    {
                        int i0 = t * chunk, n = Math.Min(chunk, length - i0);
                        new Span<T>(acc + i0, n).Clear();
                        int p = 0;
                        for (; p + 4 <= depth; p += 4)
                            Axpy4(xc + p, m + p * colStride + i0, colStride, acc + i0, n, vector);
                        for (; p < depth; p++) Axpy(xc[p], m + p * colStride + i0, acc + i0, n, vector);
                    };
                    if (serial) for (int t = 0; t < chunks; t++) body(t);
                    else Parallelism.For(chunks, body, threads);
                }
                for (int i = 0; i < length; i++)
                {
                    T s = alpha * acc[i];
                    T* yi = y + i * yStride;
                    *yi = beta == T.Zero ? s : s + beta * *yi;
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(xBuf);
            ArrayPool<T>.Shared.Return(accBuf);
        }
    }

    /// <summary>
    /// sum_p a_p b_p in L = 8 * Vector256&lt;T&gt;.Count fixed lanes (64 float, 32 double; lane = p mod L) with FMA, then a
    /// fixed pairwise tree, then the tail in order. Eight independent vector chains cover the FMA latency.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe T Dot<T>(T* a, T* b, int n, bool vector = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector256<T>.Count, lanesCount = 8 * w;
        T* lanes = stackalloc T[64];
        int p = 0;
        int full = n - n % lanesCount;
        if (vector && Vector256.IsHardwareAccelerated)
        {
            Vector256<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            for (; p < full; p += lanesCount)
            {
                c0 = Fma(Vector256.Load(a + p), Vector256.Load(b + p), c0);
                c1 = Fma(Vector256.Load(a + p + w), Vector256.Load(b + p + w), c1);
                c2 = Fma(Vector256.Load(a + p + 2 * w), Vector256.Load(b + p + 2 * w), c2);
                c3 = Fma(Vector256.Load(a + p + 3 * w), Vector256.Load(b + p + 3 * w), c3);
                c4 = Fma(Vector256.Load(a + p + 4 * w), Vector256.Load(b + p + 4 * w), c4);
                c5 = Fma(Vector256.Load(a + p + 5 * w), Vector256.Load(b + p + 5 * w), c5);
                c6 = Fma(Vector256.Load(a + p + 6 * w), Vector256.Load(b + p + 6 * w), c6);
                c7 = Fma(Vector256.Load(a + p + 7 * w), Vector256.Load(b + p + 7 * w), c7);
            }
            c0.Store(lanes); c1.Store(lanes + w); c2.Store(lanes + 2 * w); c3.Store(lanes + 3 * w);
            c4.Store(lanes + 4 * w); c5.Store(lanes + 5 * w); c6.Store(lanes + 6 * w); c7.Store(lanes + 7 * w);
        }
        else
        {
            for (int l = 0; l < lanesCount; l++) lanes[l] = T.Zero;
            for (; p < full; p += lanesCount)
                for (int l = 0; l < lanesCount; l++) lanes[l] = T.FusedMultiplyAdd(a[p + l], b[p + l], lanes[l]);
        }
        for (int width = lanesCount / 2; width >= 1; width /= 2)
            for (int l = 0; l < width; l++) lanes[l] += lanes[l + width];
        T s = lanes[0];
        for (; p < n; p++) s = T.FusedMultiplyAdd(a[p], b[p], s);
        return s;
    }

    // y[i] = fma(s, x[i], y[i]); vectorized over i, so each element is the same chain on any width.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Axpy<T>(T s, T* x, T* y, int n, bool vector) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (vector && Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Fma(vs, Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] = T.FusedMultiplyAdd(s, x[i], y[i]);
    }

    // Four consecutive axpy steps p .. p + 3 with y kept in a register: the same FMA chain per element, a quarter of
    // the loads and stores of y.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Axpy4<T>(T* s, T* x, long stride, T* y, int n, bool vector) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (vector && Vector256.IsHardwareAccelerated)
        {
            var s0 = Vector256.Create(s[0]);
            var s1 = Vector256.Create(s[1]);
            var s2 = Vector256.Create(s[2]);
            var s3 = Vector256.Create(s[3]);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var acc = Vector256.Load(y + i);
                acc = Fma(s0, Vector256.Load(x + i), acc);
                acc = Fma(s1, Vector256.Load(x + stride + i), acc);
                acc = Fma(s2, Vector256.Load(x + 2 * stride + i), acc);
                acc = Fma(s3, Vector256.Load(x + 3 * stride + i), acc);
                acc.Store(y + i);
            }
        }
        for (; i < n; i++)
        {
            T acc = y[i];
            acc = T.FusedMultiplyAdd(s[0], x[i], acc);
            acc = T.FusedMultiplyAdd(s[1], x[stride + i], acc);
            acc = T.FusedMultiplyAdd(s[2], x[2 * stride + i], acc);
            y[i] = T.FusedMultiplyAdd(s[3], x[3 * stride + i], acc);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> x, Vector256<T> y, Vector256<T> z) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        return Vector256.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
    }
}
