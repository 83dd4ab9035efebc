using System.Numerics;

namespace InitLab.Networks;

/// <summary>Element loops the ops share, and reductions in a fixed order.</summary>
internal static class Work
{
    /// <summary>Fewest elements per chunk of a threaded element-wise pass (smaller arrays run on the calling thread).</summary>
    public const int ChunkElements = 1 << 16;

    /// <summary>
    /// Runs <paramref name="body"/>(start, count) over [0, <paramref name="length"/>) in at most 64 contiguous chunks of at least
    /// <see cref="ChunkElements"/> elements, on up to <paramref name="threads"/> threads (1: one call on the calling thread). For an
    /// element-wise body the bits are those of one serial call.
    /// </summary>
    public static void ElementChunks(int length, int threads, Action<int, int> body)
    {
        int chunks = (int)Math.Min(64, ((long)length + ChunkElements - 1) / ChunkElements);
        if (chunks <= 1 || threads == 1)
        {
            body(0, length);
            return;
        }
        Parallelism.For(chunks, c =>
        {
            int start = (int)((long)length * c / chunks), end = (int)((long)length * (c + 1) / chunks);
            body(start, end - start);
        }, threads);
    }

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
