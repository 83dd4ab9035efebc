using System.Numerics;
using InitLab.LinearAlgebra;

namespace InitLab.Tensors;

/// <summary>Matrix products and the element-wise operations the experiments need.</summary>
public static class TensorMath
{
    /// <summary>
    /// Matrix product: (m x k) @ (k x n) gives m x n; (m x k) @ (k,) gives the vector (m,).
    /// Optional transposes apply to the stored matrices (op(A) @ op(B)). The product uses up to <paramref name="threads"/>
    /// threads (0 = all cores); the result is the same for every value.
    /// </summary>
    /// <exception cref="ArgumentException">The inner dimensions differ, a rank is not 1 or 2, or threads is negative.</exception>
    public static DenseTensor<T> MatMul<T>(DenseTensor<T> a, DenseTensor<T> b, bool transposeA = false, bool transposeB = false, int threads = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        InitLab.Numerics.Guard.Threads(threads);
        if (a.Shape.Rank != 2)
            throw new ArgumentException($"a must be a matrix, got shape {a.Shape}.", nameof(a));
        int m = transposeA ? a.Shape[1] : a.Shape[0];
        int k = transposeA ? a.Shape[0] : a.Shape[1];
        bool vector = b.Shape.Rank == 1;
        if (!vector && b.Shape.Rank != 2)
            throw new ArgumentException($"b must be a matrix or a vector, got shape {b.Shape}.", nameof(b));
        int kb = vector ? b.Shape[0] : (transposeB ? b.Shape[1] : b.Shape[0]);
        int n = vector ? 1 : (transposeB ? b.Shape[0] : b.Shape[1]);
        if (kb != k)
            throw new ArgumentException($"inner dimensions differ: op(a) is {m} x {k}, op(b) has {kb} rows (a {a.Shape}, b {b.Shape}).", nameof(b));
        var c = vector ? DenseTensor<T>.Zeros(m) : DenseTensor<T>.Zeros(m, n);
        MatMulInto(a.Data, a.Shape[1], transposeA, b.Data, vector ? 1 : b.Shape[1], transposeB && !vector, c.Data, m, n, k, threads);
        return c;
    }

    /// <summary>C = op(A) @ op(B) into <paramref name="c"/> (m x n, stride n), through <see cref="Gemm"/>.</summary>
    internal static void MatMulInto<T>(ReadOnlySpan<T> a, int lda, bool ta, ReadOnlySpan<T> b, int ldb, bool tb,
        Span<T> c, int m, int n, int k, int threads = 0) where T : unmanaged, IFloatingPointIeee754<T>
        => Gemm.Core(ta, tb, m, n, k, T.One, a, Math.Max(lda, 1), b, Math.Max(ldb, 1), T.Zero, c, Math.Max(n, 1), threads);

    /// <summary>x *= s, element-wise.</summary>
    public static void Scale<T>(Span<T> x, T s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var vs = new Vector<T>(s);
            for (; i <= x.Length - Vector<T>.Count; i += Vector<T>.Count)
                (new Vector<T>(x.Slice(i)) * vs).CopyTo(x.Slice(i));
        }
        for (; i < x.Length; i++) x[i] *= s;
    }

    /// <summary>x = max(x, 0), element-wise; NaN stays NaN (as torch.relu).</summary>
    public static void Relu<T>(Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
            if (x[i] < T.Zero) x[i] = T.Zero;
    }

    /// <summary>x = min(max(x, low), high), element-wise; NaN stays NaN.</summary>
    public static void Clamp<T>(Span<T> x, T low, T high) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (T.IsNaN(low) || T.IsNaN(high) || low > high)
            throw new ArgumentException($"low must be <= high, got low = {low} and high = {high}.", nameof(low));
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] < low) x[i] = low;
            else if (x[i] > high) x[i] = high;
        }
    }
}
