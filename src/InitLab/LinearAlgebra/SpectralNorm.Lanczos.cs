using System.Numerics;
using InitLab.Numerics;
using InitLab.Random;

namespace InitLab.LinearAlgebra;

public static partial class SpectralNorm
{
    /// <summary>
    /// Estimates sigma_max(A) by Golub-Kahan-Lanczos bidiagonalization (Golub and Kahan 1965) with full
    /// reorthogonalization, from a random unit start vector v_1 drawn from <paramref name="generator"/>:
    /// u_j = (A v_j - beta_(j-1) u_(j-1)) / alpha_j, v_(j+1) = (A^T u_j - alpha_j v_j) / beta_j, so that
    /// A V_k = U_k B_k with B_k upper bidiagonal (alpha on the diagonal, beta above it). The estimate is theta, the largest
    /// singular value of B_k (never above sigma_max), with left singular vector p.
    /// </summary>
    /// <remarks>
    /// Convergence test: with u = U_k p and v = V_k q (q = B_k^T p / theta), A v = theta u exactly and
    /// A^T u = theta v + beta_k p_k v_(k+1), so [u; v] / sqrt(2) is an approximate eigenvector of [[0, A], [A^T, 0]] with
    /// residual norm beta_k |p_k| / sqrt(2); by the Bauer-Fike theorem a singular value of A lies within that distance of
    /// theta. The iteration stops when beta_k |p_k| &lt;= relativeTolerance * theta. Lanczos needs far fewer matrix
    /// passes than power iteration when the top singular values are close (random matrices: sigma_2 / sigma_1 near 1):
    /// its error falls with the Chebyshev rate of sqrt(gap) instead of gap. Each iteration reads A twice (A v, A^T u);
    /// the products run in the precision of A through <see cref="Gemm"/>, the Lanczos vectors in double.
    /// </remarks>
    /// <exception cref="ArgumentException">A dimension is not positive, a.Length != rows * cols, a holds NaN or
    /// infinity, relativeTolerance is not in (0, 1), maxIterations &lt; 1, or threads is negative.</exception>
    public static SpectralNormEstimate Lanczos(ReadOnlySpan<float> a, int rows, int cols, Generator generator,
        double relativeTolerance = 1e-6, int maxIterations = DefaultMaxIterations, int threads = 0) =>
        LanczosCore(a, rows, cols, generator, relativeTolerance, maxIterations, threads);

    /// <summary>Double-precision overload of <see cref="Lanczos(ReadOnlySpan{float}, int, int, Generator, double, int, int)"/>.</summary>
    /// <exception cref="ArgumentException">As the float overload.</exception>
    public static SpectralNormEstimate Lanczos(ReadOnlySpan<double> a, int rows, int cols, Generator generator,
        double relativeTolerance = 1e-6, int maxIterations = DefaultMaxIterations, int threads = 0) =>
        LanczosCore(a, rows, cols, generator, relativeTolerance, maxIterations, threads);

    private static SpectralNormEstimate LanczosCore<T>(ReadOnlySpan<T> a, int rows, int cols, Generator generator,
        double relativeTolerance, int maxIterations, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateIteration(a.Length, rows, cols, generator, relativeTolerance, maxIterations, threads);
        for (int i = 0; i < a.Length; i++)
            if (!T.IsFinite(a[i]))
                throw new ArgumentException($"a must hold finite numbers, got a[{i}] = {a[i]}.", nameof(a));

        // In exact arithmetic one of the two Krylov spaces is exhausted (alpha or beta = 0) within min(rows, cols) + 1 steps.
        int limit = Math.Min(maxIterations, Math.Min(rows, cols) + 1);
        var us = new List<double[]>();
        var vs = new List<double[]>();
        var alphas = new List<double>();
        var betas = new List<double>();
        var xt = new T[Math.Max(rows, cols)];
        var yt = new T[Math.Max(rows, cols)];

        var v = new double[cols];
        generator.Normal(v, threads);
        FixedOrder.Scale(v, 1.0 / FixedOrder.Norm(v));
        vs.Add(v);

        double theta = 0;
        double[] p = [];
        for (int j = 0; j < limit; j++)
        {
            // u = A v_j - beta_(j-1) u_(j-1), orthogonalized against all u (twice: "twice is enough", Parlett).
            var u = new double[rows];
            MatVec(false, a, rows, cols, vs[j], u, xt, yt, threads);
            if (j > 0) FixedOrder.Axpy(-betas[j - 1], us[j - 1], u);
            Reorthogonalize(u, us);
            double alpha = FixedOrder.Norm(u);
            if (alpha == 0)
            {
                if (j == 0)
                {
                    // A v_1 = 0 for a random v_1 means A = 0 with probability 1.
                    u[0] = 1;
                    return new SpectralNormEstimate(0, u, vs[0], 1, true);
                }
                // The u-space is exhausted: A V_(j+1) = U_j [B_j, beta_j e_j], whose top singular value is exact.
                (theta, p) = TopSingularTriplet(alphas, betas, closeWithLastBeta: true);
                return Result(theta, p, alphas, betas, us, vs, j, true);
            }
            FixedOrder.Scale(u, 1.0 / alpha);
            us.Add(u);
            alphas.Add(alpha);

            // w = A^T u_j - alpha_j v_j, orthogonalized against all v.
            var w = new double[cols];
            MatVec(true, a, rows, cols, u, w, xt, yt, threads);
            FixedOrder.Axpy(-alpha, vs[j], w);
            Reorthogonalize(w, vs);
            double beta = FixedOrder.Norm(w);
            betas.Add(beta);

            (theta, p) = TopSingularTriplet(alphas, betas);
            if (beta * Math.Abs(p[^1]) <= relativeTolerance * theta || beta == 0)
                return Result(theta, p, alphas, betas, us, vs, j + 1, true);
            FixedOrder.Scale(w, 1.0 / beta);
            vs.Add(w);
        }
        (theta, p) = TopSingularTriplet(alphas, betas);
        return Result(theta, p, alphas, betas, us, vs, alphas.Count, false);
    }

    private static SpectralNormEstimate Result(double theta, double[] p, List<double> alphas, List<double> betas,
        List<double[]> us, List<double[]> vs, int iterations, bool converged)
    {
        int k = p.Length;
        var u = new double[us[0].Length];
        var v = new double[vs[0].Length];
        for (int i = 0; i < k; i++)
        {
            FixedOrder.Axpy(p[i], us[i], u);
            // q = B^T p / theta: (B^T p)_i = alpha_i p_i + beta_(i-1) p_(i-1).
            double qi = theta == 0 ? 0 : (alphas[i] * p[i] + (i > 0 ? betas[i - 1] * p[i - 1] : 0)) / theta;
            FixedOrder.Axpy(qi, vs[i], v);
        }
        // The k x (k + 1) form [B_k, beta_k e_k] of an exhausted u-space adds beta_k p_k / theta on v_(k+1).
        if (vs.Count > k && theta != 0) FixedOrder.Axpy(betas[k - 1] * p[k - 1] / theta, vs[k], v);
        FixedOrder.Scale(u, 1.0 / FixedOrder.Norm(u));
        double vNorm = FixedOrder.Norm(v);
        if (vNorm > 0) FixedOrder.Scale(v, 1.0 / vNorm);
        return new SpectralNormEstimate(theta, u, v, iterations, converged);
    }

    // y = A x (or A^T x) through GEMM in the precision of A.
    private static void MatVec<T>(bool transpose, ReadOnlySpan<T> a, int rows, int cols, double[] x, double[] y, T[] xt, T[] yt, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inLength = transpose ? rows : cols, outLength = transpose ? cols : rows;
        for (int i = 0; i < inLength; i++) xt[i] = T.CreateTruncating(x[i]);
        Gemm.Core(transpose, false, outLength, 1, inLength, T.One, a, cols, xt, 1, T.Zero, yt, 1, threads);
        for (int i = 0; i < outLength; i++) y[i] = double.CreateTruncating(yt[i]);
    }

    private static void Reorthogonalize(double[] x, List<double[]> basis)
    {
        for (int pass = 0; pass < 2; pass++)
            foreach (var b in basis)
                FixedOrder.Axpy(-FixedOrder.Dot(b, x), b, x);
    }

    /// <summary>
    /// The largest singular value theta of the k x k upper bidiagonal B (diagonal alphas, superdiagonal betas[0..k-2]),
    /// or of the k x (k + 1) matrix [B, beta_(k-1) e_k] when <paramref name="closeWithLastBeta"/>, and its unit left
    /// singular vector p, from the tridiagonal T = B B^T: lambda_max by Sturm-sequence bisection
    /// (Golub and Van Loan 8.4.1), p by inverse iteration with a shift just above lambda_max, where mu I - T is
    /// positive definite so the tridiagonal elimination needs no pivoting.
    /// </summary>
    internal static (double Theta, double[] P) TopSingularTriplet(IReadOnlyList<double> alphas, IReadOnlyList<double> betas,
        bool closeWithLastBeta = false)
    {
        int k = alphas.Count;
        var d = new double[k];
        var e = new double[Math.Max(0, k - 1)];
        for (int i = 0; i < k; i++)
            d[i] = alphas[i] * alphas[i] + (i < k - 1 || closeWithLastBeta ? betas[i] * betas[i] : 0);
        for (int i = 0; i < k - 1; i++) e[i] = betas[i] * alphas[i + 1];

        double hi = 0;
        for (int i = 0; i < k; i++)
            hi = Math.Max(hi, d[i] + (i > 0 ? Math.Abs(e[i - 1]) : 0) + (i < k - 1 ? Math.Abs(e[i]) : 0));
        double lo = 0;
        for (int iteration = 0; iteration < 200 && hi - lo > 4 * double.Epsilon + 1e-16 * hi; iteration++)
        {
            double mid = 0.5 * (lo + hi);
            if (CountBelow(d, e, mid) == k) hi = mid;
            else lo = mid;
        }
        double lambda = hi;

        double mu = lambda * (1 + 1e-12) + double.Epsilon;
        var p = new double[k];
        Array.Fill(p, 1.0);
        var diag = new double[k];
        for (int step = 0; step < 3; step++)
        {
            // Solve (mu I - T) x = p by elimination (Thomas), then normalize.
            for (int i = 0; i < k; i++) diag[i] = mu - d[i];
            var rhs = (double[])p.Clone();
            for (int i = 1; i < k; i++)
            {
                double f = -e[i - 1] / diag[i - 1];
                diag[i] -= f * -e[i - 1];
                rhs[i] -= f * rhs[i - 1];
            }
            p[k - 1] = rhs[k - 1] / diag[k - 1];
            for (int i = k - 2; i >= 0; i--) p[i] = (rhs[i] + e[i] * p[i + 1]) / diag[i];
            double norm = 0;
            for (int i = 0; i < k; i++) norm += p[i] * p[i];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < k; i++) p[i] /= norm;
        }
        return (Math.Sqrt(lambda), p);
    }

    // Number of eigenvalues of the symmetric tridiagonal (d, e) below x: negative pivots of the LDL^T of T - x I.
    private static int CountBelow(double[] d, double[] e, double x)
    {
        int count = 0;
        double q = 1;
        for (int i = 0; i < d.Length; i++)
        {
            q = d[i] - x - (i > 0 ? e[i - 1] * e[i - 1] / q : 0);
            if (q == 0) q = -1e-300;
            if (q < 0) count++;
        }
        return count;
    }
}
