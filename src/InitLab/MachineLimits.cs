using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

using InitLab.LinearAlgebra;

namespace InitLab;

/// <summary>
/// Kernels that measure the machine's own limits, so that benchmarks can state the fraction of them a kernel reaches:
/// the float32 fused multiply-add peak and the memory store bandwidth. Each call runs its loop on
/// <c>threads</c> threads at once; time it from outside (the caller keeps the fastest of several runs).
/// </summary>
public static class MachineLimits
{
    /// <summary>Independent accumulators per thread: enough to cover FMA latency (4 cycles) on two pipes.</summary>
    public const int Accumulators = 12;

    /// <summary>The float lanes of the widest vector the hardware accelerates (16 with AVX-512, 8 with AVX2, else 4 or 1).</summary>
    public static int FloatLanes =>
        Vector512.IsHardwareAccelerated ? 16 : Vector256.IsHardwareAccelerated ? 8 : Vector128.IsHardwareAccelerated ? 4 : 1;

    /// <summary>
    /// Runs <paramref name="steps"/> steps of <see cref="Accumulators"/> independent fused multiply-adds
    /// (acc = acc * x + y, each on <see cref="FloatLanes"/> lanes), split evenly over <paramref name="threads"/> threads
    /// running at once: 2 x 12 x lanes x steps floating-point operations in all. Returns a checksum so that the work cannot
    /// be dropped.
    /// </summary>
    /// <exception cref="ArgumentException">steps is negative or threads is below 1.</exception>
    public static float FmaLoop(long steps, int threads)
    {
        if (steps < 0) throw new ArgumentException($"steps must be >= 0, got {steps}.", nameof(steps));
        if (threads < 1) throw new ArgumentException($"threads must be >= 1, got {threads}.", nameof(threads));
        var sums = new float[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
            t => sums[t] = FmaThread(steps / threads + (t < steps % threads ? 1 : 0)));
        return sums.Sum();
    }

    private static float FmaThread(long steps) => FloatLanes switch
    {
        16 => Fma<Vector512<float>, GemmV512Lanes<float>>(steps),
        8 => Fma<Vector256<float>, GemmV256Lanes<float>>(steps),
        4 => Fma<Vector128<float>, GemmV128Lanes<float>>(steps),
        _ => Fma<float, GemmScalarLanes<float>>(steps),
    };

    /// <summary>The loop of one thread, once over the lane width (the GEMM micro-kernel's lane operations).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Fma<TV, L>(long steps) where TV : struct where L : IGemmLanes<float, TV>
    {
        // x slightly below 1 and a small y keep every accumulator finite and normal for any step count.
        var x = L.Splat(0.999999f);
        var y = L.Splat(1e-7f);
        TV a0 = L.Splat(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < steps; i++)
        {
            a0 = L.Fma(a0, x, y); a1 = L.Fma(a1, x, y); a2 = L.Fma(a2, x, y); a3 = L.Fma(a3, x, y);
            a4 = L.Fma(a4, x, y); a5 = L.Fma(a5, x, y); a6 = L.Fma(a6, x, y); a7 = L.Fma(a7, x, y);
            a8 = L.Fma(a8, x, y); a9 = L.Fma(a9, x, y); a10 = L.Fma(a10, x, y); a11 = L.Fma(a11, x, y);
        }
        var total = L.Add(L.Add(L.Add(L.Add(a0, a1), L.Add(a2, a3)), L.Add(L.Add(a4, a5), L.Add(a6, a7))), L.Add(L.Add(a8, a9), L.Add(a10, a11)));
        float* lanes = stackalloc float[16];
        L.Store(lanes, total);
        float sum = 0;
        for (int i = 0; i < L.Count; i++) sum += lanes[i];
        return sum;
    }

    /// <summary>
    /// Writes <paramref name="value"/> to every element of <paramref name="destination"/>, split into
    /// <paramref name="threads"/> contiguous parts written at once: the store bandwidth when the span is much larger than
    /// the caches. With <paramref name="nonTemporal"/> (and AVX-512 or AVX), whole 64-byte lines are written with streaming
    /// stores that bypass the caches and skip the read for ownership; otherwise with ordinary vector stores, as the fills do.
    /// </summary>
    /// <exception cref="ArgumentException">threads is below 1.</exception>
    public static unsafe void StoreLoop(Span<float> destination, float value, int threads, bool nonTemporal = true)
    {
        if (threads < 1) throw new ArgumentException($"threads must be >= 1, got {threads}.", nameof(threads));
        fixed (float* p = destination)
        {
            float* basePtr = p;
            long length = destination.Length;
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                // Parts start on 64-byte lines so that streaming stores stay aligned.
                long per = (length / threads + 15) & ~15L;
                long start = Math.Min(length, t * per), end = t == threads - 1 ? length : Math.Min(length, start + per);
                Store(basePtr + start, end - start, value, nonTemporal);
            });
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Store(float* p, long n, float value, bool nonTemporal)
    {
        long i = 0;
        if (nonTemporal && Avx512F.IsSupported)
        {
            var v = Vector512.Create(value);
            for (; i < n && ((nuint)(p + i) & 63) != 0; i++) p[i] = value;
            for (; i + 64 <= n; i += 64)
            {
                Avx512F.StoreAlignedNonTemporal(p + i, v);
                Avx512F.StoreAlignedNonTemporal(p + i + 16, v);
                Avx512F.StoreAlignedNonTemporal(p + i + 32, v);
                Avx512F.StoreAlignedNonTemporal(p + i + 48, v);
            }
            Sse.StoreFence();
        }
        else if (nonTemporal && Avx.IsSupported)
        {
            var v = Vector256.Create(value);
            for (; i < n && ((nuint)(p + i) & 63) != 0; i++) p[i] = value;
            for (; i + 32 <= n; i += 32)
            {
                Avx.StoreAlignedNonTemporal(p + i, v);
                Avx.StoreAlignedNonTemporal(p + i + 8, v);
                Avx.StoreAlignedNonTemporal(p + i + 16, v);
                Avx.StoreAlignedNonTemporal(p + i + 24, v);
            }
            Sse.StoreFence();
        }
        else if (Vector512.IsHardwareAccelerated)
        {
            var v = Vector512.Create(value);
            for (; i + 64 <= n; i += 64)
            {
                v.Store(p + i);
                v.Store(p + i + 16);
                v.Store(p + i + 32);
                v.Store(p + i + 48);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var v = Vector256.Create(value);
            for (; i + 32 <= n; i += 32)
            {
                v.Store(p + i);
                v.Store(p + i + 8);
                v.Store(p + i + 16);
                v.Store(p + i + 24);
            }
        }
        for (; i < n; i++) p[i] = value;
    }
}
