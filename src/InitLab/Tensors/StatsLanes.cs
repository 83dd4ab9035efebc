using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using InitLab.Numerics;

namespace InitLab.Tensors;

/// <summary>Sixteen doubles: lane k of a sum adds the elements i with i mod 16 = k, in index order.</summary>
[InlineArray(StatsLanes.Count)]
internal struct Lanes16
{
    private double _element;

    /// <summary>The lanes added in a fixed tree: pairs (l0 + l1), (l2 + l3), ..., then pairs of those, four levels in all.</summary>
    public double Total()
    {
        Span<double> l = this;
        double a = (l[0] + l[1]) + (l[2] + l[3]), b = (l[4] + l[5]) + (l[6] + l[7]);
        double c = (l[8] + l[9]) + (l[10] + l[11]), d = (l[12] + l[13]) + (l[14] + l[15]);
        return (a + b) + (c + d);
    }
}

/// <summary>What the first pass over a vector gives: the sums of x and x^2 in sixteen lanes, the extremes and the zeros.</summary>
internal struct FirstPass
{
    public Lanes16 Sum, Square;

    /// <summary>Ordered keys (<see cref="StatsLanes.Key"/>) of the smallest and largest element: -0 below +0; a NaN of either
    /// sign lies beyond the infinities, so it shows as a non-finite extreme.</summary>
    public long MinKey, MaxKey;

    public long Zeros;

    public readonly double Min => StatsLanes.FromKey(MinKey);
    public readonly double Max => StatsLanes.FromKey(MaxKey);

    /// <summary>Whether some element is NaN or infinite (then the sums are not the statistics and the caller takes the
    /// reference path, which counts them).</summary>
    public readonly bool NonFinite => !double.IsFinite(Min) || !double.IsFinite(Max);
}

/// <summary>
/// The trace statistics' kernels in their fixed order: every sum (x, x^2, (x - mean)^2, the correlation's three) runs in
/// sixteen lanes, element i into lane i mod 16 in index order (x^2 and (x - mean)^2 with one rounding, fused
/// multiply-add), the lanes added by <see cref="Lanes16.Total"/>. The scalar width is the reference; the 256- and 512-bit
/// widths keep four and two vectors of lanes and give the same bits.
/// </summary>
internal static class StatsLanes
{
    /// <summary>Lanes of every sum.</summary>
    public const int Count = 16;

    /// <summary>The widest width these kernels run at here (the 512-bit one needs AVX-512F for the histogram's bit logic).</summary>
    public static LaneWidth Best { get; } =
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? LaneWidth.V512 : Vector256.IsHardwareAccelerated ? LaneWidth.V256 : LaneWidth.Scalar;

    /// <summary>Whether <paramref name="width"/> has its own path here (others run the scalar one).</summary>
    public static bool Runs(LaneWidth width) => width switch
    {
        LaneWidth.V512 => Avx512F.IsSupported && Vector512.IsHardwareAccelerated,
        LaneWidth.V256 => Vector256.IsHardwareAccelerated,
        LaneWidth.Scalar => true,
        _ => false,
    };

    /// <summary>A double's bits as an integer in the doubles' order (-0 just below +0); its own inverse.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Key(double v)
    {
        long b = BitConverter.DoubleToInt64Bits(v);
        return b ^ ((b >> 63) & long.MaxValue);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double FromKey(long key) => BitConverter.Int64BitsToDouble(key ^ ((key >> 63) & long.MaxValue));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float FloatFromKey(int key) => BitConverter.Int32BitsToSingle(key ^ ((key >> 31) & int.MaxValue));

    /// <summary>The first pass over float or double elements at <paramref name="width"/> (other element types: scalar).</summary>
    public static FirstPass First<T>(ReadOnlySpan<T> x, LaneWidth width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Lanes16 q11 = default, q22 = default, q12 = default;
        return FirstAt(x, 0, width, ref q11, ref q22, ref q12);
    }

    /// <summary>The first pass with the correlation of x[0..pair) and x[pair..2 pair) (<see cref="Correlation{T}"/>'s value) in the
    /// same loop: q22 and q12 ride along while the index is below pair, and q11 is the squares' lanes as they stand there.</summary>
    public static FirstPass FirstAndCorrelation(ReadOnlySpan<float> x, int pair, LaneWidth width, out double correlation)
    {
        if (pair == 0)
        {
            correlation = double.NaN;
            return First(x, width);
        }
        Lanes16 q11 = default, q22 = default, q12 = default;
        var r = FirstAt(x, pair, width, ref q11, ref q22, ref q12);
        int from = Math.Min(pair, VectorEnd(x.Length, width)) & ~(Count - 1);
        if (from == 0) return WithCorrelation(r, Correlation(x, pair, width), out correlation);
        correlation = CorrelationTail(x[..pair], x.Slice(pair, pair), from, ref q11, ref q22, ref q12);
        return r;
    }

    private static FirstPass WithCorrelation(FirstPass r, double c, out double correlation)
    {
        correlation = c;
        return r;
    }

    /// <summary>How many elements the vector loops take at <paramref name="width"/> (a multiple of 16, 0 at the scalar width).</summary>
    private static int VectorEnd(int length, LaneWidth width) => width is LaneWidth.V512 or LaneWidth.V256 && Runs(width) ? length & ~(Count - 1) : 0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static FirstPass FirstAt<T>(ReadOnlySpan<T> x, int pair, LaneWidth width, ref Lanes16 q11, ref Lanes16 q22, ref Lanes16 q12)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new FirstPass { MinKey = long.MaxValue, MaxKey = long.MinValue };
        int i = 0;
        if ((typeof(T) == typeof(float) || typeof(T) == typeof(double)) && x.Length >= Count)
        {
            if (width == LaneWidth.V512 && Runs(width)) i = FirstVector<T, Lanes512>(x, pair, ref r, ref q11, ref q22, ref q12);
            else if (width == LaneWidth.V256 && Runs(width)) i = FirstVector<T, Lanes256>(x, pair, ref r, ref q11, ref q22, ref q12);
        }
        FirstTail(x, i, ref r);
        return r;
    }

    /// <summary>The first pass's vector part (16 elements a step); with <paramref name="pair"/> &gt; 0 (floats), the correlation's
    /// q22 and q12 lanes over j below pair rounded down to 16, and q11 (the squares' lanes at that index).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FirstVector<T, L>(ReadOnlySpan<T> x, int pair, ref FirstPass r, ref Lanes16 q11, ref Lanes16 q22, ref Lanes16 q12)
        where T : unmanaged, IFloatingPointIeee754<T> where L : struct, IVectorLanes16<L>
    {
        int end = x.Length & ~(Count - 1), pairEnd = Math.Min(pair, end) & ~(Count - 1);
        bool single = typeof(T) == typeof(float);
        ref float f0 = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(x));
        ref double d0 = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(x));
        ref float y0 = ref Unsafe.Add(ref f0, pair);
        L s = default, q = default, p = default, c = default;
        var kmin = single ? L.IntKeys(int.MaxValue) : L.LongKeys(long.MaxValue);
        var kmax = single ? L.IntKeys(int.MinValue) : L.LongKeys(long.MinValue);
        long zeros = 0;
        int i = 0;
        for (; i < pairEnd; i += Count)
        {
            var v = L.Widen(ref f0, i);
            L.FloatExtremes(ref f0, i, ref kmin, ref kmax, ref zeros);
            s = L.Add(s, v);
            q = L.Fma(v, v, q);
            var g = L.Widen(ref y0, i);
            p = L.Fma(g, g, p);
            c = L.Fma(v, g, c);
        }
        if (pairEnd > 0)
        {
            L.Store(q, ref q11);
            L.Store(p, ref q22);
            L.Store(c, ref q12);
        }
        for (; i < end; i += Count)
        {
            L v;
            if (single)
            {
                v = L.Widen(ref f0, i);
                L.FloatExtremes(ref f0, i, ref kmin, ref kmax, ref zeros);
            }
            else
            {
                v = L.Load(ref d0, i);
                L.DoubleExtremes(v, ref kmin, ref kmax, ref zeros);
            }
            s = L.Add(s, v);
            q = L.Fma(v, v, q);
        }
        // The lanes leave the registers before any call (a call would make the loops keep them in memory).
        L.Store(s, ref r.Sum);
        L.Store(q, ref r.Square);
        Lanes16 low = default, high = default;
        L.Store(kmin, ref low);
        L.Store(kmax, ref high);
        r.Zeros += zeros;
        if (single)
        {
            var mins = MemoryMarshal.Cast<Lanes16, int>(MemoryMarshal.CreateSpan(ref low, 1));
            var maxs = MemoryMarshal.Cast<Lanes16, int>(MemoryMarshal.CreateSpan(ref high, 1));
            for (int k = 0; k < Count; k++) MergeFloat(ref r, mins[k], maxs[k], 0);
        }
        else
        {
            var mins = MemoryMarshal.Cast<Lanes16, long>(MemoryMarshal.CreateSpan(ref low, 1));
            var maxs = MemoryMarshal.Cast<Lanes16, long>(MemoryMarshal.CreateSpan(ref high, 1));
            for (int k = 0; k < Count; k++) MergeDouble(ref r, mins[k], maxs[k], 0);
        }
        return end;
    }

    /// <summary>Elements <paramref name="from"/> on of the first pass, one at a time into their lanes.</summary>
    private static void FirstTail<T>(ReadOnlySpan<T> x, int from, ref FirstPass r) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = from; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            int lane = i & (Count - 1);
            r.Sum[lane] += v;
            r.Square[lane] = Math.FusedMultiplyAdd(v, v, r.Square[lane]);
            long key = Key(v);
            r.MinKey = Math.Min(r.MinKey, key);
            r.MaxKey = Math.Max(r.MaxKey, key);
            if (v == 0) r.Zeros++;
        }
    }

    /// <summary>Lanes 0..7 and 8..15 into <paramref name="lanes"/> (no call, so the loops' vectors stay in registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(Vector512<double> low, Vector512<double> high, ref Lanes16 lanes)
    {
        ref double l0 = ref Unsafe.As<Lanes16, double>(ref lanes);
        low.StoreUnsafe(ref l0);
        high.StoreUnsafe(ref l0, 8);
    }

    private static void MergeFloat(ref FirstPass r, int kmin, int kmax, long zeros)
    {
        r.MinKey = Math.Min(r.MinKey, Key(FloatFromKey(kmin)));
        r.MaxKey = Math.Max(r.MaxKey, Key(FloatFromKey(kmax)));
        r.Zeros += zeros;
    }

    private static void MergeDouble(ref FirstPass r, long kmin, long kmax, long zeros)
    {
        r.MinKey = Math.Min(r.MinKey, kmin);
        r.MaxKey = Math.Max(r.MaxKey, kmax);
        r.Zeros += zeros;
    }

    /// <summary>The squared deviations (x_i - mean)^2 (the difference rounded to double, its square added with one rounding) in
    /// sixteen lanes at <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Lanes16 Deviations<T>(ReadOnlySpan<T> x, double mean, LaneWidth width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dev = new Lanes16();
        int i = 0;
        if ((typeof(T) == typeof(float) || typeof(T) == typeof(double)) && x.Length >= Count)
        {
            if (width == LaneWidth.V512 && Runs(width)) i = DeviationsVector<T, Lanes512>(x, mean, ref dev);
            else if (width == LaneWidth.V256 && Runs(width)) i = DeviationsVector<T, Lanes256>(x, mean, ref dev);
        }
        DeviationsTail(x, i, mean, ref dev);
        return dev;
    }

    /// <summary>Elements <paramref name="from"/> on, one at a time into their lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DeviationsTail<T>(ReadOnlySpan<T> x, int from, double mean, ref Lanes16 dev) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = from; i < x.Length; i++)
        {
            double d = double.CreateTruncating(x[i]) - mean;
            int lane = i & (Count - 1);
            dev[lane] = Math.FusedMultiplyAdd(d, d, dev[lane]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int DeviationsVector<T, L>(ReadOnlySpan<T> x, double mean, ref Lanes16 dev)
        where T : unmanaged, IFloatingPointIeee754<T> where L : struct, IVectorLanes16<L>
    {
        int end = x.Length & ~(Count - 1);
        var m = L.Splat(mean);
        var d = default(L);
        for (int i = 0; i < end; i += Count)
        {
            var v = L.Sub(typeof(T) == typeof(float) ? L.Widen(ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(x)), i)
                : L.Load(ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(x)), i), m);
            d = L.Fma(v, v, d);
        }
        L.Store(d, ref dev);
        return end;
    }

    /// <summary>
    /// The correlation q12 / sqrt(q11 q22) of a = x[0..pair) with b = x[pair..2 pair): q11 = sum a_j^2, q22 = sum b_j^2,
    /// q12 = sum a_j b_j, each in sixteen lanes by j (fused multiply-add) at <paramref name="width"/>. NaN when pair = 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Correlation<T>(ReadOnlySpan<T> x, int pair, LaneWidth width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (pair == 0) return double.NaN;
        var a = x[..pair];
        var b = x.Slice(pair, pair);
        Lanes16 q11 = default, q22 = default, q12 = default;
        int j = 0;
        if (typeof(T) == typeof(float) && pair >= Count)
        {
            if (width == LaneWidth.V512 && Runs(width)) j = CorrelationVector<Lanes512>(MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(b), ref q11, ref q22, ref q12);
            else if (width == LaneWidth.V256 && Runs(width)) j = CorrelationVector<Lanes256>(MemoryMarshal.Cast<T, float>(a), MemoryMarshal.Cast<T, float>(b), ref q11, ref q22, ref q12);
        }
        return CorrelationTail(a, b, j, ref q11, ref q22, ref q12);
    }

    /// <summary>The correlation's terms from index <paramref name="from"/> on, one at a time into their lanes, and the result.</summary>
    private static double CorrelationTail<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, int from, ref Lanes16 q11, ref Lanes16 q22, ref Lanes16 q12)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = from; j < a.Length; j++)
        {
            double u = double.CreateTruncating(a[j]), v = double.CreateTruncating(b[j]);
            int lane = j & (Count - 1);
            q11[lane] = Math.FusedMultiplyAdd(u, u, q11[lane]);
            q22[lane] = Math.FusedMultiplyAdd(v, v, q22[lane]);
            q12[lane] = Math.FusedMultiplyAdd(u, v, q12[lane]);
        }
        return q12.Total() / Math.Sqrt(q11.Total() * q22.Total());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CorrelationVector<L>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ref Lanes16 q11, ref Lanes16 q22, ref Lanes16 q12)
        where L : struct, IVectorLanes16<L>
    {
        int end = a.Length & ~(Count - 1);
        ref float a0 = ref MemoryMarshal.GetReference(a);
        ref float b0 = ref MemoryMarshal.GetReference(b);
        L p = default, r = default, c = default;
        for (int j = 0; j < end; j += Count)
        {
            var f = L.Widen(ref a0, j);
            var g = L.Widen(ref b0, j);
            p = L.Fma(f, f, p);
            r = L.Fma(g, g, r);
            c = L.Fma(f, g, c);
        }
        L.Store(p, ref q11);
        L.Store(r, ref q22);
        L.Store(c, ref q12);
        return end;
    }
}
