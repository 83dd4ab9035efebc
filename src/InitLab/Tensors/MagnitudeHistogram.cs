using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InitLab.Tensors;

/// <summary>
/// A histogram of the magnitudes |x| of a vector on a log scale: bin b holds the elements with
/// 2^(b/4) &lt;= |x| &lt; 2^((b+1)/4) (four bins per octave), with exact zeros and NaN or infinite elements counted apart.
/// One column of the "colorful dimension" plot (fastai's ActivationStats) of a network's activations over depth: since
/// the bins are fixed powers of two, the histograms of every layer share their bins and a column that explodes or
/// vanishes moves up or down by log2(growth) * 4 bins per layer.
/// </summary>
/// <remarks>
/// The bin of a value is read from its binary exponent and three comparisons of its mantissa with those of 2^(1/4),
/// 2^(1/2) and 2^(3/4) (the edges are the doubles nearest those powers): no logarithm, exact integer counts, the same
/// result on every machine and for every thread count. Float inputs are widened to double exactly, so their subnormals
/// get their own bins.
/// </remarks>
/// <param name="FirstBin">The bin of <see cref="Counts"/>[0] (the lowest non-empty bin; 0 when there is none).</param>
/// <param name="Counts">Counts of bins FirstBin, FirstBin + 1, ..., up to the highest non-empty bin (empty when every element is 0 or non-finite).</param>
/// <param name="Zeros">Number of elements equal to 0 (either sign).</param>
/// <param name="NonFinite">Number of NaN or infinite elements.</param>
public sealed record MagnitudeHistogram(int FirstBin, IReadOnlyList<long> Counts, long Zeros, long NonFinite)
{
    /// <summary>Bins per factor of 2 in |x|.</summary>
    public const int BinsPerOctave = 4;

    // Mantissa bits (52) of the doubles nearest 2^(1/4), 2^(1/2) and 2^(3/4) (literals, not a platform's pow).
    private static readonly long Edge1 = Mantissa(1.1892071150027210667);
    private static readonly long Edge2 = Mantissa(1.4142135623730950488);
    private static readonly long Edge3 = Mantissa(1.6817928305074290861);

    /// <summary>The last bin of <see cref="Counts"/> (FirstBin - 1 when it is empty).</summary>
    public int LastBin => FirstBin + Counts.Count - 1;

    /// <summary>Number of elements: the bins, the zeros and the non-finite ones.</summary>
    public long Total => Counts.Sum() + Zeros + NonFinite;

    /// <summary>The count of bin <paramref name="bin"/> (0 outside FirstBin..LastBin).</summary>
    public long Count(int bin) => bin >= FirstBin && bin <= LastBin ? Counts[bin - FirstBin] : 0;

    /// <summary>The lower edge 2^(b/4) of bin <paramref name="bin"/>.</summary>
    public static double LowerEdge(int bin) => Math.Pow(2, (double)bin / BinsPerOctave);

    /// <summary>The bin of a finite nonzero value: floor(4 log2 |x|), against the double-rounded edges.</summary>
    /// <exception cref="ArgumentException">x is 0, NaN or infinite.</exception>
    public static int BinOf(double x)
    {
        double a = Math.Abs(x);
        if (!(a > 0) || !double.IsFinite(a)) throw new ArgumentException($"x must be finite and nonzero, got {x}.", nameof(x));
        return Bin(a);
    }

    /// <summary>The histogram of <paramref name="values"/>.</summary>
    public static MagnitudeHistogram Of<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float)) return OfFloat(MemoryMarshal.Cast<T, float>(values));
        return OfGeneric(values);
    }

    // The generic path: every value widened to double and binned by Bin (also the oracle of the float path in the tests).
    internal static MagnitudeHistogram OfGeneric<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long zeros = 0, nonFinite = 0;
        var bins = new Dictionary<int, long>();
        int lo = int.MaxValue, hi = int.MinValue;
        // Runs of equal bins are common (neighbouring activations have similar sizes): count a run before touching the map.
        int current = 0;
        long run = 0;
        foreach (var v in values)
        {
            double a = Math.Abs(double.CreateTruncating(v));
            if (a == 0) { zeros++; continue; }
            if (!double.IsFinite(a)) { nonFinite++; continue; }
            int b = Bin(a);
            if (b == current && run > 0) { run++; continue; }
            if (run > 0) bins[current] = bins.GetValueOrDefault(current) + run;
            current = b;
            run = 1;
            if (b < lo) lo = b;
            if (b > hi) hi = b;
        }
        if (run > 0) bins[current] = bins.GetValueOrDefault(current) + run;
        if (bins.Count == 0) return new MagnitudeHistogram(0, [], zeros, nonFinite);
        var counts = new long[hi - lo + 1];
        foreach (var (b, c) in bins) counts[b - lo] = c;
        return new MagnitudeHistogram(lo, counts, zeros, nonFinite);
    }

    // Float mantissa thresholds (23 bits): a normal float's double mantissa is its own shifted left by 29, so
    // (m << 29) >= Edge <=> m >= ceil(Edge / 2^29), exactly.
    // (Constants, so that the vector loops fold them; a test checks them against the formula.)
    internal const uint FloatEdge1 = 0x1837F1, FloatEdge2 = 0x3504F4, FloatEdge3 = 0x5744FD;

    /// <summary>ceil(Edge / 2^29) of the three double edges (what <see cref="FloatEdge1"/> .. <see cref="FloatEdge3"/> hold).</summary>
    internal static (uint, uint, uint) FloatEdges() =>
        ((uint)((Edge1 + (1L << 29) - 1) >> 29), (uint)((Edge2 + (1L << 29) - 1) >> 29), (uint)((Edge3 + (1L << 29) - 1) >> 29));

    // Slots of the float path: 4 e + q for biased exponent e in 1..254 (bin 4 (e - 127) + q), 1020..1023 for e = 255 (NaN
    // and infinities), ZeroSlot for +-0 and SubnormalSlot for subnormals (binned apart through the double path).
    internal const int Slots = 1026;
    internal const uint ZeroSlot = 1024, SubnormalSlot = 1025;

    /// <summary>The slot of the largest finite floats (biased exponent 254, the top quarter).</summary>
    internal const int LastFiniteSlot = 4 * 254 + 3;

    // Interleaved count tables: runs of equal slots (the zeros after a ReLU, neighbouring activations of one size) update
    // eight counters in turn, so no increment waits on the store of the one before (33 KB: they stay in L1).
    private const int Tables = 8;

    /// <summary>
    /// The float path: each value's slot is computed from its bits (a vector at a time) and counted in eight interleaved tables
    /// (consecutive equal slots do not wait on each other's store); exact integer counts, equal to <see cref="OfGeneric{T}"/>'s.
    /// </summary>
    private static MagnitudeHistogram OfFloat(ReadOnlySpan<float> values)
    {
        var tables = NewTables();
        ref int table = ref MemoryMarshal.GetArrayDataReference(tables);
        ref uint bits = ref Unsafe.As<float, uint>(ref MemoryMarshal.GetReference(values));
        int i = 0;
        for (; i + 8 <= values.Length; i += 8) Count8(ref table, Vector256.LoadUnsafe(ref bits, (nuint)i));
        for (; i < values.Length; i++) tables[FloatSlot(BitConverter.SingleToUInt32Bits(values[i]))]++;
        return FromTables(tables, values);
    }

    /// <summary>Count tables for <see cref="Count8"/> (eight interleaved tables of every slot).</summary>
    internal static int[] NewTables() => new int[Tables * Slots];

    /// <summary>The float-path slots of eight floats' bits (the vector form of <see cref="FloatSlot"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<uint> FloatSlots(Vector256<uint> bits)
    {
        var a = bits & Vector256.Create(0x7FFFFFFFu);
        var e = a >>> 23;
        var m = a & Vector256.Create(0x7FFFFFu);
        // Comparisons give all-ones (= -1 as uint arithmetic), so subtracting them adds 1 per edge passed.
        var slot = (e << 2) - Vector256.GreaterThanOrEqual(m, Vector256.Create(FloatEdge1)) - Vector256.GreaterThanOrEqual(m, Vector256.Create(FloatEdge2))
            - Vector256.GreaterThanOrEqual(m, Vector256.Create(FloatEdge3));
        var denormal = Vector256.Equals(e, Vector256<uint>.Zero);
        return Vector256.ConditionalSelect(denormal,
            Vector256.ConditionalSelect(Vector256.Equals(a, Vector256<uint>.Zero), Vector256.Create(ZeroSlot), Vector256.Create(SubnormalSlot)), slot);
    }

    /// <summary>
    /// Counts eight floats (their bits) into <paramref name="tables"/> (from <see cref="NewTables"/>), lane k into table k.
    /// Inlined into a caller's loop, the counts overlap its other work.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Count8(ref int tables, Vector256<uint> bits)
    {
        // The slots leave the vector as four 64-bit lanes (a store and eight 32-bit reloads would wait on store forwarding).
        // Every slot is below Slots by construction: no bounds checks.
        var q = FloatSlots(bits).AsUInt64();
        ulong p0 = q.GetElement(0), p1 = q.GetElement(1), p2 = q.GetElement(2), p3 = q.GetElement(3);
        Unsafe.Add(ref tables, (nuint)(uint)p0)++;
        Unsafe.Add(ref Unsafe.Add(ref tables, Slots), (nuint)(p0 >> 32))++;
        Unsafe.Add(ref Unsafe.Add(ref tables, 2 * Slots), (nuint)(uint)p1)++;
        Unsafe.Add(ref Unsafe.Add(ref tables, 3 * Slots), (nuint)(p1 >> 32))++;
        Unsafe.Add(ref Unsafe.Add(ref tables, 4 * Slots), (nuint)(uint)p2)++;
        Unsafe.Add(ref Unsafe.Add(ref tables, 5 * Slots), (nuint)(p2 >> 32))++;
        Unsafe.Add(ref Unsafe.Add(ref tables, 6 * Slots), (nuint)(uint)p3)++;
        Unsafe.Add(ref Unsafe.Add(ref tables, 7 * Slots), (nuint)(p3 >> 32))++;
    }

    /// <summary>The histogram of <paramref name="values"/> from the tables their slots were counted in (<see cref="Count8"/>, the
    /// tail in table 0).</summary>
    internal static MagnitudeHistogram FromTables(int[] tables, ReadOnlySpan<float> values)
    {
        var counts = new long[Slots];
        for (int s = 0; s < Slots; s++)
            for (int t = 0; t < Tables; t++) counts[s] += tables[t * Slots + s];
        return FromSlotCounts(counts, values);
    }

    /// <summary>The histogram of <paramref name="values"/> from the counts of their float slots (<see cref="FloatSlot"/>; the
    /// subnormal slot's values are binned again from <paramref name="values"/>).</summary>
    internal static MagnitudeHistogram FromSlotCounts(long[] counts, ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        long zeros = counts[ZeroSlot], nonFinite = counts[1020] + counts[1021] + counts[1022] + counts[1023];
        // Bins of normal values: slot 4 e + q is bin 4 (e - 127) + q = slot - 508.
        int lo = int.MaxValue, hi = int.MinValue;
        for (int s = 4; s < 1020; s++)
            if (counts[s] > 0)
            {
                lo = Math.Min(lo, s - 508);
                hi = Math.Max(hi, s - 508);
            }
        Dictionary<int, long>? subnormal = null;
        if (counts[SubnormalSlot] > 0)
        {
            subnormal = [];
            foreach (uint b in bits)
            {
                uint a = b & 0x7FFFFFFFu;
                if (a == 0 || a >= 0x800000u) continue;
                int bin = Bin(BitConverter.UInt32BitsToSingle(a));
                subnormal[bin] = subnormal.GetValueOrDefault(bin) + 1;
                lo = Math.Min(lo, bin);
                hi = Math.Max(hi, bin);
            }
        }
        if (hi < lo) return new MagnitudeHistogram(0, [], zeros, nonFinite);
        var result = new long[hi - lo + 1];
        for (int s = 4; s < 1020; s++)
            if (counts[s] > 0) result[s - 508 - lo] = counts[s];
        if (subnormal is not null)
            foreach (var (bin, c) in subnormal) result[bin - lo] += c;
        return new MagnitudeHistogram(lo, result, zeros, nonFinite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint FloatSlot(uint bits)
    {
        uint a = bits & 0x7FFFFFFFu, e = a >> 23, m = a & 0x7FFFFFu;
        if (e == 0) return a == 0 ? ZeroSlot : SubnormalSlot;
        return (e << 2) + (m >= FloatEdge1 ? 1u : 0) + (m >= FloatEdge2 ? 1u : 0) + (m >= FloatEdge3 ? 1u : 0);
    }

    private static int Bin(double a)
    {
        int shift = 0;
        if (a < SmallestNormal)
        {
            a *= 18446744073709551616.0; // 2^64: a subnormal double becomes normal, exactly
            shift = 64;
        }
        long bits = BitConverter.DoubleToInt64Bits(a);
        int exponent = (int)(bits >> 52) - 1023 - shift;
        long mantissa = bits & ((1L << 52) - 1);
        return BinsPerOctave * exponent + (mantissa >= Edge1 ? 1 : 0) + (mantissa >= Edge2 ? 1 : 0) + (mantissa >= Edge3 ? 1 : 0);
    }

    private const double SmallestNormal = 2.2250738585072014E-308; // 2^-1022

    private static long Mantissa(double x) => BitConverter.DoubleToInt64Bits(x) & ((1L << 52) - 1);

    /// <summary>Equal bins, counts, zeros and non-finite counts.</summary>
    public bool Equals(MagnitudeHistogram? other) =>
        other is not null && FirstBin == other.FirstBin && Zeros == other.Zeros && NonFinite == other.NonFinite && Counts.SequenceEqual(other.Counts);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(FirstBin, Counts.Count, Zeros, NonFinite);

    /// <inheritdoc/>
    public override string ToString() =>
        Counts.Count == 0 ? $"MagnitudeHistogram(empty, zeros = {Zeros}, non-finite = {NonFinite})"
        : $"MagnitudeHistogram(2^({FirstBin}/4) <= |x| < 2^({LastBin + 1}/4), {Counts.Sum()} values, zeros = {Zeros}, non-finite = {NonFinite})";
}
