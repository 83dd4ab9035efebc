using System.Numerics;

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

    /// <summary>Sum of a double-widened span in index order.</summary>
    public static double Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        foreach (var v in x) s += double.CreateTruncating(v);
        return s;
    }
}
