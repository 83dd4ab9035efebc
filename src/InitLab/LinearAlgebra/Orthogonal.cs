using System.Numerics;
using InitLab.Numerics;
using InitLab.Random;

namespace InitLab.LinearAlgebra;

/// <summary>
/// Haar-distributed (uniform on the Stiefel manifold) random matrices with orthonormal rows or columns.
/// </summary>
/// <remarks>
/// Algorithm (Mezzadri 2007, "How to generate random matrices from the classical compact groups", Notices AMS 54):
/// draw G with i.i.d. N(0, 1) entries, factor G = Q R by Householder QR, and multiply column k of Q by sign(R_kk).
/// The sign fix makes the factorization unique (R with a positive diagonal), which is what makes Q exactly Haar;
/// without it Q is biased. This is also what PyTorch's <c>orthogonal_</c> does (Saxe et al. 2014).
/// The factorization runs in double for both overloads; the float overload rounds the double result once.
/// </remarks>
public static class Orthogonal
{
    /// <summary>
    /// Fills <paramref name="q"/> (row-major, <paramref name="rows"/> x <paramref name="cols"/>) with a Haar-random
    /// matrix: orthonormal columns (Q^T Q = I) when rows &gt;= cols, orthonormal rows (Q Q^T = I) when rows &lt; cols.
    /// Consumes rows * cols double normals from <paramref name="generator"/>.
    /// </summary>
    /// <exception cref="ArgumentException">rows or cols is negative, or q.Length != rows * cols.</exception>
    public static void Sample(Generator generator, Span<float> q, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Validate(q.Length, rows, cols);
        double[] columns = SampleColumns(generator, rows, cols);
        Write(columns, rows, cols, q);
    }

    /// <summary>Double-precision overload; see <see cref="Sample(Generator, Span{float}, int, int)"/>.</summary>
    /// <exception cref="ArgumentException">rows or cols is negative, or q.Length != rows * cols.</exception>
    public static void Sample(Generator generator, Span<double> q, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Validate(q.Length, rows, cols);
        double[] columns = SampleColumns(generator, rows, cols);
        Write(columns, rows, cols, q);
    }

    private static void Validate(int length, int rows, int cols)
    {
        Guard.NonNegative(rows);
        Guard.NonNegative(cols);
        Guard.Length(length, (long)rows * cols, "q");
    }

    // Writes the n orthonormal columns (each of length m = max(rows, cols)) as rows x cols:
    // tall/square: q = Q; wide: q = Q^T (so the stored columns become the output rows).
    private static void Write<T>(double[] columns, int rows, int cols, Span<T> q) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows >= cols)
        {
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    q[i * cols + j] = T.CreateTruncating(columns[(long)j * rows + i]);
        }
        else
        {
            for (int i = 0; i < q.Length; i++) q[i] = T.CreateTruncating(columns[i]);
        }
    }

    /// <summary>The n = min(rows, cols) Haar-orthonormal columns of length m = max(rows, cols), column after column.</summary>
    internal static double[] SampleColumns(Generator generator, int rows, int cols)
    {
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        var a = new double[(long)m * n];
        if (a.Length == 0) return a;
        generator.Normal(a);
        var rDiag = new double[n];
        HouseholderQr(a, m, n, rDiag);
        return FormQ(a, m, n, rDiag);
    }

    // In-place Householder QR of the m x n matrix stored column-major in a (column j at a[j*m .. j*m+m)).
    // On return column k holds the unit Householder vector v_k in rows k..m-1 (H_k = I - 2 v_k v_k^T),
    // and rDiag[k] = R_kk. Golub & Van Loan, Matrix Computations, Algorithm 5.2.1.
    private static void HouseholderQr(double[] a, int m, int n, double[] rDiag)
    {
        for (int k = 0; k < n; k++)
        {
            var x = a.AsSpan(k * m + k, m - k);
            double norm = FixedOrder.Norm(x);
            // alpha = -sign(x0) ||x|| avoids cancellation in v0 = x0 - alpha.
            double alpha = x[0] >= 0 ? -norm : norm;
            rDiag[k] = alpha;
            x[0] -= alpha;
            double vNorm = FixedOrder.Norm(x);
            if (vNorm == 0)
            {
                // x is zero (probability 0 for Gaussian input): H_k = I, encoded as v = 0.
                rDiag[k] = 0;
                continue;
            }
            FixedOrder.Scale(x, 1.0 / vNorm);
            int k0 = k;
            ForColumns(k + 1, n, j => Reflect(a.AsSpan(k0 * m + k0, m - k0), a.AsSpan(j * m + k0, m - k0)));
        }
    }

    // Q = H_0 H_1 ... H_{n-1} [I_n; 0], then column k scaled by sign(R_kk) (1 when R_kk = 0).
    private static double[] FormQ(double[] reflectors, int m, int n, double[] rDiag)
    {
        var q = new double[(long)m * n];
        ForColumns(0, n, j =>
        {
            var col = q.AsSpan(j * m, m);
            col[j] = rDiag[j] < 0 ? -1.0 : 1.0;
            for (int k = Math.Min(j, n - 1); k >= 0; k--)
                Reflect(reflectors.AsSpan(k * m + k, m - k), col.Slice(k));
        });
        return q;
    }

    // y -= 2 v (v . y) for a unit (or zero) Householder vector v.
    private static void Reflect(ReadOnlySpan<double> v, Span<double> y)
    {
        double d = FixedOrder.Dot(v, y);
        if (d != 0) FixedOrder.Axpy(-2.0 * d, v, y);
    }

    // Runs body(j) for j in [start, end); columns are independent, so the thread count does not change any bit.
    private static void ForColumns(int start, int end, Action<int> body)
    {
        int count = end - start;
        if (count <= 0) return;
        if (count < 8)
        {
            for (int j = start; j < end; j++) body(j);
            return;
        }
        const int perTask = 4;
        Parallelism.For((count + perTask - 1) / perTask, t =>
        {
            int j1 = Math.Min(end, start + (t + 1) * perTask);
            for (int j = start + t * perTask; j < j1; j++) body(j);
        });
    }
}
