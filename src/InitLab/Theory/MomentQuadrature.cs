namespace InitLab.Theory;

/// <summary>
/// A law on the real line held as its K-point Gauss rule: nodes z_k and weights w_k with sum w_k z_k^r = E[Z^r] for r &lt;= 2K - 1
/// (Golub &amp; Welsch 1969: the recurrence coefficients of the orthogonal polynomials from the Cholesky factor of the moments'
/// Hankel matrix, the nodes as eigenvalues of the Jacobi matrix). Expectations of functions that a polynomial of degree 2K - 1
/// approximates well are then accurate to that approximation: the moment engine keeps the law of a sum of independent
/// non-Gaussian parts this way, exact in its first 2K - 1 moments.
/// </summary>
public static class MomentQuadrature
{
    /// <summary>The rule of a standardized law (mean 0, variance 1) from its moments E[Z^r], r = 0..2K-1 (moments[0] = 1).</summary>
    /// <remarks>Falls back to fewer points when the Hankel matrix is not numerically positive definite (a law with few support
    /// points, or rounding in high moments): the rule then matches fewer moments.</remarks>
    /// <exception cref="ArgumentException">Fewer than two moments, or a non-positive zeroth moment.</exception>
    public static (double[] Nodes, double[] Weights) FromMoments(IReadOnlyList<double> moments)
    {
        ArgumentNullException.ThrowIfNull(moments);
        if (moments.Count < 2 || !(moments[0] > 0))
            throw new ArgumentException($"moments needs at least E[Z^0] > 0 and E[Z], got {moments.Count} value(s).", nameof(moments));
        for (int k = moments.Count / 2; k >= 1; k--)
            if (TryRule(moments, k) is { } rule) return rule;
        return ([moments[1] / moments[0]], [1]);
    }

    private static (double[], double[])? TryRule(IReadOnlyList<double> mu, int k)
    {
        if (k == 1) return ([mu[1] / mu[0]], [1]);
        // Rows 0..k-1 of the Cholesky factor R of the Hankel matrix H_ij = mu[i + j] (entries up to mu[2k - 1]); R and the Jacobi
        // matrix in flat row-major arrays (the arithmetic of the two-dimensional ones, element for element: the same bits).
        int w = k + 1;
        var r = new double[k * w];
        for (int i = 0; i < k; i++)
        {
            double s = mu[2 * i];
            for (int l = 0; l < i; l++) s -= r[l * w + i] * r[l * w + i];
            if (!(s > 1e-12 * Math.Abs(mu[2 * i]))) return null;
            r[i * w + i] = Math.Sqrt(s);
            for (int j = i + 1; j <= k; j++)
            {
                double t = mu[i + j];
                for (int l = 0; l < i; l++) t -= r[l * w + i] * r[l * w + j];
                r[i * w + j] = t / r[i * w + i];
            }
        }
        // alpha_j = r[j, j+1]/r[j, j] - r[j-1, j]/r[j-1, j-1]; beta_j = r[j+1, j+1]/r[j, j] (Golub & Welsch 1969, eq. 4.3).
        var jacobi = new double[k * k];
        for (int j = 0; j < k; j++)
        {
            jacobi[j * k + j] = r[j * w + j + 1] / r[j * w + j] - (j > 0 ? r[(j - 1) * w + j] / r[(j - 1) * w + j - 1] : 0);
            if (j + 1 < k) jacobi[j * k + j + 1] = jacobi[(j + 1) * k + j] = r[(j + 1) * w + j + 1] / r[j * w + j];
        }
        var (values, vectors) = SymmetricEigen(jacobi, k);
        var weights = new double[k];
        for (int i = 0; i < k; i++)
        {
            weights[i] = mu[0] * vectors[i] * vectors[i];
            if (!double.IsFinite(values[i]) || !double.IsFinite(weights[i])) return null;
        }
        return (values, weights);
    }

    /// <summary>
    /// Eigenvalues and eigenvectors of a small symmetric n x n matrix (row-major <paramref name="matrix"/>, not modified) by cyclic
    /// Jacobi rotations; the vectors are the columns of the returned row-major n x n array.
    /// </summary>
    internal static (double[] Values, double[] Vectors) SymmetricEigen(double[] matrix, int n)
    {
        var a = (double[])matrix.Clone();
        var v = new double[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            if (off < 1e-30) break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    if (Math.Abs(a[p * n + q]) < 1e-300) continue;
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q]);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k * n + p], vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
        }
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = a[i * n + i];
        return (values, v);
    }

    /// <summary>
    /// E[Y^r 1{Y &gt; 0}] for Y ~ N(mu, sigma^2), r = 0..maxPower, by the recursion of the truncated normal:
    /// M_r = mu M_(r-1) + (r - 1) sigma^2 M_(r-2) (+ sigma phi(mu/sigma) for r = 1), M_0 = Phi(mu/sigma).
    /// </summary>
    public static double[] PositivePartMoments(double mu, double sigma, int maxPower)
    {
        var m = new double[maxPower + 1];
        PositivePartMoments(mu, sigma, m);
        return m;
    }

    /// <summary><see cref="PositivePartMoments(double, double, int)"/> into <paramref name="m"/> (r = 0..m.Length - 1), allocating nothing.</summary>
    internal static void PositivePartMoments(double mu, double sigma, Span<double> m)
    {
        int maxPower = m.Length - 1;
        if (sigma == 0)
        {
            for (int r = 0; r <= maxPower; r++) m[r] = mu > 0 ? Math.Pow(mu, r) : 0;
            return;
        }
        double a = mu / sigma;
        m[0] = Numerics.FastNormal.Cdf(a, out double pdf);
        if (maxPower >= 1) m[1] = mu * m[0] + sigma * pdf;
        for (int r = 2; r <= maxPower; r++) m[r] = mu * m[r - 1] + (r - 1) * sigma * sigma * m[r - 2];
    }
}
