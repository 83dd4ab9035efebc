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
