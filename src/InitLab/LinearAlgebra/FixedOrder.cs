using System.Runtime.Intrinsics;

namespace InitLab.LinearAlgebra;

/// <summary>
/// Level-1 vector kernels in double whose results do not depend on the SIMD width: a dot product
/// accumulates in four fixed lanes (element i goes to lane i mod 4), lanes are combined as
/// (l0 + l1) + (l2 + l3), and no fused multiply-add is used, so the vector and scalar paths give the same bits.
/// </summary>
internal static class FixedOrder
{
    /// <summary>sum_i x_i y_i in the fixed 4-lane order.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = Math.Min(x.Length, y.Length);
        int i = 0;
        double l0 = 0, l1 = 0, l2 = 0, l3 = 0;
        if (Vector256.IsHardwareAccelerated && n >= 4)
        {
            var acc = Vector256<double>.Zero;
            for (; i <= n - 4; i += 4)
                acc += Vector256.Create(x.Slice(i, 4)) * Vector256.Create(y.Slice(i, 4));
            l0 = acc[0]; l1 = acc[1]; l2 = acc[2]; l3 = acc[3];
        }
        else
        {
            for (; i <= n - 4; i += 4)
            {
                l0 += x[i] * y[i];
                l1 += x[i + 1] * y[i + 1];
                l2 += x[i + 2] * y[i + 2];
                l3 += x[i + 3] * y[i + 3];
            }
        }
        double s = (l0 + l1) + (l2 + l3);
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>Euclidean norm sqrt(x . x) (the fixed-order dot; no overflow scaling, fine for O(1)-scaled data).</summary>
    public static double Norm(ReadOnlySpan<double> x) => Math.Sqrt(Dot(x, x));

    /// <summary>y += s * x, element-wise (multiply then add, each exactly rounded).</summary>
    public static void Axpy(double s, ReadOnlySpan<double> x, Span<double> y)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && x.Length >= 4)
        {
            var vs = Vector256.Create(s);
            for (; i <= x.Length - 4; i += 4)
                (Vector256.Create((ReadOnlySpan<double>)y.Slice(i, 4)) + vs * Vector256.Create(x.Slice(i, 4))).CopyTo(y.Slice(i, 4));
        }
        for (; i < x.Length; i++) y[i] += s * x[i];
    }

    /// <summary>x *= s, element-wise.</summary>
    public static void Scale(Span<double> x, double s)
    {
        for (int i = 0; i < x.Length; i++) x[i] *= s;
    }
}
