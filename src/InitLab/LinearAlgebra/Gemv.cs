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
/// 16 fixed lanes (element p in lane p mod 16, FMA), combined by a fixed pairwise tree, then the tail in order; with
/// contiguous columns each y_i is one FMA chain over p in order (the columns are vectorized, not the sum).
/// As in GEMM, y is not read when beta = 0.
/// </remarks>
internal static class Gemv
{
    private const int Lanes = 16;
    private const int RowsPerTask = 64;

    public static unsafe void Run<T>(int length, int depth, T alpha, T* m, long rowStride, long colStride, T* x, long xStride,
        T beta, T* y, long yStride) where T : unmanaged, IFloatingPointIeee754<T>
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
                        for (int i = t * RowsPerTask; i < i1; i++) acc[i] = Dot(m + i * rowStride, xc, depth);
                    };
                    if (serial) for (int t = 0; t < tasks; t++) body(t);
                    else Parallelism.For(tasks, body);
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
                        for (int p = 0; p < depth; p++) Axpy(xc[p], m + p * colStride + i0, acc + i0, n);
                    };
                    if (serial) for (int t = 0; t < chunks; t++) body(t);
                    else Parallelism.For(chunks, body);
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

    /// <summary>sum_p a_p b_p in 16 fixed lanes (lane = p mod 16) with FMA, then a fixed pairwise tree, then the tail.</summary>
    [SkipLocalsInit]
    internal static unsafe T Dot<T>(T* a, T* b, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* lanes = stackalloc T[Lanes];
        int p = 0;
        int full = n - n % Lanes;
        if (Vector256.IsHardwareAccelerated && full > 0)
        {
            int w = Vector256<T>.Count;
            int regs = Lanes / w;
            Span<Vector256<T>> accs = stackalloc Vector256<T>[4];   // 16 lanes: 2 float or 4 double registers
            accs.Clear();
            for (; p < full; p += Lanes)
                for (int r = 0; r < regs; r++)
                    accs[r] = Fma(Vector256.Load(a + p + r * w), Vector256.Load(b + p + r * w), accs[r]);
            for (int r = 0; r < regs; r++) accs[r].Store(lanes + r * w);
        }
        else
        {
            for (int l = 0; l < Lanes; l++) lanes[l] = T.Zero;
            for (; p < full; p += Lanes)
                for (int l = 0; l < Lanes; l++) lanes[l] = T.FusedMultiplyAdd(a[p + l], b[p + l], lanes[l]);
        }
        for (int width = Lanes / 2; width >= 1; width /= 2)
            for (int l = 0; l < width; l++) lanes[l] += lanes[l + width];
        T s = lanes[0];
        for (; p < n; p++) s = T.FusedMultiplyAdd(a[p], b[p], s);
        return s;
    }

    // y[i] = fma(s, x[i], y[i]); vectorized over i, so each element is the same chain on any width.
    private static unsafe void Axpy<T>(T s, T* x, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Fma(vs, Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] = T.FusedMultiplyAdd(s, x[i], y[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> x, Vector256<T> y, Vector256<T> z) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(x.As<T, float>(), y.As<T, float>(), z.As<T, float>()).As<float, T>();
        return Vector256.FusedMultiplyAdd(x.As<T, double>(), y.As<T, double>(), z.As<T, double>()).As<double, T>();
    }
}
