using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InitLab.Networks;

/// <summary>Element loops the ops share, and reductions in a fixed order.</summary>
internal static class Work
{
    /// <summary>sums[j] = sum over r of x[r * n + j] (rows in order), for a bias gradient.</summary>
    public static void ColumnSums<T>(ReadOnlySpan<T> x, int rows, int n, Span<T> sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        sums.Clear();
        for (int r = 0; r < rows; r++)
        {
            var row = x.Slice(r * n, n);
            for (int j = 0; j < n; j++) sums[j] += row[j];
        }
    }

    /// <summary>y[i] += s * x[i].</summary>
    public static void AddScaled<T>(Span<T> y, T s, ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var vs = new Vector<T>(s);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(y.Slice(i)) + vs * new Vector<T>(x.Slice(i))).CopyTo(y.Slice(i));
        }
        for (; i < x.Length; i++) y[i] += s * x[i];
    }

    /// <summary>y[i] += x[i].</summary>
    public static void Add<T>(Span<T> y, ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(y.Slice(i)) + new Vector<T>(x.Slice(i))).CopyTo(y.Slice(i));
        for (; i < x.Length; i++) y[i] += x[i];
    }

    /// <summary>
    /// Sum of a double-widened span over eight accumulators in a fixed layout: element i of each full group of 8 goes to
    /// accumulator i mod 8, the accumulators are added as ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)), then the tail in
    /// index order. Eight independent chains instead of one (a latency-bound loop); the order never depends on the machine.
    /// </summary>
    public static double Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Lanes(x, 0, squares: false);

    /// <summary>Sum of (x_i - mu)^2 in double, in the accumulator layout of <see cref="Sum{T}"/>.</summary>
    public static double SquaredDeviations<T>(ReadOnlySpan<T> x, double mu) where T : unmanaged, IFloatingPointIeee754<T> =>
        Lanes(x, mu, squares: true);

    private static double Lanes<T>(ReadOnlySpan<T> x, double mu, bool squares) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var lo = Vector256<double>.Zero;
        var hi = Vector256<double>.Zero;
        var m = Vector256.Create(mu);
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            Vector256<double> a, b;
            if (typeof(T) == typeof(float))
            {
                var f = Vector256.Create(MemoryMarshal.Cast<T, float>(x.Slice(i, 8)));
                a = Vector256.WidenLower(f);
                b = Vector256.WidenUpper(f);
            }
            else if (typeof(T) == typeof(double))
            {
                var d = MemoryMarshal.Cast<T, double>(x.Slice(i, 8));
                a = Vector256.Create(d);
                b = Vector256.Create(d[4..]);
            }
            else
            {
                a = Vector256.Create(double.CreateTruncating(x[i]), double.CreateTruncating(x[i + 1]), double.CreateTruncating(x[i + 2]), double.CreateTruncating(x[i + 3]));
                b = Vector256.Create(double.CreateTruncating(x[i + 4]), double.CreateTruncating(x[i + 5]), double.CreateTruncating(x[i + 6]), double.CreateTruncating(x[i + 7]));
            }
            if (squares)
            {
                a -= m;
                b -= m;
                lo += a * a;
                hi += b * b;
            }
            else
            {
                lo += a;
                hi += b;
            }
        }
        double s = ((lo[0] + lo[1]) + (lo[2] + lo[3])) + ((hi[0] + hi[1]) + (hi[2] + hi[3]));
        for (; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            if (squares)
            {
                v -= mu;
                v *= v;
            }
            s += v;
        }
        return s;
    }
}
