using System.Collections.Concurrent;
using InitLab.Numerics;

namespace InitLab.Theory;

/// <summary>The collision moments of a softmax row p = softmax(u) over n logits (sum p_j = 1, so E[p_j] = 1/n).</summary>
/// <param name="S2">E[sum_j p_j^2]: the output second moment of attention over independent values is (sum p_j^2) times theirs.</param>
/// <param name="S3">E[sum_j p_j^3].</param>
/// <param name="S22">E[(sum_j p_j^2)^2].</param>
public readonly record struct SoftmaxCollision(double S2, double S3, double S22);

/// <summary>
/// Moments of the softmax of Gaussian logits by quadrature over the logit distribution (no sampling). For n i.i.d. logits
/// u_j ~ N(0, lambda), w = e^u and S = sum w_j, the identity 1/S^k = (1/Gamma(k)) int_0^inf t^(k-1) e^(-t S) dt factorizes the
/// expectation over the independent logits:
/// E[w_1^a / S^k] = (1/Gamma(k)) int t^(k-1) A_a(t) L(t)^(n-1) dt, with L(t) = E[exp(-t e^(sigma z))] (the Laplace transform of
/// the lognormal) and A_a(t) = E[e^(a sigma z) exp(-t e^(sigma z))] = e^(a^2 lambda / 2) L(t e^(a lambda)) (complete the square).
/// So E[sum p^2] = n E[w^2/S^2], E[sum p^3] = n E[w^3/S^3], E[(sum p^2)^2] = n E[w^4/S^4] + n(n-1) E[w_1^2 w_2^2/S^4].
/// </summary>
/// <remarks>
/// Both integrals use the trapezoid rule on the real line (in z, and in s = ln t), which converges geometrically for these
/// analytic integrands: the strip of analyticity has half-width pi/(2 sigma) in z and pi/2 in s, so steps of 0.3/sigma and
/// 0.25 leave errors below e^-33 and e^-39 (Trefethen &amp; Weideman 2014, "The exponentially convergent trapezoidal rule").
/// Everything is summed in log space, so large lambda (a nearly one-hot softmax) neither overflows nor underflows.
/// </remarks>
public static class SoftmaxMoments
{
    private static readonly ConcurrentDictionary<int, Table> Tables = new();
    private static readonly ConcurrentDictionary<int, (double[] R, double[] W)> ChiSquareRules = new();

    /// <summary>The collision moments of softmax(u), u_1..u_n i.i.d. N(0, lambda).</summary>
    /// <exception cref="ArgumentException">n &lt; 1 or lambda negative or not finite.</exception>
    public static SoftmaxCollision OfIndependent(int n, double lambda)
    {
        if (n < 1) throw new ArgumentException($"n must be >= 1, got {n}.", nameof(n));
        if (!(lambda >= 0) || !double.IsFinite(lambda)) throw new ArgumentException($"lambda must be finite and >= 0, got {Guard.Fmt(lambda)}.", nameof(lambda));
        if (n == 1) return new(1, 1, 1);
        if (lambda == 0) return new(1.0 / n, 1.0 / ((double)n * n), 1.0 / ((double)n * n));
        if (lambda > NearlyOneHot) return OneHotLimit(n, lambda);
        return Tables.GetOrAdd(n, k => new Table(k)).At(lambda);
    }

    /// <summary>
    /// e^4, the top of the quadrature's table: above it the Laplace-transform quadrature is not usable (the tilted weights w^a put
    /// the mass at z ~ -a sigma, off its grid), and <see cref="OneHotLimit"/> takes over, accurate to O(1/lambda); a rule that
    /// reaches it says so in its node's assumptions.
    /// </summary>
    public static readonly double NearlyOneHot = Math.Exp(4);

    /// <summary>
    /// The collision moments of a nearly one-hot softmax, lambda large, to first order in 1/sigma (sigma = sqrt(lambda)): only
    /// the two largest logits share the mass, p = 1/(1 + e^-g) and 1 - p with g = sigma D, D the gap between the two largest of n
    /// standard normals, of density f_D(0) = n(n - 1) int phi(z)^2 Phi(z)^(n-2) dz at 0. With q = p(1 - p) = dp/dg,
    /// int_0^inf q dg = 1/2 and int_0^inf q^2 dg = int_(1/2)^1 p(1 - p) dp = 1/12, so
    /// E sum p^2 = 1 - 2 E[q] = 1 - f_D(0)/sigma, E sum p^3 = 1 - 3 E[q] = 1 - (3/2) f_D(0)/sigma,
    /// E (sum p^2)^2 = 1 - 4 E[q] + 4 E[q^2] = 1 - (5/3) f_D(0)/sigma, each + O(1/sigma^2).
    /// </summary>
    public static SoftmaxCollision OneHotLimit(int n, double lambda)
    {
        if (n < 1) throw new ArgumentException($"n must be >= 1, got {n}.", nameof(n));
        if (!(lambda > 0) || !double.IsFinite(lambda)) throw new ArgumentException($"lambda must be finite and > 0, got {Guard.Fmt(lambda)}.", nameof(lambda));
        if (n == 1) return new(1, 1, 1);
        double f = GapDensity.GetOrAdd(n, TopGapDensityAtZero) / Math.Sqrt(lambda);
        return new(Math.Max(1.0 / n, 1 - f), Math.Max(1.0 / ((double)n * n), 1 - 1.5 * f), Math.Max(1.0 / ((double)n * n), 1 - 5.0 / 3 * f));
    }

    private static readonly ConcurrentDictionary<int, double> GapDensity = new();

    /// <summary>f_D(0) = n(n - 1) int phi(z)^2 Phi(z)^(n-2) dz by the trapezoid rule on [-12, 12] (step 1e-3; smooth, decaying integrand).</summary>
    private static double TopGapDensityAtZero(int n)
    {
        const double h = 1e-3;
        double sum = 0;
        for (int i = 0; i <= 24000; i++)
        {
            double z = -12 + i * h, phi = Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            sum += phi * phi * Math.Pow(0.5 * SpecialFunctions.Erfc(-z / Math.Sqrt(2)), n - 2);
        }
        return (double)n * (n - 1) * sum * h;
    }

    /// <summary>True when <see cref="OfDotProducts"/>(n, <paramref name="lambda"/>, <paramref name="headDim"/>) uses the nearly one-hot limit at one of its nodes.</summary>
    public static bool ReachesOneHot(double lambda, int headDim) =>
        headDim == 0 ? lambda > NearlyOneHot : lambda * ChiSquareRule(headDim).R.Max() > NearlyOneHot;

    /// <summary>
    /// The collision moments of one row of scaled dot-product logits u_j = q . k_j / sqrt(d) over n keys: given the query, the
    /// logits are i.i.d. N(0, lambda |q|^2 / (d E[q_a^2])), and |q|^2 / (d E[q_a^2]) = r ~ chi^2_d / d for a Gaussian query of d
    /// dimensions; so the moments are E_r[OfIndependent(n, lambda r)], by Gauss-Laguerre quadrature over r (8 nodes, exact for
    /// polynomials of degree 15 in r).
    /// </summary>
    /// <param name="n">Keys in the row.</param>
    /// <param name="lambda">E[q_a^2] tau_k^2: the logit variance at the query's mean square norm.</param>
    /// <param name="headDim">d, the head dimension; 0 for a deterministic query norm (r = 1).</param>
    public static SoftmaxCollision OfDotProducts(int n, double lambda, int headDim)
    {
        if (headDim < 0) throw new ArgumentException($"headDim must be >= 0, got {headDim}.", nameof(headDim));
        if (headDim == 0 || n == 1 || lambda == 0) return OfIndependent(n, lambda);
        var (r, w) = ChiSquareRule(headDim);
        double s2 = 0, s3 = 0, s22 = 0;
        for (int i = 0; i < r.Length; i++)
        {
            var c = OfIndependent(n, lambda * r[i]);
            s2 += w[i] * c.S2;
            s3 += w[i] * c.S3;
            s22 += w[i] * c.S22;
        }
        return new(s2, s3, s22);
    }

    /// <summary>
    /// E[sum_j p_j p'_j] for two softmax rows whose logit pairs (u_j, u'_j) are i.i.d. bivariate Gaussian with variances lambda,
    /// lambda' and covariance kappa, to second order in 1/n (the delta method on S = n e^(lambda/2) (1 + eps)):
    /// (e^kappa / n) [1 + (e^lambda + e^lambda' + e^kappa - e^(lambda + kappa) - e^(lambda' + kappa) - 1) / n], clamped to
    /// [0, sqrt(S2 S2')] (the bound itself where the expansion overflows). An approximation: its error is O(1/n^2).
    /// </summary>
    public static double CrossRows(int n, double lambda1, double lambda2, double kappa, double s2a, double s2b)
    {
        if (n < 1) throw new ArgumentException($"n must be >= 1, got {n}.", nameof(n));
        if (n == 1) return 1;
        kappa = Math.Clamp(kappa, -Math.Sqrt(lambda1 * lambda2), Math.Sqrt(lambda1 * lambda2));
        double ek = Math.Exp(kappa);
        double v = ek / n * (1 + (Math.Exp(lambda1) + Math.Exp(lambda2) + ek - Math.Exp(lambda1 + kappa) - Math.Exp(lambda2 + kappa) - 1) / n);
        // Logit variances beyond ~700 overflow the expansion (inf - inf): it has no meaning there, and the bound is what remains.
        if (double.IsNaN(v)) v = double.PositiveInfinity;
        return Math.Clamp(v, 0, Math.Sqrt(s2a * s2b));
    }

    /// <summary>
    /// The moments of n i.i.d. N(0, lambda) logits as a function of ln lambda, tabulated per n: on [-14, 4], twelve intervals of 17
    /// Chebyshev-Lobatto points each hold the quadrature's values and are interpolated barycentrically (smooth functions of
    /// ln lambda: agreement with the direct quadrature to 1e-10, tested). Below, the first order in lambda
    /// (E sum p^2 = (1 + (n - 1) lambda / n) / n, E sum p^3 = (1 + 3 (n - 1) lambda / n) / n^2, E (sum p^2)^2 = (1 + 2 (n - 1) lambda / n) / n^2,
    /// errors O(lambda^2) &lt; 1e-12); above, <see cref="OfIndependent"/> uses the one-hot limit.
    /// </summary>
    private sealed class Table
    {
        private const double Low = -14, High = 4;
        private const int Pieces = 12, Points = 17;
        private readonly int _n;
        // One piece's values are computed the first time a lambda falls in it (a row's logit variances usually span a few
        // pieces): the same numbers as computing all pieces up front, a fraction of the work.
        private readonly Lazy<(double[] S2, double[] S3, double[] S22)>[] _pieces;
        private static readonly double[] Nodes = Enumerable.Range(0, Points).Select(j => -Math.Cos(Math.PI * j / (Points - 1))).ToArray();

        public Table(int n)
        {
            _n = n;
            _pieces = Enumerable.Range(0, Pieces).Select(k => new Lazy<(double[], double[], double[])>(() => Piece(k), LazyThreadSafetyMode.ExecutionAndPublication)).ToArray();
        }

        private (double[] S2, double[] S3, double[] S22) Piece(int k)
        {
            double width = (High - Low) / Pieces;
            var (s2, s3, s22) = (new double[Points], new double[Points], new double[Points]);
            for (int j = 0; j < Points; j++)
            {
                double u = Low + width * (k + 0.5 * (Nodes[j] + 1));
                var c = Direct(_n, Math.Exp(u));
                (s2[j], s3[j], s22[j]) = (c.S2, c.S3, c.S22);
            }
            return (s2, s3, s22);
        }

        public SoftmaxCollision At(double lambda)
        {
            double u = Math.Log(lambda), n = _n;
            if (u < Low)
                return new((1 + (n - 1) * lambda / n) / n, (1 + 3 * (n - 1) * lambda / n) / (n * n), (1 + 2 * (n - 1) * lambda / n) / (n * n));
            double width = (High - Low) / Pieces;
            int k = Math.Min(Pieces - 1, (int)((u - Low) / width));
            double t = 2 * (u - Low - k * width) / width - 1;
            var piece = _pieces[k].Value;
            return new(Barycentric(piece.S2, t), Barycentric(piece.S3, t), Barycentric(piece.S22, t));
        }

        // Barycentric interpolation on Chebyshev-Lobatto points: weights (-1)^j, halved at the ends (Berrut & Trefethen 2004).
        private static double Barycentric(double[] values, double t)
        {
            double num = 0, den = 0;
            for (int j = 0; j < Points; j++)
            {
                double d = t - Nodes[j];
                if (d == 0) return values[j];
                double w = ((j & 1) == 0 ? 1 : -1) * (j == 0 || j == Points - 1 ? 0.5 : 1) / d;
                num += w * values[j];
                den += w;
            }
            return num / den;
        }
    }

    /// <summary>The quadrature itself (no table): the collision moments of n i.i.d. N(0, lambda) logits.</summary>
    internal static SoftmaxCollision Direct(int n, double lambda)
    {
        if (n == 1) return new(1, 1, 1);
        if (lambda == 0) return new(1.0 / n, 1.0 / ((double)n * n), 1.0 / ((double)n * n));
        double sigma = Math.Sqrt(lambda);
        // L(t) = E[exp(-t e^(sigma z))] by the trapezoid rule on one fine z grid (strip half-width pi/(2 sigma): error
        // e^(-pi^2/(sigma hz)) = e^(-33)). For large t the mass sits at z near z0 = -ln(t)/sigma, far in the lower tail, so each call sums
        // over [z0 - 10, z0 + 6/sigma] clipped to the grid (down to z = -40) and works in log space.
        double hz = Math.Min(0.3, 0.3 / sigma);
        const double zLow = -40, zHigh = 8.5;
        int nz = (int)Math.Ceiling((zHigh - zLow) / hz) + 1;
        var ez = new double[nz];
        var logw = new double[nz];
        for (int j = 0; j < nz; j++)
        {
            double z = zLow + j * hz;
            ez[j] = sigma * z;
            logw[j] = Math.Log(hz) - 0.5 * z * z - 0.5 * Math.Log(2 * Math.PI);
        }
        double LogL(double logt)
        {
            double z0 = -logt / sigma;
            int from = Math.Max(0, (int)Math.Floor((Math.Min(-8.5, z0 - 10) - zLow) / hz));
            int to = Math.Min(nz - 1, (int)Math.Ceiling((Math.Min(zHigh, z0 + 6 / sigma) - zLow) / hz));
            double max = double.NegativeInfinity;
            for (int j = from; j <= to; j++)
            {
                double e = logt + ez[j], term = logw[j] - (e > 700 ? double.PositiveInfinity : Math.Exp(e));
                if (term > max) max = term;
            }
            if (double.IsNegativeInfinity(max)) return double.NegativeInfinity;
            double sum = 0;
            for (int j = from; j <= to; j++)
            {
                double e = logt + ez[j];
                if (e > 700) continue;
                sum += Math.Exp(logw[j] - Math.Exp(e) - max);
            }
            return max + Math.Log(sum);
        }
        // s = ln t around the scale 1/(n E[w]) = e^(-lambda/2)/n, where L(t)^(n-1) turns from 1 to 0; trapezoid with step 0.25
        // (strip half-width pi/2: error e^(-pi^2/0.25) = 7e-18).
        double centre = -0.5 * lambda - Math.Log(n);
        const double hs = 0.25;
        double lo = centre - 22, hi = centre + 8 + 8 * sigma;
        double i2 = 0, i3 = 0, i4 = 0, jj = 0;
        double lnGamma3 = Math.Log(2), lnGamma4 = Math.Log(6);
        static double Term(double logValue) => double.IsNegativeInfinity(logValue) || double.IsNaN(logValue) ? 0 : Math.Exp(logValue);
        for (double s = lo; s <= hi; s += hs)
        {
            double l0 = LogL(s), l2 = LogL(s + 2 * lambda), l3 = LogL(s + 3 * lambda), l4 = LogL(s + 4 * lambda);
            double rest = (n - 1) * l0;
            // E[w^a / S^k] = (1/Gamma(k)) int t^(k-1) A_a(t) L(t)^(n-1) dt, t^(k-1) dt = e^(k s) ds, A_a(t) = e^(a^2 lambda/2) L(t e^(a lambda)).
            i2 += Term(2 * s + 2 * lambda + l2 + rest);
            i3 += Term(3 * s + 4.5 * lambda + l3 + rest - lnGamma3);
            i4 += Term(4 * s + 8 * lambda + l4 + rest - lnGamma4);
            jj += Term(4 * s + 4 * lambda + 2 * l2 + (n - 2) * l0 - lnGamma4);
        }
        // Clamp the rounding: 1/n <= S2 <= 1, S3 <= S2, S2^2 <= S22 <= S2.
        double s2 = Math.Clamp(n * i2 * hs, 1.0 / n, 1);
        double s3 = Math.Clamp(n * i3 * hs, 1.0 / ((double)n * n), s2);
        double s22 = Math.Clamp((n * i4 + (double)n * (n - 1) * jj) * hs, s2 * s2, s2);
        return new(s2, s3, s22);
    }

    /// <summary>Gauss quadrature for r ~ chi^2_d / d: Gauss-Laguerre for the weight x^(d/2 - 1) e^(-x), r = 2 x / d (Golub-Welsch).</summary>
    private static (double[] R, double[] W) ChiSquareRule(int d) => ChiSquareRules.GetOrAdd(d, dof =>
    {
        const int N = 8;
        double alpha = dof / 2.0 - 1;
        var jacobi = new double[N, N];
        for (int i = 0; i < N; i++)
        {
            jacobi[i, i] = 2 * i + alpha + 1;
            if (i > 0) jacobi[i, i - 1] = jacobi[i - 1, i] = Math.Sqrt(i * (i + alpha));
        }
        var (values, vectors) = SymmetricEigen(jacobi);
        var r = new double[N];
        var w = new double[N];
        for (int i = 0; i < N; i++)
        {
            r[i] = 2 * values[i] / dof;
            w[i] = vectors[0, i] * vectors[0, i];
        }
        double total = w.Sum();
        for (int i = 0; i < N; i++) w[i] /= total;
        return (r, w);
    });

    /// <summary>Eigenvalues and eigenvectors (columns) of a small symmetric matrix by cyclic Jacobi rotations.</summary>
    internal static (double[] Values, double[,] Vectors) SymmetricEigen(double[,] matrix)
    {
        int n = matrix.GetLength(0);
        var flat = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) flat[i * n + j] = matrix[i, j];
        var (values, vectors) = MomentQuadrature.SymmetricEigen(flat, n);
        var v = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) v[i, j] = vectors[i * n + j];
        return (values, v);
    }
}
