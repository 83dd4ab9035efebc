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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static FirstPass First<T>(ReadOnlySpan<T> x, LaneWidth width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var r = new FirstPass { MinKey = long.MaxValue, MaxKey = long.MinValue };
        int i = 0;
        if ((typeof(T) == typeof(float) || typeof(T) == typeof(double)) && x.Length >= Count)
        {
            if (width == LaneWidth.V512 && Runs(width)) i = First512(x, ref r);
            else if (width == LaneWidth.V256 && Runs(width)) i = First256(x, ref r);
        }
        FirstTail(x, i, ref r);
        return r;
    }

    /// <summary>The first pass with the correlation of x[0..pair) and x[pair..2 pair) (<see cref="Correlation{T}"/>'s value):
    /// at 512 bits in one loop, q11 being the squares' lanes as they stand at index pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static FirstPass FirstAndCorrelation(ReadOnlySpan<float> x, int pair, LaneWidth width, out double correlation)
    {
        if (width != LaneWidth.V512 || !Runs(width) || pair < Count)
        {
            correlation = Correlation(x, pair, width);
            return First(x, width);
        }
        var r = new FirstPass { MinKey = long.MaxValue, MaxKey = long.MinValue };
        Lanes16 q11 = default, q22 = default, q12 = default;
        int i = FirstPair512(x, pair, ref r, ref q11, ref q22, ref q12);
        FirstTail(x, i, ref r);
        correlation = CorrelationTail(x[..pair], x.Slice(pair, pair), pair & ~(Count - 1), ref q11, ref q22, ref q12);
        return r;
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

    /// <summary>One 16-float step of the first pass (sums, squares, extremes' keys, zeros).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FirstStep(Vector512<float> f, out Vector512<double> lo, out Vector512<double> hi, ref Vector512<double> s0,
        ref Vector512<double> s1, ref Vector512<double> q0, ref Vector512<double> q1, ref Vector512<int> kmin, ref Vector512<int> kmax,
        ref long zeros)
    {
        lo = Vector512.WidenLower(f);
        hi = Vector512.WidenUpper(f);
        s0 += lo;
        s1 += hi;
        q0 = Vector512.FusedMultiplyAdd(lo, lo, q0);
        q1 = Vector512.FusedMultiplyAdd(hi, hi, q1);
        var b = f.AsInt32();
        var magnitude = Vector512.Create(int.MaxValue);
        var key = b ^ ((b >> 31) & magnitude);
        kmin = Vector512.Min(kmin, key);
        kmax = Vector512.Max(kmax, key);
        zeros += BitOperations.PopCount(Vector512.Equals(b & magnitude, Vector512<int>.Zero).ExtractMostSignificantBits());
    }

    /// <summary>The first pass's vector part with the correlation's q22 and q12 lanes over j &lt; pair rounded down to 16, and q11
    /// (the squares' lanes at that index).</summary>
    private static int FirstPair512(ReadOnlySpan<float> x, int pair, ref FirstPass r, ref Lanes16 q11, ref Lanes16 q22, ref Lanes16 q12)
    {
        int end = x.Length & ~(Count - 1), pairEnd = pair & ~(Count - 1);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        ref float y0 = ref Unsafe.Add(ref x0, pair);
        var s0 = Vector512<double>.Zero;
        var s1 = s0;
        var q0 = s0;
        var q1 = s0;
        var r0 = s0;
        var r1 = s0;
        var c0 = s0;
        var c1 = s0;
        var kmin = Vector512.Create(int.MaxValue);
        var kmax = Vector512.Create(int.MinValue);
        long zeros = 0;
        int i = 0;
        for (; i < pairEnd; i += Count)
        {
            FirstStep(Vector512.LoadUnsafe(ref x0, (nuint)i), out var lo, out var hi, ref s0, ref s1, ref q0, ref q1, ref kmin, ref kmax, ref zeros);
            var g = Vector512.LoadUnsafe(ref y0, (nuint)i);
            var gl = Vector512.WidenLower(g);
            var gh = Vector512.WidenUpper(g);
            r0 = Vector512.FusedMultiplyAdd(gl, gl, r0);
            r1 = Vector512.FusedMultiplyAdd(gh, gh, r1);
            c0 = Vector512.FusedMultiplyAdd(lo, gl, c0);
            c1 = Vector512.FusedMultiplyAdd(hi, gh, c1);
        }
        Store(q0, q1, ref q11);
        Store(r0, r1, ref q22);
        Store(c0, c1, ref q12);
        for (; i < end; i += Count)
            FirstStep(Vector512.LoadUnsafe(ref x0, (nuint)i), out _, out _, ref s0, ref s1, ref q0, ref q1, ref kmin, ref kmax, ref zeros);
        Store(s0, s1, ref r.Sum);
        Store(q0, q1, ref r.Square);
        r.Zeros += zeros;
        for (int k = 0; k < Vector512<int>.Count; k++) MergeFloat(ref r, kmin.GetElement(k), kmax.GetElement(k), 0);
        return end;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int First512<T>(ReadOnlySpan<T> x, ref FirstPass r) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int end = x.Length & ~(Count - 1);
        var s0 = Vector512<double>.Zero;
        var s1 = s0;
        var q0 = s0;
        var q1 = s0;
        if (typeof(T) == typeof(float))
        {
            ref float x0 = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(x));
            var kmin = Vector512.Create(int.MaxValue);
            var kmax = Vector512.Create(int.MinValue);
            long zeros = 0;
            for (int i = 0; i < end; i += Count)
                FirstStep(Vector512.LoadUnsafe(ref x0, (nuint)i), out _, out _, ref s0, ref s1, ref q0, ref q1, ref kmin, ref kmax, ref zeros);
            // The lanes leave the registers before any call (a call would make the loop keep them in memory).
            Store(s0, s1, ref r.Sum);
            Store(q0, q1, ref r.Square);
            r.Zeros += zeros;
            for (int k = 0; k < Vector512<int>.Count; k++) MergeFloat(ref r, kmin.GetElement(k), kmax.GetElement(k), 0);
        }
        else
        {
            ref double x0 = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(x));
            var kmin = Vector512.Create(long.MaxValue);
            var kmax = Vector512.Create(long.MinValue);
            var zeros = Vector512<long>.Zero;
            var magnitude = Vector512.Create(long.MaxValue);
            for (int i = 0; i < end; i += Count)
            {
                var lo = Vector512.LoadUnsafe(ref x0, (nuint)i);
                var hi = Vector512.LoadUnsafe(ref x0, (nuint)(i + 8));
                s0 += lo;
                s1 += hi;
                q0 = Vector512.FusedMultiplyAdd(lo, lo, q0);
                q1 = Vector512.FusedMultiplyAdd(hi, hi, q1);
                Extremes(lo.AsInt64(), magnitude, ref kmin, ref kmax, ref zeros);
                Extremes(hi.AsInt64(), magnitude, ref kmin, ref kmax, ref zeros);
            }
            Store(s0, s1, ref r.Sum);
            Store(q0, q1, ref r.Square);
            for (int k = 0; k < Vector512<long>.Count; k++) MergeDouble(ref r, kmin.GetElement(k), kmax.GetElement(k), zeros.GetElement(k));
        }
        return end;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int First256<T>(ReadOnlySpan<T> x, ref FirstPass r) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int end = x.Length & ~(Count - 1);
        var s0 = Vector256<double>.Zero;
        var s1 = s0;
        var s2 = s0;
        var s3 = s0;
        var q0 = s0;
        var q1 = s0;
        var q2 = s0;
        var q3 = s0;
        if (typeof(T) == typeof(float))
        {
            ref float x0 = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(x));
            var kmin = Vector256.Create(int.MaxValue);
            var kmax = Vector256.Create(int.MinValue);
            var zeros = Vector256<int>.Zero;
            var magnitude = Vector256.Create(int.MaxValue);
            for (int i = 0; i < end; i += Count)
            {
                var f = Vector256.LoadUnsafe(ref x0, (nuint)i);
                var g = Vector256.LoadUnsafe(ref x0, (nuint)(i + 8));
                var a0 = Vector256.WidenLower(f);
                var a1 = Vector256.WidenUpper(f);
                var a2 = Vector256.WidenLower(g);
                var a3 = Vector256.WidenUpper(g);
                s0 += a0;
                s1 += a1;
                s2 += a2;
                s3 += a3;
                q0 = Vector256.FusedMultiplyAdd(a0, a0, q0);
                q1 = Vector256.FusedMultiplyAdd(a1, a1, q1);
                q2 = Vector256.FusedMultiplyAdd(a2, a2, q2);
                q3 = Vector256.FusedMultiplyAdd(a3, a3, q3);
                var b = f.AsInt32();
                var c = g.AsInt32();
                var kb = b ^ ((b >> 31) & magnitude);
                var kc = c ^ ((c >> 31) & magnitude);
                kmin = Vector256.Min(kmin, Vector256.Min(kb, kc));
                kmax = Vector256.Max(kmax, Vector256.Max(kb, kc));
                zeros -= Vector256.Equals(b & magnitude, Vector256<int>.Zero) + Vector256.Equals(c & magnitude, Vector256<int>.Zero);
            }
            Store(s0, s1, s2, s3, ref r.Sum);
            Store(q0, q1, q2, q3, ref r.Square);
            for (int k = 0; k < Vector256<int>.Count; k++) MergeFloat(ref r, kmin.GetElement(k), kmax.GetElement(k), zeros.GetElement(k));
        }
        else
        {
            ref double x0 = ref Unsafe.As<T, double>(ref MemoryMarshal.GetReference(x));
            var kmin = Vector256.Create(long.MaxValue);
            var kmax = Vector256.Create(long.MinValue);
            var zeros = Vector256<long>.Zero;
            var magnitude = Vector256.Create(long.MaxValue);
            for (int i = 0; i < end; i += Count)
            {
                var a0 = Vector256.LoadUnsafe(ref x0, (nuint)i);
                var a1 = Vector256.LoadUnsafe(ref x0, (nuint)(i + 4));
                var a2 = Vector256.LoadUnsafe(ref x0, (nuint)(i + 8));
                var a3 = Vector256.LoadUnsafe(ref x0, (nuint)(i + 12));
                s0 += a0;
                s1 += a1;
                s2 += a2;
                s3 += a3;
                q0 = Vector256.FusedMultiplyAdd(a0, a0, q0);
                q1 = Vector256.FusedMultiplyAdd(a1, a1, q1);
                q2 = Vector256.FusedMultiplyAdd(a2, a2, q2);
                q3 = Vector256.FusedMultiplyAdd(a3, a3, q3);
                Extremes(a0.AsInt64(), magnitude, ref kmin, ref kmax, ref zeros);
                Extremes(a1.AsInt64(), magnitude, ref kmin, ref kmax, ref zeros);
                Extremes(a2.AsInt64(), magnitude, ref kmin, ref kmax, ref zeros);
                Extremes(a3.AsInt64(), magnitude, ref kmin, ref kmax, ref zeros);
            }
            Store(s0, s1, s2, s3, ref r.Sum);
            Store(q0, q1, q2, q3, ref r.Square);
            for (int k = 0; k < Vector256<long>.Count; k++) MergeDouble(ref r, kmin.GetElement(k), kmax.GetElement(k), zeros.GetElement(k));
        }
        return end;
    }

    /// <summary>Lanes 0..7 and 8..15 into <paramref name="lanes"/> (no call, so the loops' vectors stay in registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store(Vector512<double> low, Vector512<double> high, ref Lanes16 lanes)
    {
        ref double l0 = ref Unsafe.As<Lanes16, double>(ref lanes);
        low.StoreUnsafe(ref l0);
        high.StoreUnsafe(ref l0, 8);
    }

    /// <summary>Lanes 0..3, 4..7, 8..11 and 12..15 into <paramref name="lanes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<double> a, Vector256<double> b, Vector256<double> c, Vector256<double> d, ref Lanes16 lanes)
    {
        ref double l0 = ref Unsafe.As<Lanes16, double>(ref lanes);
        a.StoreUnsafe(ref l0);
        b.StoreUnsafe(ref l0, 4);
        c.StoreUnsafe(ref l0, 8);
        d.StoreUnsafe(ref l0, 12);
    }

    /// <summary>Folds doubles' bits into the running minimum and maximum keys and counts the zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Extremes(Vector512<long> b, Vector512<long> magnitude, ref Vector512<long> kmin, ref Vector512<long> kmax, ref Vector512<long> zeros)
    {
        var key = b ^ ((b >> 63) & magnitude);
        kmin = Vector512.Min(kmin, key);
        kmax = Vector512.Max(kmax, key);
        zeros -= Vector512.Equals(b & magnitude, Vector512<long>.Zero);
    }

    /// <inheritdoc cref="Extremes(Vector512{long}, Vector512{long}, ref Vector512{long}, ref Vector512{long}, ref Vector512{long})"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Extremes(Vector256<long> b, Vector256<long> magnitude, ref Vector256<long> kmin, ref Vector256<long> kmax, ref Vector256<long> zeros)
    {
        var key = b ^ ((b >> 63) & magnitude);
        kmin = Vector256.Min(kmin, key);
        kmax = Vector256.Max(kmax, key);
        zeros -= Vector256.Equals(b & magnitude, Vector256<long>.Zero);
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
