using System.Numerics;

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
        if (typeof(T) == typeof(float)) return OfFloat(System.Runtime.InteropServices.MemoryMarshal.Cast<T, uint>(values));
        if (typeof(T) == typeof(double)) return OfDouble(System.Runtime.InteropServices.MemoryMarshal.Cast<T, ulong>(values));
        return OfGeneric(values);
    }

    /// <summary>Any IEEE type, one element at a time through <see cref="Bin"/> (the reference the float and double paths match).</summary>
    internal static MagnitudeHistogram OfGeneric<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long zeros = 0, nonFinite = 0;
        var bins = new Dictionary<int, long>();
        foreach (var v in values)
        {
            double a = Math.Abs(double.CreateTruncating(v));
            if (a == 0) { zeros++; continue; }
            if (!double.IsFinite(a)) { nonFinite++; continue; }
            int b = Bin(a);
            bins[b] = bins.GetValueOrDefault(b) + 1;
        }
        return FromBins(bins, zeros, nonFinite);
    }

    private static MagnitudeHistogram FromBins(Dictionary<int, long> bins, long zeros, long nonFinite)
    {
        if (bins.Count == 0) return new MagnitudeHistogram(0, [], zeros, nonFinite);
        int lo = bins.Keys.Min(), hi = bins.Keys.Max();
        var counts = new long[hi - lo + 1];
        foreach (var (b, c) in bins) counts[b - lo] = c;
        return new MagnitudeHistogram(lo, counts, zeros, nonFinite);
    }

    // The float path: a normal float's bin is 4 (e - 127) + [m >= F1] + [m >= F2] + [m >= F3] for its biased exponent e and
    // 23-bit mantissa m, where F_k is the double edge's 52-bit mantissa divided by 2^29 and rounded up (the widened mantissa
    // m 2^29 is >= Edge_k exactly when m >= F_k). Each element is counted branch-free at slot 4 e + sub of a table (zeros at
    // an extra slot, non-finite at e = 255); the slots of e = 0 (subnormals) are recounted exactly by Bin when used.
    private static readonly uint F1 = (uint)((Edge1 + (1L << 29) - 1) >> 29);
    private static readonly uint F2 = (uint)((Edge2 + (1L << 29) - 1) >> 29);
    private static readonly uint F3 = (uint)((Edge3 + (1L << 29) - 1) >> 29);

    private static MagnitudeHistogram OfFloat(ReadOnlySpan<uint> bits)
    {
        const int zeroSlot = 1024;
        // Two tables (even and odd elements) so that equal neighbouring slots do not wait on each other's stores.
        var table = new int[2 * (zeroSlot + 1)];
        uint f1 = F1 - 1, f2 = F2 - 1, f3 = F3 - 1;
        int i = 0;
        for (; i + 2 <= bits.Length; i += 2)
        {
            table[FloatSlot(bits[i], f1, f2, f3)]++;
            table[zeroSlot + 1 + FloatSlot(bits[i + 1], f1, f2, f3)]++;
        }
        if (i < bits.Length) table[FloatSlot(bits[i], f1, f2, f3)]++;
        var slot = new long[zeroSlot + 1];
        for (int s = 0; s <= zeroSlot; s++) slot[s] = (long)table[s] + table[zeroSlot + 1 + s];

        long zeros = slot[zeroSlot], nonFinite = slot[1020] + slot[1021] + slot[1022] + slot[1023];
        var bins = new Dictionary<int, long>();
        for (int e = 1; e <= 254; e++)
            for (int k = 0; k < 4; k++)
                if (slot[4 * e + k] > 0) bins[BinsPerOctave * (e - 127) + k] = slot[4 * e + k];
        if (slot[0] + slot[1] + slot[2] + slot[3] > 0)
            foreach (uint u in bits)
                if ((u & 0x7F800000u) == 0 && (u & 0x7FFFFFu) != 0)
                {
                    int b = Bin(Math.Abs((double)BitConverter.UInt32BitsToSingle(u)));
                    bins[b] = bins.GetValueOrDefault(b) + 1;
                }
        return FromBins(bins, zeros, nonFinite);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int FloatSlot(uint u, uint f1, uint f2, uint f3)
    {
        uint a = u & 0x7FFFFFFFu, m = a & 0x7FFFFFu;
        // (f - m) >> 31 is 1 exactly when m > f, i.e. m >= F; (a - 1) >> 31 is 1 exactly when a = 0.
        uint sub = ((f1 - m) >> 31) + ((f2 - m) >> 31) + ((f3 - m) >> 31);
        return (int)(4 * (a >> 23) + sub + (((a - 1) >> 31) << 10));
    }

    // The double path: as the float path with 11 exponent bits and the edges' own mantissas.
    private static MagnitudeHistogram OfDouble(ReadOnlySpan<ulong> bits)
    {
        const int zeroSlot = 8192;
        var slot = new long[zeroSlot + 1];
        ulong f1 = (ulong)Edge1 - 1, f2 = (ulong)Edge2 - 1, f3 = (ulong)Edge3 - 1;
        foreach (ulong u in bits)
        {
            ulong a = u & 0x7FFFFFFFFFFFFFFFul, m = a & 0xFFFFFFFFFFFFFul;
            ulong sub = ((f1 - m) >> 63) + ((f2 - m) >> 63) + ((f3 - m) >> 63);
            slot[(int)(4 * (a >> 52) + sub + (((a - 1) >> 63) << 13))]++;
        }
        long zeros = slot[zeroSlot], nonFinite = slot[8188] + slot[8189] + slot[8190] + slot[8191];
        var bins = new Dictionary<int, long>();
        for (int e = 1; e <= 2046; e++)
            for (int k = 0; k < 4; k++)
                if (slot[4 * e + k] > 0) bins[BinsPerOctave * (e - 1023) + k] = slot[4 * e + k];
        if (slot[0] + slot[1] + slot[2] + slot[3] > 0)
            foreach (ulong u in bits)
                if ((u & 0x7FF0000000000000ul) == 0 && (u & 0xFFFFFFFFFFFFFul) != 0)
                {
                    int b = Bin(Math.Abs(BitConverter.UInt64BitsToDouble(u)));
                    bins[b] = bins.GetValueOrDefault(b) + 1;
                }
        return FromBins(bins, zeros, nonFinite);
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
