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
        if (typeof(T) == typeof(float)) return OfFloat(MemoryMarshal.Cast<T, uint>(values));
        if (typeof(T) == typeof(double)) return OfDouble(MemoryMarshal.Cast<T, ulong>(values));
        long zeros = 0, nonFinite = 0;
        var bins = new Dictionary<int, long>();
        foreach (var v in values)
        {
            double a = Math.Abs(double.CreateTruncating(v));
            if (a == 0) zeros++;
            else if (!double.IsFinite(a)) nonFinite++;
            else bins[Bin(a)] = bins.GetValueOrDefault(Bin(a)) + 1;
        }
        if (bins.Count == 0) return new MagnitudeHistogram(0, [], zeros, nonFinite);
        int lo = bins.Keys.Min(), hi = bins.Keys.Max();
        var counts = new long[hi - lo + 1];
        foreach (var (b, c) in bins) counts[b - lo] = c;
        return new MagnitudeHistogram(lo, counts, zeros, nonFinite);
    }

    // The float and double paths read the bin from the bits: slot 4 e + q of a dense table, e the biased exponent and q the
    // number of edges at or below the mantissa (a float mantissa m is the double one shifted by 29, so m << 29 >= Edge
    // exactly when m >= ceil(Edge / 2^29)). Slots 0..3 (e = 0) mix zeros and subnormals; the top exponent is Inf and NaN.
    // Subnormals are rare and are binned one by one afterwards (as doubles they are normal: their own bins below e = 1).
    // Four interleaved tables for floats, so that runs of equal bins do not queue on one counter.
    private const int Block = 256;

    private static MagnitudeHistogram OfFloat(ReadOnlySpan<uint> bits)
    {
        const int Slots = 256 * BinsPerOctave;
        uint t1 = FloatEdge(Edge1), t2 = FloatEdge(Edge2), t3 = FloatEdge(Edge3);
        var table = new int[4 * Slots];
        int subnormals = 0, i = 0;
        ref int c = ref MemoryMarshal.GetArrayDataReference(table);
        if (Vector.IsHardwareAccelerated && bits.Length >= Block)
        {
            // The slots of a block in vectors (the same integer arithmetic as FloatSlot, lane by lane), then the counts.
            Span<uint> slots = stackalloc uint[Block];
            var absMask = new Vector<uint>(0x7FFFFFFFu);
            var mantissaMask = new Vector<uint>(0x007FFFFFu);
            Vector<uint> e1 = new(t1), e2 = new(t2), e3 = new(t3), one = Vector<uint>.One, subnormalTop = new(0x007FFFFFu);
            var subnormalLanes = Vector<uint>.Zero;
            ref uint s0 = ref MemoryMarshal.GetReference(slots);
            for (; i + Block <= bits.Length; i += Block)
            {
                for (int j = 0; j < Block; j += Vector<uint>.Count)
                {
                    var key = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(bits), (nuint)(i + j)) & absMask;
                    var mantissa = key & mantissaMask;
                    // A true comparison is all ones (-1 as an integer): subtracting it adds 1.
                    var slot = (key >> 23) * BinsPerOctave
                        - Vector.GreaterThanOrEqual(mantissa, e1) - Vector.GreaterThanOrEqual(mantissa, e2) - Vector.GreaterThanOrEqual(mantissa, e3);
                    subnormalLanes -= Vector.LessThan(key - one, subnormalTop);
                    slot.StoreUnsafe(ref s0, (nuint)j);
                }
                for (int j = 0; j < Block; j += 4)
                {
                    Unsafe.Add(ref c, (int)Unsafe.Add(ref s0, j))++;
                    Unsafe.Add(ref c, Slots + (int)Unsafe.Add(ref s0, j + 1))++;
                    Unsafe.Add(ref c, 2 * Slots + (int)Unsafe.Add(ref s0, j + 2))++;
                    Unsafe.Add(ref c, 3 * Slots + (int)Unsafe.Add(ref s0, j + 3))++;
                }
            }
            for (int lane = 0; lane < Vector<uint>.Count; lane++) subnormals += (int)subnormalLanes[lane];
        }
        for (; i + 4 <= bits.Length; i += 4)
        {
            Unsafe.Add(ref c, FloatSlot(bits[i], t1, t2, t3, ref subnormals))++;
            Unsafe.Add(ref c, Slots + FloatSlot(bits[i + 1], t1, t2, t3, ref subnormals))++;
            Unsafe.Add(ref c, 2 * Slots + FloatSlot(bits[i + 2], t1, t2, t3, ref subnormals))++;
            Unsafe.Add(ref c, 3 * Slots + FloatSlot(bits[i + 3], t1, t2, t3, ref subnormals))++;
        }
        for (; i < bits.Length; i++) Unsafe.Add(ref c, FloatSlot(bits[i], t1, t2, t3, ref subnormals))++;
        var merged = new long[Slots];
        for (int k = 0; k < 4; k++)
            for (int slot = 0; slot < Slots; slot++) merged[slot] += table[k * Slots + slot];
        // Slots 4 * 255 .. are Inf and NaN; slot 0 holds the zeros and, with slots 1..3, the subnormals.
        long nonFinite = 0;
        for (int slot = 255 * BinsPerOctave; slot < Slots; slot++) nonFinite += merged[slot];
        long zeros = merged[0] + merged[1] + merged[2] + merged[3] - subnormals;
        Dictionary<int, long>? low = null;
        if (subnormals > 0)
        {
            low = [];
            foreach (uint b in bits)
            {
                uint key = b & 0x7FFFFFFFu;
                if (key != 0 && key < 0x00800000u)
                {
                    int bin = Bin(BitConverter.UInt32BitsToSingle(key));
                    low[bin] = low.GetValueOrDefault(bin) + 1;
                }
            }
        }
        // Normal floats: slot 4 e + q is bin 4 (e - 127) + q.
        return Collect(merged, firstSlot: BinsPerOctave, endSlot: 255 * BinsPerOctave, binOfSlot0: -127 * BinsPerOctave, low, zeros, nonFinite);
    }

    private static MagnitudeHistogram OfDouble(ReadOnlySpan<ulong> bits)
    {
        const int Slots = 2048 * BinsPerOctave;
        var table = new long[Slots];
        long subnormals = 0;
        foreach (ulong b in bits)
        {
            ulong key = b & 0x7FFFFFFFFFFFFFFFUL;
            long mantissa = (long)(key & ((1UL << 52) - 1));
            int slot = (int)(key >> 52) * BinsPerOctave + (mantissa >= Edge1 ? 1 : 0) + (mantissa >= Edge2 ? 1 : 0) + (mantissa >= Edge3 ? 1 : 0);
            table[slot]++;
            subnormals += key - 1 < (1UL << 52) - 1 ? 1 : 0;
        }
        long nonFinite = 0;
        for (int slot = 2047 * BinsPerOctave; slot < Slots; slot++) nonFinite += table[slot];
        long zeros = table[0] + table[1] + table[2] + table[3] - subnormals;
        Dictionary<int, long>? low = null;
        if (subnormals > 0)
        {
            low = [];
            foreach (ulong b in bits)
            {
                ulong key = b & 0x7FFFFFFFFFFFFFFFUL;
                if (key != 0 && key < 1UL << 52)
                {
                    int bin = Bin(BitConverter.UInt64BitsToDouble(key));
                    low[bin] = low.GetValueOrDefault(bin) + 1;
                }
            }
        }
        return Collect(table, firstSlot: BinsPerOctave, endSlot: 2047 * BinsPerOctave, binOfSlot0: -1023 * BinsPerOctave, low, zeros, nonFinite);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FloatSlot(uint b, uint t1, uint t2, uint t3, ref int subnormals)
    {
        uint key = b & 0x7FFFFFFFu, mantissa = key & 0x007FFFFFu;
        subnormals += key - 1 < 0x007FFFFFu ? 1 : 0;
        return (int)(key >> 23) * BinsPerOctave + (mantissa >= t1 ? 1 : 0) + (mantissa >= t2 ? 1 : 0) + (mantissa >= t3 ? 1 : 0);
    }

    private static uint FloatEdge(long doubleMantissa) => (uint)((doubleMantissa + (1L << 29) - 1) >> 29);

    /// <summary>The histogram from the normal values' slots firstSlot..endSlot-1 (slot s = bin binOfSlot0 + s) and the
    /// subnormals' bins (all below the normal ones).</summary>
    private static MagnitudeHistogram Collect(long[] slots, int firstSlot, int endSlot, int binOfSlot0, Dictionary<int, long>? low,
        long zeros, long nonFinite)
    {
        int first = firstSlot, last = endSlot - 1;
        while (first <= last && slots[first] == 0) first++;
        while (last >= first && slots[last] == 0) last--;
        bool hasNormal = first <= last, hasLow = low is { Count: > 0 };
        if (!hasNormal && !hasLow) return new MagnitudeHistogram(0, [], zeros, nonFinite);
        int lo = hasLow ? low!.Keys.Min() : binOfSlot0 + first;
        int hi = hasNormal ? binOfSlot0 + last : low!.Keys.Max();
        var counts = new long[hi - lo + 1];
        if (hasLow)
            foreach (var (b, n) in low!) counts[b - lo] += n;
        if (hasNormal)
            for (int slot = first; slot <= last; slot++) counts[binOfSlot0 + slot - lo] += slots[slot];
        return new MagnitudeHistogram(lo, counts, zeros, nonFinite);
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
