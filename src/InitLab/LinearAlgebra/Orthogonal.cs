using System.Buffers;
using System.Runtime.CompilerServices;
using System.Numerics;
using InitLab.Numerics;
using InitLab.Random;

namespace InitLab.LinearAlgebra;

/// <summary>
/// Haar-distributed (uniform on the Stiefel manifold) random matrices with orthonormal rows or columns.
/// </summary>
/// <remarks>
/// Distribution (Mezzadri 2007, "How to generate random matrices from the classical compact groups", Notices AMS 54):
/// draw G with i.i.d. N(0, 1) entries, factor G = Q R by Householder QR, and multiply column k of Q by sign(R_kk).
/// The sampler produces this distribution by Stewart's (1980) shortcut, a product of random Householder reflections
/// accumulated in blocked (WY) form through GEMM (see <see cref="SampleTall"/>).
/// The sign fix makes the factorization unique (R with a positive diagonal), which is what makes Q exactly Haar;
/// without it Q is biased. This is also what PyTorch's <c>orthogonal_</c> does (Saxe et al. 2014).
/// The factorization runs in double for both overloads; the float overload rounds the double result once.
/// </remarks>
public static class Orthogonal
{
    /// <summary>
    /// Fills <paramref name="q"/> (row-major, <paramref name="rows"/> x <paramref name="cols"/>) with a Haar-random
    /// matrix: orthonormal columns (Q^T Q = I) when rows &gt;= cols, orthonormal rows (Q Q^T = I) when rows &lt; cols.
    /// Consumes rows * cols float normals from <paramref name="generator"/>.
    /// </summary>
    /// <param name="generator">The random generator; sampling advances it.</param>
    /// <param name="q">The rows x cols result, row-major.</param>
    /// <param name="rows">Rows of Q.</param>
    /// <param name="cols">Columns of Q.</param>
    /// <param name="threads">Threads the sampler may use: 0 = all cores, 1 = serial; the bits are the same for every value.</param>
    /// <exception cref="ArgumentException">rows or cols is negative, q.Length != rows * cols, or threads is negative.</exception>
    public static void Sample(Generator generator, Span<float> q, int rows, int cols, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Validate(q.Length, rows, cols, threads);
        double[] tall = SampleTall(generator, rows, cols, threads);
        Write(tall, rows, cols, q);
        Return(tall);
    }

    /// <summary>Double-precision overload; see <see cref="Sample(Generator, Span{float}, int, int, int)"/>.</summary>
    /// <exception cref="ArgumentException">rows or cols is negative, q.Length != rows * cols, or threads is negative.</exception>
    public static void Sample(Generator generator, Span<double> q, int rows, int cols, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Validate(q.Length, rows, cols, threads);
        double[] tall = SampleTall(generator, rows, cols, threads);
        Write(tall, rows, cols, q);
        Return(tall);
    }

    private static void Validate(int length, int rows, int cols, int threads)
    {
        Guard.NonNegative(rows);
        Guard.NonNegative(cols);
        Guard.Length(length, (long)rows * cols, "q");
        Guard.Threads(threads);
    }

    // Writes the row-major m x n matrix Q with orthonormal columns (m = max(rows, cols), n = min) as rows x cols:
    // tall/square: q = Q; wide: q = Q^T (so its columns become the output rows).
    private static void Write<T>(double[] tall, int rows, int cols, Span<T> q) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows >= cols)
        {
            for (int i = 0; i < q.Length; i++) q[i] = T.CreateTruncating(tall[i]);
        }
        else
        {
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    q[i * cols + j] = T.CreateTruncating(tall[(long)j * rows + i]);
        }
    }

    /// <summary>Reflectors per compact-WY block: large enough that the rank-nb updates run at GEMM speed, small enough
    /// that forming T (O(n^2 nb) flops) stays a few percent of the work.</summary>
    internal const int BlockSize = 128;

    private static void Return<T>(T[] a) where T : unmanaged
    {
        if (a.Length > 0) ArrayPool<T>.Shared.Return(a);
    }

    /// <summary>A Haar-random m x n matrix with orthonormal columns (m = max(rows, cols), n = min), row-major, in the first
    /// m n elements of an array rented from <see cref="ArrayPool{T}.Shared"/> (the caller returns it). Every work array is
    /// rented too: at n = 2048 they are 100 MB, which fresh arrays would page-fault in on every call.</summary>
    /// <remarks>
    /// Stewart (1980), "The efficient generation of random orthogonal matrices with an application to condition
    /// estimators", SIAM J. Numer. Anal. 17: in Householder QR of a Gaussian G, the trailing columns after k reflections
    /// are again i.i.d. Gaussian (rotation invariance), so reflector k can be built from the fresh Gaussian vector
    /// G[k.., k] directly, without applying the earlier reflectors to G. Then Q = H_0 H_1 ... H_{n-1} [I_n; 0] D with
    /// D = diag(sign R_kk) has the same (Haar) distribution as Mezzadri's sign-fixed QR factor, at half the work.
    /// Q is accumulated backwards in blocks of <see cref="BlockSize"/> reflectors in compact WY form,
    /// H_k0 ... H_k0+b-1 = I - V T V^T (Schreiber and Van Loan 1989), so the flops go through <see cref="Gemm"/>.
    /// </remarks>
    internal static double[] SampleTall(Generator generator, int rows, int cols, int threads = 0)
    {
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        if ((long)m * n == 0) return [];
        // The Gaussian draws only set directions, so float normals (the fast SIMD fill) are used, in double from here on.
        int mn = checked(m * n);
        var g = ArrayPool<float>.Shared.Rent(mn);
        generator.Normal(g.AsSpan(0, mn), threads);
        var x = new double[m];

        // Reflector k: v_k = (x - alpha e_1) / ||x - alpha e_1|| from x = G[k.., k] (column-major), alpha = -sign(x_0) ||x||
        // (no cancellation), stored as row k of vt (n x m row-major, i.e. V column-major), zero left of column k;
        // R_kk = alpha.
        var vt = ArrayPool<double>.Shared.Rent(mn);
        var tau = new double[n];
        var sign = new double[n];
        for (int k = 0; k < n; k++)
        {
            var xk = x.AsSpan(0, m - k);
            var src = g.AsSpan(k * m + k, m - k);
            for (int i = 0; i < xk.Length; i++) xk[i] = src[i];
            double norm = FixedOrder.Norm(xk);
            double alpha = xk[0] >= 0 ? -norm : norm;
            sign[k] = alpha < 0 ? -1.0 : 1.0;
            xk[0] -= alpha;
            double vNorm = FixedOrder.Norm(xk);
            // x = 0 has probability 0 for Gaussian input; then H_k = I (tau = 0).
            tau[k] = vNorm == 0 ? 0.0 : 2.0;
            double scale = vNorm == 0 ? 0.0 : 1.0 / vNorm;
            var row = vt.AsSpan(k * m + k, m - k);
            for (int i = 0; i < row.Length; i++) row[i] = xk[i] * scale;
            // The block's GEMMs read row k from the block's first column k0 on: its entries left of k are zero.
            int k0 = k / BlockSize * BlockSize;
            vt.AsSpan(k * m + k0, k - k0).Clear();
        }
        Return(g);

        // Q = [I_n; 0] D (row-major m x n), then for blocks from last to first Q[k0.., k0..] = (I - V T V^T) Q[k0.., k0..]:
        // rows above k0 of those columns are zero and stay so, and columns left of k0 are unit vectors with zeros in
        // rows k0.., which these reflectors do not touch. The large operand Q is always GEMM's row-major B operand.
        var q = ArrayPool<double>.Shared.Rent(mn);
        q.AsSpan(0, mn).Clear();
        for (int j = 0; j < n; j++) q[(long)j * n + j] = sign[j];
        int b0 = Math.Min(BlockSize, n);
        var gram = new double[b0 * b0];
        var t = new double[b0 * b0];
        var w = ArrayPool<double>.Shared.Rent(b0 * n);
        var w2 = ArrayPool<double>.Shared.Rent(b0 * n);
        for (int k0 = (n - 1) / BlockSize * BlockSize; k0 >= 0; k0 -= BlockSize)
        {
            int b = Math.Min(BlockSize, n - k0), len = m - k0, width = n - k0;
            ReadOnlySpan<double> vb = vt.AsSpan((int)((long)k0 * m + k0));      // V^T of the block: b x len, stride m
            Span<double> qs = q.AsSpan((int)((long)k0 * n + k0));               // len x width, stride n
            Gemm.Core(false, true, b, b, len, 1.0, vb, m, vb, m, 0.0, gram, b, threads);
            FormT(gram, tau.AsSpan(k0, b), t, b);
            Gemm.Core(false, false, b, width, len, 1.0, vb, m, qs, n, 0.0, w, width, threads);     // W = V^T Q
            Gemm.Core(false, false, b, width, b, 1.0, t, b, w, width, 0.0, w2, width, threads);    // W2 = T W
            Gemm.Core(true, false, len, width, b, -1.0, vb, m, w2, width, 1.0, qs, n, threads);    // Q -= V W2
        }
        Return(vt);
        Return(w);
        Return(w2);
        return q;
    }

    // Upper-triangular T of the compact WY form H_0 ... H_{b-1} = I - V T V^T, H_j = I - tau_j v_j v_j^T, from the
    // Gram matrix S = V^T V: T_jj = tau_j, T[0..j, j] = -tau_j T[0..j, 0..j] S[0..j, j] (LAPACK dlarft, forward).
[MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FormT(ReadOnlySpan<double> gram, ReadOnlySpan<double> tau, Span<double> t, int b)
    {
        t[..(b * b)].Clear();
        for (int j = 0; j < b; j++)
        {
            t[j * b + j] = tau[j];
            for (int i = 0; i < j; i++)
            {
                double s = 0;
                for (int l = i; l < j; l++) s += t[i * b + l] * gram[l * b + j];
                t[i * b + j] = -tau[j] * s;
            }
        }
    }
}
