using InitLab.Numerics;
using InitLab.Random;

namespace InitLab.LinearAlgebra;

/// <summary>
/// The spectral norm sigma_max(A) = max_{||x|| = 1} ||A x|| of a row-major rows x cols matrix: an estimate by
/// power iteration, normalization to a target spectral norm (Miyato et al. 2018, "Spectral Normalization for
/// Generative Adversarial Networks"), and an exact value through a one-sided Jacobi SVD for verification.
/// </summary>
/// <remarks>
/// Power iteration keeps the invariant of PyTorch's <c>spectral_norm</c>: u = normalize(A v), v = normalize(A^T u),
/// sigma = u^T A v. All arithmetic is in double, in an order that does not depend on the thread count or SIMD width.
/// </remarks>
public static partial class SpectralNorm
{
    /// <summary>The default iteration limit of <see cref="PowerIteration(ReadOnlySpan{double}, int, int, Generator, double, int, int)"/>.</summary>
    public const int DefaultMaxIterations = 10_000;

    /// <summary>
    /// Estimates sigma_max(A) by power iteration on A^T A from a random unit start vector v0 (drawn from
    /// <paramref name="generator"/>): w = A v, sigma = ||w||, u = w / sigma, v = A^T u / ||A^T u||.
    /// </summary>
    /// <remarks>
    /// The estimates increase monotonically towards sigma_max, and their error shrinks by about
    /// r = (sigma_2 / sigma_1)^2 per step, so a small change per step can hide a larger remaining error when the top
    /// singular values are close. The stopping test therefore extrapolates the geometric tail (Aitken): it stops
    /// when delta_k * max(1, r_k / (1 - r_k)) &lt;= relativeTolerance * sigma_k, with delta_k the change of sigma in
    /// step k and r_k = delta_k / delta_{k-1}. A zero matrix gives sigma = 0 after one step.
    /// The matrix-vector products may use up to <c>threads</c> threads (0 = all cores, 1 = serial); the result is
    /// bit-identical for every value.
    /// </remarks>
    /// <exception cref="ArgumentException">A dimension is not positive, a.Length != rows * cols, a holds NaN or
    /// infinity, relativeTolerance is not in (0, 1), maxIterations &lt; 1, or threads is negative.</exception>
    public static SpectralNormEstimate PowerIteration(ReadOnlySpan<double> a, int rows, int cols, Generator generator,
        double relativeTolerance = 1e-6, int maxIterations = DefaultMaxIterations, int threads = 0)
    {
        ValidateIteration(a.Length, rows, cols, generator, relativeTolerance, maxIterations, threads);
        RequireFinite(a);
        return Iterate(a, rows, cols, generator, relativeTolerance, maxIterations, threads);
    }

    /// <summary>Single-precision overload; the iteration runs in double on a widened copy of A.</summary>
    /// <exception cref="ArgumentException">As the double overload.</exception>
    public static SpectralNormEstimate PowerIteration(ReadOnlySpan<float> a, int rows, int cols, Generator generator,
        double relativeTolerance = 1e-6, int maxIterations = DefaultMaxIterations, int threads = 0)
    {
        ValidateIteration(a.Length, rows, cols, generator, relativeTolerance, maxIterations, threads);
        double[] wide = Widen(a);
        RequireFinite(wide);
        return Iterate(wide, rows, cols, generator, relativeTolerance, maxIterations, threads);
    }

    /// <summary>
    /// Scales A in place so that its spectral norm becomes <paramref name="target"/>: A *= target / sigma, with sigma
    /// from <see cref="PowerIteration(ReadOnlySpan{double}, int, int, Generator, double, int, int)"/>. Returns the estimate
    /// for the matrix before scaling.
    /// </summary>
    /// <exception cref="ArgumentException">As power iteration; target is not a finite number &gt; 0; or A is the zero
    /// matrix (its norm cannot be changed by scaling).</exception>
    public static SpectralNormEstimate NormalizeInPlace(Span<double> a, int rows, int cols, double target, Generator generator,
        double relativeTolerance = 1e-6, int maxIterations = DefaultMaxIterations, int threads = 0)
    {
        Guard.Positive(target);
        var estimate = PowerIteration(a, rows, cols, generator, relativeTolerance, maxIterations, threads);
        RequireNonZero(estimate);
        double s = target / estimate.Sigma;
        for (int i = 0; i < a.Length; i++) a[i] *= s;
        return estimate;
    }

    /// <summary>Single-precision overload of <see cref="NormalizeInPlace(Span{double}, int, int, double, Generator, double, int, int)"/>;
    /// the scale factor is computed in double and each element is rounded once.</summary>
    /// <exception cref="ArgumentException">As the double overload.</exception>
    public static SpectralNormEstimate NormalizeInPlace(Span<float> a, int rows, int cols, double target, Generator generator,
        double relativeTolerance = 1e-6, int maxIterations = DefaultMaxIterations, int threads = 0)
    {
        Guard.Positive(target);
        var estimate = PowerIteration((ReadOnlySpan<float>)a, rows, cols, generator, relativeTolerance, maxIterations, threads);
        RequireNonZero(estimate);
        double s = target / estimate.Sigma;
        for (int i = 0; i < a.Length; i++) a[i] = (float)(a[i] * s);
        return estimate;
    }

    /// <summary>The exact largest singular value sigma_max(A) (to rounding), from <see cref="SingularValues(ReadOnlySpan{double}, int, int)"/>.</summary>
    /// <exception cref="ArgumentException">A dimension is negative, a.Length != rows * cols, or a holds NaN or infinity.</exception>
    public static double Exact(ReadOnlySpan<double> a, int rows, int cols)
    {
        var s = SingularValues(a, rows, cols);
        return s.Length == 0 ? 0.0 : s[0];
    }

    /// <summary>Single-precision overload of <see cref="Exact(ReadOnlySpan{double}, int, int)"/> (computed in double).</summary>
    /// <exception cref="ArgumentException">As the double overload.</exception>
    public static double Exact(ReadOnlySpan<float> a, int rows, int cols) => Exact(Widen(a), rows, cols);

    /// <summary>
    /// All min(rows, cols) singular values of A in descending order, by the one-sided Jacobi method (Hestenes 1958;
    /// Demmel &amp; Veselic 1992): plane rotations orthogonalize the columns of A (or of A^T when it is wide) until every
    /// pair satisfies |a_i . a_j| &lt;= 1e-15 ||a_i|| ||a_j||; the singular values are then the column norms. Accurate to
    /// a few units of rounding relative to sigma_max; O(sweeps * m n^2), meant for verification on moderate sizes.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension is negative, a.Length != rows * cols, or a holds NaN or infinity.</exception>
    public static double[] SingularValues(ReadOnlySpan<double> a, int rows, int cols)
    {
        Guard.NonNegative(rows);
        Guard.NonNegative(cols);
        Guard.Length(a.Length, (long)rows * cols, nameof(a));
        RequireFinite(a);
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        if (n == 0) return [];
        // Columns of the tall orientation, stored contiguously: tall A -> columns of A; wide A -> rows of A.
        var c = new double[(long)m * n];
        if (rows >= cols)
        {
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    c[(long)j * rows + i] = a[i * cols + j];
        }
        else
        {
            a.CopyTo(c);
        }
        JacobiSweeps(c, m, n);
        var s = new double[n];
        for (int j = 0; j < n; j++) s[j] = FixedOrder.Norm(c.AsSpan(j * m, m));
        Array.Sort(s);
        Array.Reverse(s);
        return s;
    }

    /// <summary>Single-precision overload of <see cref="SingularValues(ReadOnlySpan{double}, int, int)"/> (computed in double).</summary>
    /// <exception cref="ArgumentException">As the double overload.</exception>
    public static double[] SingularValues(ReadOnlySpan<float> a, int rows, int cols) => SingularValues(Widen(a), rows, cols);

    private static void JacobiSweeps(double[] c, int m, int n)
    {
        const double tolerance = 1e-15;
        const int maxSweeps = 60;
        for (int sweep = 0; sweep < maxSweeps; sweep++)
        {
            bool rotated = false;
            for (int i = 0; i < n - 1; i++)
            {
                var ci = c.AsSpan(i * m, m);
                for (int j = i + 1; j < n; j++)
                {
                    var cj = c.AsSpan(j * m, m);
                    double alpha = FixedOrder.Dot(ci, ci), beta = FixedOrder.Dot(cj, cj), gamma = FixedOrder.Dot(ci, cj);
                    if (gamma == 0 || Math.Abs(gamma) <= tolerance * Math.Sqrt(alpha * beta)) continue;
                    rotated = true;
                    // The rotation that zeroes the (i, j) entry of C^T C (Golub & Van Loan, Algorithm 8.6.1 / 8.4.1).
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    if (zeta == 0) t = 1;
                    double cs = 1 / Math.Sqrt(1 + t * t), sn = cs * t;
                    for (int r = 0; r < m; r++)
                    {
                        double x = ci[r], y = cj[r];
                        ci[r] = cs * x - sn * y;
                        cj[r] = sn * x + cs * y;
                    }
                }
            }
            if (!rotated) return;
        }
    }

    private static SpectralNormEstimate Iterate(ReadOnlySpan<double> a, int rows, int cols, Generator generator,
        double relativeTolerance, int maxIterations, int threads)
    {
        var v = new double[cols];
        var u = new double[rows];
        generator.Normal(v, threads);
        double vNorm = FixedOrder.Norm(v);
        FixedOrder.Scale(v, 1.0 / vNorm);

        double sigma = 0, previousDelta = double.NaN;
        for (int iteration = 1; iteration <= maxIterations; iteration++)
        {
            // u = A v / ||A v||, sigma = ||A v|| = u^T A v.
            Gemm.Core(false, false, rows, 1, cols, 1.0, a, cols, v, 1, 0.0, u, 1, threads);
            double newSigma = FixedOrder.Norm(u);
            if (newSigma == 0)
            {
                if (iteration == 1)
                {
                    // A v0 = 0 for a random v0 means A = 0 with probability 1; any unit vectors are singular vectors.
                    u[0] = 1;
                    return new SpectralNormEstimate(0, u, v, iteration, true);
                }
                break;
            }
            FixedOrder.Scale(u, 1.0 / newSigma);
            // v = A^T u / ||A^T u||.
            Gemm.Core(true, false, cols, 1, rows, 1.0, a, cols, u, 1, 0.0, v, 1, threads);
            double zNorm = FixedOrder.Norm(v);
            FixedOrder.Scale(v, 1.0 / zNorm);

            double delta = Math.Abs(newSigma - sigma);
            sigma = newSigma;
            if (iteration >= 2)
            {
                double ratio = double.IsFinite(previousDelta) && previousDelta > 0 ? Math.Min(delta / previousDelta, 0.999) : 0;
                double tail = ratio > 0.5 ? delta * ratio / (1 - ratio) : delta;
                if (tail <= relativeTolerance * sigma)
                {
                    // Re-derive u from the final v so that the invariant u = A v / ||A v|| holds exactly for the returned pair.
                    Gemm.Core(false, false, rows, 1, cols, 1.0, a, cols, v, 1, 0.0, u, 1, threads);
                    sigma = Math.Max(sigma, FixedOrder.Norm(u));
                    FixedOrder.Scale(u, 1.0 / FixedOrder.Norm(u));
                    return new SpectralNormEstimate(sigma, u, v, iteration, true);
                }
            }
            previousDelta = delta;
        }
        return new SpectralNormEstimate(sigma, u, v, maxIterations, false);
    }

    private static void ValidateIteration(int length, int rows, int cols, Generator generator, double relativeTolerance, int maxIterations, int threads)
    {
        Guard.Threads(threads);
        ArgumentNullException.ThrowIfNull(generator);
        Guard.Positive(rows);
        Guard.Positive(cols);
        Guard.Length(length, (long)rows * cols, "a");
        if (!(relativeTolerance > 0 && relativeTolerance < 1))
            throw new ArgumentException($"relativeTolerance must be in (0, 1), got {Guard.Fmt(relativeTolerance)}.", nameof(relativeTolerance));
        Guard.Positive(maxIterations);
    }

    private static void RequireFinite(ReadOnlySpan<double> a)
    {
        for (int i = 0; i < a.Length; i++)
            if (!double.IsFinite(a[i]))
                throw new ArgumentException($"a must hold finite numbers, got a[{i}] = {Guard.Fmt(a[i])}.", nameof(a));
    }

    private static void RequireNonZero(SpectralNormEstimate estimate)
    {
        if (estimate.Sigma == 0)
            throw new ArgumentException("a is the zero matrix; scaling cannot give it a positive spectral norm.", "a");
    }

    private static double[] Widen(ReadOnlySpan<float> a)
    {
        var wide = new double[a.Length];
        for (int i = 0; i < a.Length; i++) wide[i] = a[i];
        return wide;
    }
}
