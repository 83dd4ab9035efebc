using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InitLab.Tensors;

/// <summary>
/// Summary statistics of a vector, accumulated in double in a fixed order (so they do not depend on
/// thread count or SIMD width), with IEEE semantics as in PyTorch: a vector holding an Inf has an
/// infinite (or NaN) mean and a NaN std; any NaN makes mean, std, min and max NaN.
/// </summary>
/// <param name="Count">Number of elements n.</param>
/// <param name="Mean">sum(x) / n (NaN when n = 0).</param>
/// <param name="Std">Unbiased sample standard deviation sqrt(sum((x - mean)^2) / (n - 1)), as torch.std (NaN when n &lt; 2).</param>
/// <param name="PopulationStd">sqrt(sum((x - mean)^2) / n) (NaN when n = 0).</param>
/// <param name="MeanSquare">sum(x^2) / n.</param>
/// <param name="Min">Smallest element (NaN if any element is NaN or n = 0).</param>
/// <param name="Max">Largest element (NaN if any element is NaN or n = 0).</param>
/// <param name="NaNCount">Number of NaN elements.</param>
/// <param name="InfCount">Number of +Inf or -Inf elements.</param>
/// <param name="ZeroFraction">Fraction of elements exactly equal to 0 (e.g. dead ReLU outputs).</param>
public sealed record Stats(
    long Count, double Mean, double Std, double PopulationStd, double MeanSquare,
    double Min, double Max, long NaNCount, long InfCount, double ZeroFraction)
{
    /// <summary>True when no element is NaN or infinite.</summary>
    public bool AllFinite => NaNCount == 0 && InfCount == 0;

    /// <summary>Root mean square sqrt(mean(x^2)).</summary>
    public double RootMeanSquare => Math.Sqrt(MeanSquare);

    /// <summary>Statistics of a float vector.</summary>
    public static Stats Of(ReadOnlySpan<float> x) => Compute(x);

    /// <summary>Statistics of a double vector.</summary>
    public static Stats Of(ReadOnlySpan<double> x) => Compute(x);

    /// <summary>Statistics of a tensor's elements.</summary>
    public static Stats Of<T>(DenseTensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Compute<T>(x.Data);

    private static Stats Compute<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = x.Length;
        if (n == 0) return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, double.NaN);

        // Pass 1: sum, sum of squares, extremes, counts. Four accumulators in a fixed order: element i goes to
        // accumulator i % 4 (one 4-lane double vector), the tail to accumulator 0, so the bits do not depend on the
        // machine's vector width.
        var sum4 = Vector256<double>.Zero;
        var sq4 = Vector256<double>.Zero;
        var min4 = Vector256.Create(double.PositiveInfinity);
        var max4 = Vector256.Create(double.NegativeInfinity);
        var nan4 = Vector256<long>.Zero;
        var inf4 = Vector256<long>.Zero;
        var zero4 = Vector256<long>.Zero;
        var infinity = Vector256.Create(double.PositiveInfinity);
        int i = 0;
        if (typeof(T) == typeof(float))
        {
            // The same sums in the same order (elements i..i+3, then i+4..i+7, into the four lanes), while the counts and the
            // extremes, which no order changes (Vector Min/Max order -0 below +0), run on the floats eight at a time.
            var xf = MemoryMarshal.Cast<T, float>(x);
            var fmin = Vector256.Create(float.PositiveInfinity);
            var fmax = Vector256.Create(float.NegativeInfinity);
            var fnan = Vector256<int>.Zero;
            var finf = Vector256<int>.Zero;
            var fzero = Vector256<int>.Zero;
            var fInfinity = Vector256.Create(float.PositiveInfinity);
            // Counts per block stay far below 2^31 (int lanes), then move to the long totals.
            const int Block = 1 << 20;
            for (int start = 0; start + 8 <= xf.Length; start += Block)
            {
                int end = Math.Min(xf.Length - 7, start + Block);
                for (; i < end; i += 8)
                {
                    var f = Vector256.Create(xf.Slice(i, 8));
                    AddSums8(f, ref sum4, ref sq4);
                    Classify(f, fInfinity, ref fnan, ref finf, ref fzero, ref fmin, ref fmax);
                }
                nan4 += Vector256.Create((long)Vector256.Sum(fnan), 0, 0, 0);
                inf4 += Vector256.Create((long)Vector256.Sum(finf), 0, 0, 0);
                zero4 += Vector256.Create((long)Vector256.Sum(fzero), 0, 0, 0);
                fnan = finf = fzero = Vector256<int>.Zero;
            }
            float mn = float.PositiveInfinity, mx = float.NegativeInfinity;
            for (int k = 0; k < 8; k++)
            {
                mn = MathF.Min(mn, fmin[k]);
                mx = MathF.Max(mx, fmax[k]);
            }
            min4 = Vector256.Create((double)mn);
            max4 = Vector256.Create((double)mx);
        }
        for (; i + 4 <= x.Length; i += 4)
        {
            var v = Load4(x, i);
            sum4 += v;
            sq4 += v * v;
            Classify(v, infinity, ref nan4, ref inf4, ref zero4, ref min4, ref max4);
        }
        double s0 = sum4[0], q0 = sq4[0];
        double min = Math.Min(Math.Min(min4[0], min4[1]), Math.Min(min4[2], min4[3]));
        double max = Math.Max(Math.Max(max4[0], max4[1]), Math.Max(max4[2], max4[3]));
        long nan = nan4[0] + nan4[1] + nan4[2] + nan4[3];
        long inf = inf4[0] + inf4[1] + inf4[2] + inf4[3];
        long zeros = zero4[0] + zero4[1] + zero4[2] + zero4[3];
        for (; i < x.Length; i++)
        {
            double a = double.CreateTruncating(x[i]);
            s0 += a;
            q0 += a * a;
            Track(a, ref min, ref max, ref nan, ref inf, ref zeros);
        }
        double sum = (s0 + sum4[1]) + (sum4[2] + sum4[3]);
        double sumSq = (q0 + sq4[1]) + (sq4[2] + sq4[3]);
        double mean = sum / n;
        double meanSquare = sumSq / n;
        if (nan > 0) { min = double.NaN; max = double.NaN; }

        double std, popStd;
        if (nan > 0 || inf > 0)
        {
            std = double.NaN;
            popStd = double.NaN;
        }
        else
        {
            // Pass 2: squared deviations about the mean (stable when |mean| >> std), same accumulator layout.
            var dev4 = Vector256<double>.Zero;
            var m = Vector256.Create(mean);
            i = 0;
            for (; i + 4 <= x.Length; i += 4)
            {
                var d = Load4(x, i) - m;
                dev4 += d * d;
            }
            double d0 = dev4[0];
            for (; i < x.Length; i++)
            {
                double a = double.CreateTruncating(x[i]) - mean;
                d0 += a * a;
            }
            double ss = (d0 + dev4[1]) + (dev4[2] + dev4[3]);
            std = n > 1 ? Math.Sqrt(ss / (n - 1)) : double.NaN;
            popStd = Math.Sqrt(ss / n);
        }

        return new Stats(n, mean, std, popStd, meanSquare, min, max, nan, inf, (double)zeros / n);
    }

    /// <summary>
    /// <see cref="Of(ReadOnlySpan{float})"/>'s <see cref="Std"/> alone, bit for bit: the same sums and squared deviations in the
    /// same order, without the counts and extremes (the trace's std of every drawn parameter tensor). A vector with a NaN or an
    /// infinity (whose sum of squares is then not finite; finite floats' squares cannot overflow a double sum) takes
    /// <see cref="Of(ReadOnlySpan{float})"/>'s passes.
    /// </summary>
    internal static double StdOf(ReadOnlySpan<float> x)
    {
        long n = x.Length;
        if (n < 2) return Compute(x).Std;
        ref float x0 = ref MemoryMarshal.GetReference(x);
        var sum4 = Vector256<double>.Zero;
        var sq4 = Vector256<double>.Zero;
        int i = 0;
        for (; i + 8 <= x.Length; i += 8) AddSums8(Vector256.LoadUnsafe(ref x0, (nuint)i), ref sum4, ref sq4);
        var (sum, sumSq) = FinishSums(x, i, sum4, sq4, out _);
        if (!double.IsFinite(sumSq)) return Compute(x).Std;
        double mean = sum / n;
        var dev4 = Vector256<double>.Zero;
        var m = Vector256.Create(mean);
        for (i = 0; i + 4 <= x.Length; i += 4)
        {
            var d = Vector256.WidenLower(Vector128.LoadUnsafe(ref x0, (nuint)i).ToVector256Unsafe()) - m;
            dev4 += d * d;
        }
        double d0 = dev4[0];
        for (; i < x.Length; i++)
        {
            double a = x[i] - mean;
            d0 += a * a;
        }
        double ss = (d0 + dev4[1]) + (dev4[2] + dev4[3]);
        return Math.Sqrt(ss / (n - 1));
    }

    /// <summary>
    /// The explicit engine's measurement of a float vector in two passes instead of four: the statistics (bit for bit those of
    /// <see cref="Of(ReadOnlySpan{float})"/>), the magnitude histogram (<see cref="MagnitudeHistogram.Of{T}"/>'s counts) and,
    /// when <paramref name="pair"/> &gt; 0, the correlation q12 / sqrt(q11 q22) of x[0..pair) with x[pair..2 pair) in
    /// <see cref="PairCorrelation{T}"/>'s order (NaN when pair = 0).
    /// </summary>
    /// <remarks>
    /// <para>The first pass's sums are one chain of additions per lane, so it waits on their latency: the histogram's slots and
    /// counts ride along in the same loop. The histogram's count of NaN and infinite values then decides: with none, the
    /// second pass (squared deviations about the mean, one chain per lane) also takes the extremes (on the floats' bits as
    /// ordered integers, which order -0 below +0 as the vector Min and Max do) and carries the correlation's three sums, one
    /// 4-lane step (four indices j) per sixteen elements, while it lasts; every chain keeps its order, so no bit moves. A vector with a NaN or
    /// an infinity (the node a run stops at) gets <see cref="Of(ReadOnlySpan{float})"/>'s passes instead.</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Stats Measure(ReadOnlySpan<float> x, int pair, out MagnitudeHistogram histogram, out double correlation)
    {
        if (pair < 0 || 2L * pair > x.Length) throw new ArgumentException($"pair must be in 0..{x.Length / 2}, got {pair}.", nameof(pair));
        long n = x.Length;
        correlation = double.NaN;
        var tables = MagnitudeHistogram.NewTables();
        ref int table = ref MemoryMarshal.GetArrayDataReference(tables);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        // Pass 1: Compute's sums (elements i..i+3, then i+4..i+7, into the four lanes; a four-element step; the tail into
        // lane 0) and the histogram.
        var sum4 = Vector256<double>.Zero;
        var sq4 = Vector256<double>.Zero;
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var f = Vector256.LoadUnsafe(ref x0, (nuint)i);
            AddSums8(f, ref sum4, ref sq4);
            MagnitudeHistogram.Count8(ref table, f.AsUInt32());
        }
        int rest = i;
        var (sum, sumSq) = FinishSums(x, i, sum4, sq4, out int vectorEnd);
        // No call before this point, so the loops' vectors stay in registers (the ABI saves none across a call).
        for (int k = rest; k < x.Length; k++) tables[MagnitudeHistogram.FloatSlot(BitConverter.SingleToUInt32Bits(x[k]))]++;
        histogram = MagnitudeHistogram.FromTables(tables, x);
        if (histogram.NonFinite > 0 || n == 0)
        {
            if (pair > 0) correlation = PairCorrelation(x, pair);
            return Compute(x);
        }
        double mean = sum / n;
        // Pass 2: Compute's squared deviations and the extremes, four elements a step, and a 4-lane step of the correlation
        // (PairCorrelation's lanes) per four steps. (No call until the correlation is done: its sums stay in registers.)
        var c11 = Vector256<double>.Zero;
        var c22 = Vector256<double>.Zero;
        var c12 = Vector256<double>.Zero;
        int j = 0;
        var dev4 = Vector256<double>.Zero;
        var m = Vector256.Create(mean);
        var kmin = Vector128.Create(int.MaxValue);
        var kmax = Vector128.Create(int.MinValue);
        ref int b0 = ref Unsafe.As<float, int>(ref x0);
        ref float y0 = ref Unsafe.Add(ref x0, pair);
        // fused <= x.Length / 4: the sixteen elements of a step are inside x.
        int fused = Math.Min(pair, x.Length / 4) & ~3;
        i = 0;
        for (; j < fused; j += 4)
        {
            for (int step = 0; step < 4; step++, i += 4)
            {
                var d = Vector256.WidenLower(Vector128.LoadUnsafe(ref x0, (nuint)i).ToVector256Unsafe()) - m;
                dev4 += d * d;
                var key = OrderedKey(Vector128.LoadUnsafe(ref b0, (nuint)i));
                kmin = Vector128.Min(kmin, key);
                kmax = Vector128.Max(kmax, key);
            }
            var a = Vector256.WidenLower(Vector128.LoadUnsafe(ref x0, (nuint)j).ToVector256Unsafe());
            var b = Vector256.WidenLower(Vector128.LoadUnsafe(ref y0, (nuint)j).ToVector256Unsafe());
            c11 += a * a;
            c22 += b * b;
            c12 += a * b;
        }
        for (; i + 4 <= x.Length; i += 4)
        {
            var d = Vector256.WidenLower(Vector128.LoadUnsafe(ref x0, (nuint)i).ToVector256Unsafe()) - m;
            dev4 += d * d;
            var key = OrderedKey(Vector128.LoadUnsafe(ref b0, (nuint)i));
            kmin = Vector128.Min(kmin, key);
            kmax = Vector128.Max(kmax, key);
        }
        for (; j + 4 <= pair; j += 4)
        {
            var a = Vector256.WidenLower(Vector128.LoadUnsafe(ref x0, (nuint)j).ToVector256Unsafe());
            var b = Vector256.WidenLower(Vector128.LoadUnsafe(ref y0, (nuint)j).ToVector256Unsafe());
            c11 += a * a;
            c22 += b * b;
            c12 += a * b;
        }
        if (pair > 0) correlation = FinishCorrelation(c11, c22, c12, x[..pair], x.Slice(pair, pair), j);
        double d0 = dev4[0];
        // The extremes of elements 0 .. vectorEnd - 1 (as Compute's vector Min and Max), then the tail as Compute's Track.
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        if (vectorEnd > 0)
        {
            int kn = Math.Min(Math.Min(kmin[0], kmin[1]), Math.Min(kmin[2], kmin[3]));
            int kx = Math.Max(Math.Max(kmax[0], kmax[1]), Math.Max(kmax[2], kmax[3]));
            min = BitConverter.Int32BitsToSingle(kn ^ ((kn >> 31) & int.MaxValue));
            max = BitConverter.Int32BitsToSingle(kx ^ ((kx >> 31) & int.MaxValue));
        }
        for (; i < x.Length; i++)
        {
            double v = Unsafe.Add(ref x0, i);
            double a = v - mean;
            d0 += a * a;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        double ss = (d0 + dev4[1]) + (dev4[2] + dev4[3]);
        double std = n > 1 ? Math.Sqrt(ss / (n - 1)) : double.NaN;
        double popStd = Math.Sqrt(ss / n);
        return new Stats(n, mean, std, popStd, sumSq / n, min, max, 0, 0, (double)histogram.Zeros / n);
    }

    /// <summary>
    /// The correlation q12 / sqrt(q11 q22) of x[0..pair) with x[pair..2 pair) (two examples' outputs; Poole et al. 2016's c):
    /// each of q11 = sum a_j^2, q22 = sum b_j^2, q12 = sum a_j b_j in four lanes, lane k adding the indices j with j mod 4 = k
    /// in index order (each term widened to double), then (l_0 + l_1) + (l_2 + l_3). NaN when pair = 0.
    /// </summary>
    internal static double PairCorrelation<T>(ReadOnlySpan<T> x, int pair) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (pair < 0 || 2L * pair > x.Length) throw new ArgumentException($"pair must be in 0..{x.Length / 2}, got {pair}.", nameof(pair));
        if (pair == 0) return double.NaN;
        return FinishCorrelation(Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero, x[..pair], x.Slice(pair, pair), 0);
    }

    /// <summary>The correlation's lanes from index <paramref name="from"/> on, added to the vector lanes already summed, and the
    /// result.</summary>
    private static double FinishCorrelation<T>(Vector256<double> c11, Vector256<double> c22, Vector256<double> c12, ReadOnlySpan<T> a,
        ReadOnlySpan<T> b, int from) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<double> q11 = stackalloc double[4], q22 = stackalloc double[4], q12 = stackalloc double[4];
        c11.CopyTo(q11);
        c22.CopyTo(q22);
        c12.CopyTo(q12);
        for (int j = from; j < a.Length; j++)
        {
            double u = double.CreateTruncating(a[j]), v = double.CreateTruncating(b[j]);
            q11[j & 3] += u * u;
            q22[j & 3] += v * v;
            q12[j & 3] += u * v;
        }
        double s11 = (q11[0] + q11[1]) + (q11[2] + q11[3]);
        double s22 = (q22[0] + q22[1]) + (q22[2] + q22[3]);
        double s12 = (q12[0] + q12[1]) + (q12[2] + q12[3]);
        return s12 / Math.Sqrt(s11 * s22);
    }

    /// <summary>Compute's float sums from element <paramref name="i"/> on (four-element steps up to <paramref name="vectorEnd"/>,
    /// then the tail into lane 0) added to the lanes, and the lanes' totals in Compute's order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double Sum, double SumSq) FinishSums(ReadOnlySpan<float> x, int i, Vector256<double> sum4, Vector256<double> sq4,
        out int vectorEnd)
    {
        for (; i + 4 <= x.Length; i += 4)
        {
            var v = Load4(x, i);
            sum4 += v;
            sq4 += v * v;
        }
        vectorEnd = i;
        double s0 = sum4[0], q0 = sq4[0];
        for (; i < x.Length; i++)
        {
            double a = x[i];
            s0 += a;
            q0 += a * a;
        }
        return ((s0 + sum4[1]) + (sum4[2] + sum4[3]), (q0 + sq4[1]) + (sq4[2] + sq4[3]));
    }

    /// <summary>Eight floats into the four double lanes of the sums: elements 0..3, then 4..7 (lane k gets elements k and 4 + k).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSums8(Vector256<float> f, ref Vector256<double> sum4, ref Vector256<double> sq4)
    {
        var lo = Vector256.WidenLower(f);
        var hi = Vector256.WidenUpper(f);
        sum4 += lo;
        sq4 += lo * lo;
        sum4 += hi;
        sq4 += hi * hi;
    }

    /// <summary>Float bits as integers in the floats' order (-0 just below +0; for non-NaN values): negative floats' magnitude
    /// bits flipped. Its own inverse.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> OrderedKey(Vector128<int> bits) => bits ^ ((bits >> 31) & Vector128.Create(int.MaxValue));

    /// <summary>Elements i..i+3 widened to double.</summary>
    /// <summary>Counts the NaN, infinite and zero lanes of v (counters of the lanes' integer width) and folds its non-NaN lanes
    /// into the running min and max (a NaN entry makes the reported min and max NaN at the end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Classify<TF, TI>(Vector256<TF> v, Vector256<TF> infinity, ref Vector256<TI> nan, ref Vector256<TI> inf,
        ref Vector256<TI> zero, ref Vector256<TF> min, ref Vector256<TF> max) where TF : struct where TI : struct
    {
        var isNaN = ~Vector256.Equals(v, v);
        nan -= isNaN.As<TF, TI>();
        inf -= Vector256.Equals(Vector256.Abs(v), infinity).As<TF, TI>();
        zero -= Vector256.Equals(v, Vector256<TF>.Zero).As<TF, TI>();
        min = Vector256.ConditionalSelect(isNaN, min, Vector256.Min(min, v));
        max = Vector256.ConditionalSelect(isNaN, max, Vector256.Max(max, v));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Load4<T>(ReadOnlySpan<T> x, int i) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
            return Vector256.Create(MemoryMarshal.Cast<T, double>(x.Slice(i, 4)));
        if (typeof(T) == typeof(float))
            return Vector256.WidenLower(Vector256.Create(Vector128.Create(MemoryMarshal.Cast<T, float>(x.Slice(i, 4))), Vector128<float>.Zero));
        return Vector256.Create(double.CreateTruncating(x[i]), double.CreateTruncating(x[i + 1]),
            double.CreateTruncating(x[i + 2]), double.CreateTruncating(x[i + 3]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Track(double v, ref double min, ref double max, ref long nan, ref long inf, ref long zeros)
    {
        if (double.IsNaN(v)) { nan++; return; }
        if (double.IsInfinity(v)) inf++;
        if (v == 0) zeros++;
        if (v < min) min = v;
        if (v > max) max = v;
    }

    /// <summary>True if any element is NaN.</summary>
    public static bool HasNaN<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var v in x) if (T.IsNaN(v)) return true;
        return false;
    }

    /// <summary>True if every element is finite (no NaN, no Inf).</summary>
    public static bool IsFinite<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var v in x) if (!T.IsFinite(v)) return false;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"Stats(n = {Count}, mean = {Mean:G6}, std = {Std:G6}, min = {Min:G6}, max = {Max:G6}, nan = {NaNCount}, inf = {InfCount}, zero = {ZeroFraction:G4})");
}
