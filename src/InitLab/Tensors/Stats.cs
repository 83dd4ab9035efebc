using System.Numerics;

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

        // Pass 1: sum, sum of squares, extremes, counts. Four interleaved accumulators in a fixed order.
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        long nan = 0, inf = 0, zeros = 0;
        int i = 0;
        for (; i + 4 <= x.Length; i += 4)
        {
            double a = double.CreateTruncating(x[i]), b = double.CreateTruncating(x[i + 1]);
            double c = double.CreateTruncating(x[i + 2]), d = double.CreateTruncating(x[i + 3]);
            s0 += a; s1 += b; s2 += c; s3 += d;
            q0 += a * a; q1 += b * b; q2 += c * c; q3 += d * d;
            Track(a, ref min, ref max, ref nan, ref inf, ref zeros);
            Track(b, ref min, ref max, ref nan, ref inf, ref zeros);
            Track(c, ref min, ref max, ref nan, ref inf, ref zeros);
            Track(d, ref min, ref max, ref nan, ref inf, ref zeros);
        }
        for (; i < x.Length; i++)
        {
            double a = double.CreateTruncating(x[i]);
            s0 += a;
            q0 += a * a;
            Track(a, ref min, ref max, ref nan, ref inf, ref zeros);
        }
        double sum = (s0 + s1) + (s2 + s3);
        double sumSq = (q0 + q1) + (q2 + q3);
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
            // Pass 2: squared deviations about the mean (stable when |mean| >> std).
            double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
            i = 0;
            for (; i + 4 <= x.Length; i += 4)
            {
                double a = double.CreateTruncating(x[i]) - mean, b = double.CreateTruncating(x[i + 1]) - mean;
                double c = double.CreateTruncating(x[i + 2]) - mean, d = double.CreateTruncating(x[i + 3]) - mean;
                d0 += a * a; d1 += b * b; d2 += c * c; d3 += d * d;
            }
            for (; i < x.Length; i++)
            {
                double a = double.CreateTruncating(x[i]) - mean;
                d0 += a * a;
            }
            double ss = (d0 + d1) + (d2 + d3);
            std = n > 1 ? Math.Sqrt(ss / (n - 1)) : double.NaN;
            popStd = Math.Sqrt(ss / n);
        }

        return new Stats(n, mean, std, popStd, meanSquare, min, max, nan, inf, (double)zeros / n);
    }

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
