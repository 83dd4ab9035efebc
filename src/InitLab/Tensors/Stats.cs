using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using InitLab.Numerics;

namespace InitLab.Tensors;

/// <summary>
/// Summary statistics of a vector, accumulated in double in a fixed order (sixteen lanes by index, <see cref="StatsLanes"/>;
/// so they do not depend on thread count or SIMD width), with IEEE semantics as in PyTorch: a vector holding an Inf has an
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
    public static Stats Of(ReadOnlySpan<float> x) => Compute(x, StatsLanes.Best);

    /// <summary>Statistics of a double vector.</summary>
    public static Stats Of(ReadOnlySpan<double> x) => Compute(x, StatsLanes.Best);

    /// <summary>Statistics of a tensor's elements.</summary>
    public static Stats Of<T>(DenseTensor<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Compute<T>(x.Data, StatsLanes.Best);

    /// <summary>
    /// The statistics at a lane width (the same bits at every width). Two passes: the sums of x and x^2 (in sixteen lanes by
    /// index, <see cref="StatsLanes"/>), the extremes and the zeros; then, when every element is finite, the squared
    /// deviations about the mean in the same lanes (stable when |mean| &gt;&gt; std). A NaN or an infinity takes the counting
    /// path instead.
    /// </summary>
    internal static Stats Compute<T>(ReadOnlySpan<T> x, LaneWidth width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length == 0) return new Stats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, 0, double.NaN);
        var first = StatsLanes.First(x, width);
        if (first.NonFinite) return NonFinite(x, first);
        double mean = first.Sum.Total() / x.Length;
        return Finish(x.Length, first, mean, StatsLanes.Deviations(x, mean, width).Total());
    }

    private static Stats Finish(long n, in FirstPass first, double mean, double squaredDeviations)
    {
        double std = n > 1 ? Math.Sqrt(squaredDeviations / (n - 1)) : double.NaN;
        return new Stats(n, mean, std, Math.Sqrt(squaredDeviations / n), first.Square.Total() / n, first.Min, first.Max, 0, 0,
            (double)first.Zeros / n);
    }

    /// <summary>A vector with a NaN or an infinity: the sums as they come (an infinite or NaN mean), NaN std, NaN extremes
    /// when a NaN is present, and the counts.</summary>
    private static Stats NonFinite<T>(ReadOnlySpan<T> x, in FirstPass first) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = x.Length, nan = 0, inf = 0;
        foreach (var v in x)
        {
            if (T.IsNaN(v)) nan++;
            else if (T.IsInfinity(v)) inf++;
        }
        double min = nan > 0 ? double.NaN : first.Min, max = nan > 0 ? double.NaN : first.Max;
        return new Stats(n, first.Sum.Total() / n, double.NaN, double.NaN, first.Square.Total() / n, min, max, nan, inf,
            (double)first.Zeros / n);
    }

    /// <summary>
    /// <see cref="Of(ReadOnlySpan{float})"/>'s <see cref="Std"/> (the trace's std of every drawn parameter tensor).
    /// </summary>
    internal static double StdOf(ReadOnlySpan<float> x) => Compute(x, StatsLanes.Best).Std;

    /// <inheritdoc cref="MeasureAt"/>
    internal static Stats Measure(ReadOnlySpan<float> x, int pair, out MagnitudeHistogram histogram, out double correlation) =>
        MeasureAt(x, pair, StatsLanes.Best, out histogram, out correlation);

    /// <summary>
    /// The explicit engine's measurement of a float vector: the statistics (bit for bit those of
    /// <see cref="Of(ReadOnlySpan{float})"/>), the magnitude histogram (<see cref="MagnitudeHistogram.Of{T}"/>'s counts) and,
    /// when <paramref name="pair"/> &gt; 0, the correlation of x[0..pair) with x[pair..2 pair) (<see cref="PairCorrelation{T}"/>;
    /// NaN when pair = 0), at a lane width (the same bits and counts at every width).
    /// </summary>
    /// <remarks>
    /// At 512 bits the histogram rides on the deviations' pass (<see cref="MagnitudeWindow"/>: each value a bit of a word,
    /// the words added as bit planes), in a window placed from the first pass's extremes and mean square. A vector with a NaN
    /// or an infinity (the node a run stops at), and the narrower widths, count the histogram in its own pass.
    /// </remarks>
    internal static Stats MeasureAt(ReadOnlySpan<float> x, int pair, LaneWidth width, out MagnitudeHistogram histogram, out double correlation)
    {
        if (pair < 0 || 2L * pair > x.Length) throw new ArgumentException($"pair must be in 0..{x.Length / 2}, got {pair}.", nameof(pair));
        long n = x.Length;
        var first = StatsLanes.FirstAndCorrelation(x, pair, width, out correlation);
        if (n == 0 || first.NonFinite || width != LaneWidth.V512 || !MagnitudeWindow.IsSupported)
        {
            histogram = MagnitudeHistogram.Of<float>(x);
            if (n == 0) return Compute(x, width);
            if (first.NonFinite) return NonFinite(x, first);
            double m = first.Sum.Total() / n;
            return Finish(n, first, m, StatsLanes.Deviations(x, m, width).Total());
        }
        double mean = first.Sum.Total() / n;
        int lo = MagnitudeWindow.Start(Math.Max(-first.Min, first.Max), Math.Sqrt(first.Square.Total() / n));
        var slots = new long[MagnitudeHistogram.Slots];
        int vectorEnd = x.Length & ~(StatsLanes.Count - 1);
        long tailZeros = 0;
        for (int i = vectorEnd; i < x.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(x[i]);
            slots[MagnitudeHistogram.FloatSlot(bits)]++;
            if ((bits & 0x7FFFFFFFu) == 0) tailZeros++;
        }
        var dev = new Lanes16();
        MagnitudeWindow.DeviationsAndSlots(x, mean, lo, first.Zeros - tailZeros, ref dev, slots);
        StatsLanes.DeviationsTail(x, vectorEnd, mean, ref dev);
        histogram = MagnitudeHistogram.FromSlotCounts(slots, x);
        return Finish(n, first, mean, dev.Total());
    }

    /// <summary>
    /// The correlation q12 / sqrt(q11 q22) of x[0..pair) with x[pair..2 pair) (two examples' outputs; Poole et al. 2016's c):
    /// each of q11 = sum a_j^2, q22 = sum b_j^2, q12 = sum a_j b_j in sixteen lanes, lane k adding the indices j with
    /// j mod 16 = k in index order (each term widened to double and added with one rounding), the lanes added as
    /// <see cref="Lanes16.Total"/> does. NaN when pair = 0.
    /// </summary>
    internal static double PairCorrelation<T>(ReadOnlySpan<T> x, int pair) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (pair < 0 || 2L * pair > x.Length) throw new ArgumentException($"pair must be in 0..{x.Length / 2}, got {pair}.", nameof(pair));
        return StatsLanes.Correlation(x, pair, StatsLanes.Best);
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
