namespace InitLab.LinearAlgebra;

/// <summary>
/// The Q factor of a given tall matrix by Householder QR (LAPACK's geqr2 then org2r, unblocked), with column k
/// multiplied by sign(R_kk): the Q of the factorization A = Q R whose R has a positive diagonal, which is what
/// PyTorch's <c>orthogonal_</c> computes from <c>torch.linalg.qr</c> (<c>q *= torch.diag(r).sign()</c>).
/// </summary>
/// <remarks>
/// Reflector k maps x = A[k.., k] to beta e_1 with beta = -sign(x_0) ||x|| (no cancellation), H_k = I - tau v v^T,
/// v_0 = 1, tau = (beta - x_0) / beta; when x has nothing below its first entry H_k = I and R_kk = x_0 (LAPACK's dlarfg).
/// Runs in double with the fixed-order kernels of <see cref="FixedOrder"/>, so its bits do not depend on the SIMD width.
/// </remarks>
internal static class HouseholderQr
{
    /// <summary>
    /// Q with orthonormal columns, sign-fixed, of the row-major m x n matrix <paramref name="a"/> (m &gt;= n), returned
    /// row-major m x n. A column whose R_kk is exactly 0 comes out zero, as sign(0) = 0 makes it in PyTorch.
    /// </summary>
    public static double[] SignFixedQ(ReadOnlySpan<double> a, int m, int n)
    {
        if (m < n) throw new ArgumentException($"HouseholderQr needs rows >= cols, got {m} x {n}.", nameof(m));
        // Column-major copy: column j is cols[j*m .. j*m + m).
        var cols = new double[(long)m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) cols[(long)j * m + i] = a[i * n + j];
        var tau = new double[n];
        var sign = new double[n];
        for (int k = 0; k < n; k++)
        {
            var x = cols.AsSpan(k * m + k, m - k);
            double below = FixedOrder.Norm(x[1..]);
            if (below == 0)
            {
                tau[k] = 0;
                sign[k] = Math.Sign(x[0]);
                continue;
            }
            double alpha = x[0];
            double beta = -Math.CopySign(Hypot(alpha, below), alpha);
            tau[k] = (beta - alpha) / beta;
            FixedOrder.Scale(x[1..], 1 / (alpha - beta));
            x[0] = 1;                                   // v, with its implicit leading 1 stored for the updates
            for (int j = k + 1; j < n; j++)
            {
                var y = cols.AsSpan(j * m + k, m - k);
                FixedOrder.Axpy(-tau[k] * FixedOrder.Dot(x, y), x, y);
            }
            sign[k] = Math.Sign(beta);
        }
        // Q = H_0 ... H_(n-1) [I_n; 0], applied from the last reflector to the first (org2r).
        var q = new double[(long)m * n];
        for (int j = 0; j < n; j++) q[(long)j * m + j] = 1;
        for (int k = n - 1; k >= 0; k--)
        {
            if (tau[k] == 0) continue;
            var v = cols.AsSpan(k * m + k, m - k);
            for (int j = k; j < n; j++)
            {
                var y = q.AsSpan(j * m + k, m - k);
                FixedOrder.Axpy(-tau[k] * FixedOrder.Dot(v, y), v, y);
            }
        }
        var result = new double[(long)m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) result[(long)i * n + j] = q[(long)j * m + i] * sign[j];
        return result;
    }

    /// <summary>sqrt(a^2 + b^2) without overflow for the O(1)-scaled data here.</summary>
    private static double Hypot(double a, double b)
    {
        double s = Math.Max(Math.Abs(a), Math.Abs(b));
        if (s == 0) return 0;
        double x = a / s, y = b / s;
        return s * Math.Sqrt(x * x + y * y);
    }
}
