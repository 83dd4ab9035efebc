using InitLab.Numerics;

namespace InitLab.LinearAlgebra;

/// <summary>
/// Eigenvalues of real symmetric matrices: Householder reduction to tridiagonal form, then the implicit symmetric QR
/// iteration with Wilkinson shifts (Golub &amp; Van Loan, Matrix Computations, 4th ed., Algorithms 8.3.1 and 8.3.3).
/// O(4/3 n^3) for the reduction; eigenvalues only. Also the squared singular values of a rectangular matrix as the
/// eigenvalues of its smaller Gram matrix, which is how the spectral summary of a weight matrix is computed.
/// </summary>
/// <remarks>
/// The eigenvalues are backward stable: each is exact for a matrix within a few units of rounding times ||A|| of the
/// input. Through the Gram matrix, singular values below about 1e-8 sigma_max lose their relative accuracy (the large
/// ones, their count above a threshold and sum of squares do not).
/// </remarks>
public static class SymmetricEigen
{
    private const double Eps = 2.220446049250313e-16; // 2^-52

    /// <summary>The n eigenvalues of the symmetric row-major n x n matrix <paramref name="a"/>, in descending order.</summary>
    /// <remarks>Only the lower triangle is read.</remarks>
    /// <exception cref="ArgumentException">n is negative, a.Length != n * n, or a holds NaN or infinity.</exception>
    public static double[] Eigenvalues(ReadOnlySpan<double> a, int n)
    {
        Guard.NonNegative(n);
        Guard.Length(a.Length, (long)n * n, nameof(a));
        for (int i = 0; i < a.Length; i++)
            if (!double.IsFinite(a[i]))
                throw new ArgumentException($"a must hold finite numbers, got a[{i}] = {Guard.Fmt(a[i])}.", nameof(a));
        var work = new double[n * n];
        // Symmetrize from the lower triangle.
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
                work[(long)i * n + j] = work[(long)j * n + i] = a[i * n + j];
        var (d, e) = Tridiagonalize(work, n);
        TridiagonalQr(d, e);
        Array.Sort(d);
        Array.Reverse(d);
        return d;
    }

    /// <summary>
    /// The min(rows, cols) squared singular values of the row-major rows x cols matrix <paramref name="a"/>, in
    /// descending order: the eigenvalues of A^T A (rows &gt;= cols) or A A^T (rows &lt; cols), formed by <see cref="Gemm"/>
    /// in double.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension is negative, a.Length != rows * cols, or a holds NaN or infinity.</exception>
    public static double[] SquaredSingularValues(ReadOnlySpan<double> a, int rows, int cols)
    {
        Guard.NonNegative(rows);
        Guard.NonNegative(cols);
        Guard.Length(a.Length, (long)rows * cols, nameof(a));
        int n = Math.Min(rows, cols);
        if (n == 0) return [];
        for (int i = 0; i < a.Length; i++)
            if (!double.IsFinite(a[i]))
                throw new ArgumentException($"a must hold finite numbers, got a[{i}] = {Guard.Fmt(a[i])}.", nameof(a));
        var (d, e) = Tridiagonalize(Gram(a, rows, cols), n);
        TridiagonalQr(d, e);
        for (int i = 0; i < n; i++) d[i] = Math.Max(d[i], 0); // a Gram matrix is positive semidefinite; rounding may dip below 0
        Array.Sort(d);
        Array.Reverse(d);
        return d;
    }

    /// <summary>
    /// The smaller Gram matrix of the row-major rows x cols matrix A: A^T A (cols x cols) when rows &gt;= cols, else
    /// A A^T (rows x rows), by <see cref="Gemm"/> in double. Its eigenvalues are the squared singular values of A.
    /// </summary>
    internal static double[] Gram(ReadOnlySpan<double> a, int rows, int cols)
    {
        int n = Math.Min(rows, cols);
        var gram = new double[n * n];
        if (n == 0) return gram;
        if (rows >= cols) Gemm.Core(true, false, n, n, rows, 1.0, a, cols, a, cols, 0.0, gram, n);
        else Gemm.Core(false, true, n, n, cols, 1.0, a, cols, a, cols, 0.0, gram, n);
        return gram;
    }

    /// <summary>
    /// Householder reduction Q^T A Q = T (Golub &amp; Van Loan 8.3.1): for each column k, the reflector
    /// H = I - beta v v^T maps A[k+1.., k] to (alpha, 0, ..., 0), and the trailing block S becomes
    /// H S H = S - v w^T - w v^T with p = beta S v, w = p - (beta / 2)(v^T p) v. Destroys <paramref name="a"/>.
    /// </summary>
    private static (double[] Diagonal, double[] OffDiagonal) Tridiagonalize(double[] a, int n)
    {
        var d = new double[n];
        var e = new double[Math.Max(n - 1, 0)];
        var v = new double[n];
        var p = new double[n];
        for (int k = 0; k + 2 < n; k++)
        {
            int first = k + 1;
            double norm2 = 0;
            for (int i = first; i < n; i++) norm2 += a[(long)i * n + k] * a[(long)i * n + k];
            double x0 = a[(long)first * n + k];
            if (norm2 == 0)
            {
                d[k] = a[(long)k * n + k];
                e[k] = 0;
                continue;
            }
            // alpha takes the sign opposite to x0 so that v0 = x0 - alpha does not cancel.
            double alpha = x0 > 0 ? -Math.Sqrt(norm2) : Math.Sqrt(norm2);
            for (int i = first; i < n; i++) v[i] = a[(long)i * n + k];
            v[first] = x0 - alpha;
            double vv = norm2 - 2 * x0 * alpha + alpha * alpha;
            double beta = 2 / vv;
            // p = beta S v and K = (beta / 2) v^T p.
            int length = n - first;
            var vs = v.AsSpan(first, length);
            var ps = p.AsSpan(first, length);
            for (int i = first; i < n; i++) p[i] = beta * FixedOrder.Dot(a.AsSpan(i * n + first, length), vs);
            double kk = 0.5 * beta * FixedOrder.Dot(vs, ps);
            FixedOrder.Axpy(-kk, vs, ps); // p is now w
            for (int i = first; i < n; i++)
            {
                var row = a.AsSpan(i * n + first, length);
                FixedOrder.Axpy(-v[i], ps, row);
                FixedOrder.Axpy(-p[i], vs, row);
            }
            d[k] = a[(long)k * n + k];
            e[k] = alpha;
        }
        if (n >= 2)
        {
            d[n - 2] = a[(long)(n - 2) * n + n - 2];
            e[n - 2] = a[(long)(n - 1) * n + n - 2];
        }
        if (n >= 1) d[n - 1] = a[(long)(n - 1) * n + n - 1];
        return (d, e);
    }

    /// <summary>
    /// Implicit symmetric QR with the Wilkinson shift (Golub &amp; Van Loan 8.3.2-8.3.3) on the tridiagonal matrix with
    /// diagonal <paramref name="d"/> and off-diagonal <paramref name="e"/> (e[i] = T[i, i+1]); the eigenvalues replace d.
    /// An off-diagonal entry is set to zero once |e[i]| &lt;= eps (|d[i]| + |d[i+1]|).
    /// </summary>
    private static void TridiagonalQr(double[] d, double[] e)
    {
        int n = d.Length;
        int hi = n - 1, budget = 60 * Math.Max(n, 1);
        while (hi > 0)
        {
            if (Math.Abs(e[hi - 1]) <= double.Epsilon + Eps * (Math.Abs(d[hi - 1]) + Math.Abs(d[hi])))
            {
                e[hi - 1] = 0;
                hi--;
                continue;
            }
            int lo = hi - 1;
            while (lo > 0 && Math.Abs(e[lo - 1]) > double.Epsilon + Eps * (Math.Abs(d[lo - 1]) + Math.Abs(d[lo]))) lo--;
            if (lo > 0) e[lo - 1] = 0;
            if (--budget < 0)
                throw new InvalidOperationException("the symmetric QR iteration did not converge (60 n steps).");
            QrStep(d, e, lo, hi);
        }
    }

    /// <summary>One implicit QR step with Wilkinson shift on the unreduced block lo..hi: a bulge chased down by Givens rotations.</summary>
    private static void QrStep(double[] d, double[] e, int lo, int hi)
    {
        // Wilkinson shift: the eigenvalue of the trailing 2 x 2 block closer to d[hi].
        double delta = 0.5 * (d[hi - 1] - d[hi]);
        double b2 = e[hi - 1] * e[hi - 1];
        double denominator = delta + (delta >= 0 ? 1 : -1) * Math.Sqrt(delta * delta + b2);
        double mu = d[hi] - b2 / denominator;
        double x = d[lo] - mu, z = e[lo];
        for (int k = lo; k < hi; k++)
        {
            double r = double.Hypot(x, z);
            double c = r == 0 ? 1 : x / r, s = r == 0 ? 0 : -z / r;
            if (k > lo) e[k - 1] = r;
            // G^T B G on the 2 x 2 block [[p, q], [q, t]] with G = [[c, s], [-s, c]].
            double p = d[k], q = e[k], t = d[k + 1];
            d[k] = c * c * p - 2 * c * s * q + s * s * t;
            d[k + 1] = s * s * p + 2 * c * s * q + c * c * t;
            e[k] = c * s * (p - t) + q * (c * c - s * s);
            if (k + 1 < hi)
            {
                double w = e[k + 1];
                z = -s * w;       // the bulge at (k, k + 2)
                e[k + 1] = c * w;
                x = e[k];
            }
        }
    }
}
