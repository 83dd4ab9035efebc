using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
    private static readonly uint FloatEdge1 = (uint)((Edge1 + (1L << 29) - 1) >> 29);
    private static readonly uint FloatEdge2 = (uint)((Edge2 + (1L << 29) - 1) >> 29);
    private static readonly uint FloatEdge3 = (uint)((Edge3 + (1L << 29) - 1) >> 29);

    // Slots of the float path: 4 e + q for biased exponent e in 1..254 (bin 4 (e - 127) + q), 1020..1023 for e = 255 (NaN
    // and infinities), ZeroSlot for +-0 and SubnormalSlot for subnormals (binned apart through the double path).
    private const int Slots = 1026;
    private const uint ZeroSlot = 1024, SubnormalSlot = 1025;

    // Interleaved count tables: runs of equal slots (the zeros after a ReLU, neighbouring activations of one size) update
    // eight counters in turn, so no increment waits on the store of the one before (33 KB: they stay in L1).
    private const int Tables = 8;

    /// <summary>
    /// The float path: each value's slot is computed from its bits (a vector at a time) and counted in eight interleaved tables
    /// (consecutive equal slots do not wait on each other's store); exact integer counts, equal to <see cref="OfGeneric{T}"/>'s.
    /// </summary>
    private static MagnitudeHistogram OfFloat(ReadOnlySpan<float> values)
    {
        var bits = MemoryMarshal.Cast<float, uint>(values);
        var tables = new int[Tables * Slots];
        const int Block = 512;
        Span<uint> slots = stackalloc uint[Block];
        for (int start = 0; start < bits.Length; start += Block)
        {
            var block = bits.Slice(start, Math.Min(Block, bits.Length - start));
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var absMask = new Vector<uint>(0x7FFFFFFFu);
                var mantissaMask = new Vector<uint>(0x7FFFFFu);
                var e1 = new Vector<uint>(FloatEdge1);
                var e2 = new Vector<uint>(FloatEdge2);
                var e3 = new Vector<uint>(FloatEdge3);
                var zeroSlot = new Vector<uint>(ZeroSlot);
                var subnormalSlot = new Vector<uint>(SubnormalSlot);
                for (; i <= block.Length - Vector<uint>.Count; i += Vector<uint>.Count)
                {
                    var a = new Vector<uint>(block.Slice(i)) & absMask;
                    var e = a >>> 23;
                    var m = a & mantissaMask;
                    // Comparisons give all-ones (= -1 as uint arithmetic), so subtracting them adds 1 per edge passed.
                    var slot = (e << 2) - Vector.GreaterThanOrEqual(m, e1) - Vector.GreaterThanOrEqual(m, e2) - Vector.GreaterThanOrEqual(m, e3);
                    var denormal = Vector.Equals(e, Vector<uint>.Zero);
                    slot = Vector.ConditionalSelect(denormal, Vector.ConditionalSelect(Vector.Equals(a, Vector<uint>.Zero), zeroSlot, subnormalSlot), slot);
                    slot.CopyTo(slots.Slice(i));
                }
            }
            for (; i < block.Length; i++) slots[i] = FloatSlot(block[i]);
            // Every slot is below Slots by construction (at most 4 * 255 + 3, or the zero and subnormal slots), so the eight
            // tables are indexed without bounds checks.
            ref int t0 = ref MemoryMarshal.GetArrayDataReference(tables);
            ref int t1 = ref Unsafe.Add(ref t0, Slots);
            ref int t2 = ref Unsafe.Add(ref t0, 2 * Slots);
            ref int t3 = ref Unsafe.Add(ref t0, 3 * Slots);
            ref int t4 = ref Unsafe.Add(ref t0, 4 * Slots);
            ref int t5 = ref Unsafe.Add(ref t0, 5 * Slots);
            ref int t6 = ref Unsafe.Add(ref t0, 6 * Slots);
            ref int t7 = ref Unsafe.Add(ref t0, 7 * Slots);
            ref uint sl = ref MemoryMarshal.GetReference(slots);
            int k = 0;
            for (; k + 8 <= block.Length; k += 8)
            {
                Unsafe.Add(ref t0, Unsafe.Add(ref sl, k))++;
                Unsafe.Add(ref t1, Unsafe.Add(ref sl, k + 1))++;
                Unsafe.Add(ref t2, Unsafe.Add(ref sl, k + 2))++;
                Unsafe.Add(ref t3, Unsafe.Add(ref sl, k + 3))++;
                Unsafe.Add(ref t4, Unsafe.Add(ref sl, k + 4))++;
                Unsafe.Add(ref t5, Unsafe.Add(ref sl, k + 5))++;
                Unsafe.Add(ref t6, Unsafe.Add(ref sl, k + 6))++;
                Unsafe.Add(ref t7, Unsafe.Add(ref sl, k + 7))++;
            }
            for (; k < block.Length; k++) tables[slots[k]]++;
        }
        var counts = new long[Slots];
        for (int s = 0; s < Slots; s++)
            for (int t = 0; t < Tables; t++) counts[s] += tables[t * Slots + s];
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

    private static uint FloatSlot(uint bits)
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
