using InitLab.LinearAlgebra;

namespace InitLab.Experiments;

public static partial class ClassicExperiments
{
    /// <summary>Two-sided false-alarm probability of the shared-matrix check: that of 5 standard errors, 2 Phi(-5).</summary>
    private const double SharedMatrixAlpha = 5.7e-7;

    /// <summary>
    /// The exact law of |y|^2, y = B x, for the seed's own matrix: B = a^100 and x ~ N(0, I_n). |y|^2 = x^T B^T B x is a
    /// sum of lambda_i chi^2_1 over the eigenvalues lambda_i of B^T B, so E|y|^2 = tr(B^T B) = |B|_F^2 and
    /// Var|y|^2 = 2 sum lambda_i^2 = 2 |B^T B|_F^2. No Gaussian approximation for the band (a power of one matrix is nearly
    /// low-rank, so |y|^2 is close to a few scaled chi^2_1 variables):
    /// <list type="bullet">
    /// <item>upper end: Laurent and Massart (2000, Lemma 1), P(Y - E &gt;= 2 sqrt(t) s + 2 t max lambda) &lt;= e^-t with
    /// s = |B^T B|_F &gt;= max lambda and t = ln(2 / alpha);</item>
    /// <item>lower end: Y &gt;= sum_(i &lt;= k) lambda_i xi_i^2 &gt;= lambda_k chi^2_k and P(chi^2_k &lt;= v) &lt;=
    /// (v / 2)^(k/2) / Gamma(k/2 + 1), so Y &lt; 2 lambda_k (alpha/2 Gamma(k/2 + 1))^(2/k) has probability at most alpha / 2
    /// for every k; the band takes the largest over k = 1..8 (and Laurent-Massart's E - 2 sqrt(t) s when larger), with
    /// lambda_k replaced by Ritz values of B^T B from subspace iteration, which never exceed them (Cauchy interlacing).</item>
    /// </list>
    /// B comes from 6 squarings and 2 products in double (100 = 64 + 32 + 4), B^T B from one more (its upper triangle, then
    /// mirrored: <see cref="Gemm.Gram{T}"/>, the bits of the full product). The products use up to <paramref name="threads"/>
    /// threads (0: all cores); the result does not depend on it.
    /// </summary>
    internal static SharedMatrixLaw LawOfSharedMatrixPower(float[] a, int n = Dimension, int power = Depth, int threads = 0)
    {
        var square = Array.ConvertAll(a, v => (double)v);
        double[]? b = null;
        var scratch = new double[n * n];
        for (int bits = power; bits > 0; bits >>= 1)
        {
            if ((bits & 1) == 1)
            {
                if (b is null) b = (double[])square.Clone();
                else
                {
                    Gemm.Core(false, false, n, n, n, 1.0, b, n, square, n, 0.0, scratch, n, threads);
                    (b, scratch) = (scratch, b);
                }
            }
            if (bits > 1)
            {
                Gemm.Core(false, false, n, n, n, 1.0, square, n, square, n, 0.0, scratch, n, threads);
                (square, scratch) = (scratch, square);
            }
        }
        var gram = scratch;
        Gemm.Gram(n, n, b!, n, gram, n, threads);
        double frobenius2 = 0, gramFrobenius2 = 0;
        foreach (double v in b!) frobenius2 += v * v;
        foreach (double v in gram) gramFrobenius2 += v * v;
        double s = Math.Sqrt(gramFrobenius2), t = Math.Log(2 / SharedMatrixAlpha);
        double low = Math.Max(0, frobenius2 - 2 * Math.Sqrt(t) * s);
        var ritz = RitzValues(gram, n, Math.Min(8, n));
        // Gamma(k/2 + 1): Gamma(3/2) = sqrt(pi) / 2, Gamma(2) = 1, and Gamma(k/2 + 1) = (k/2) Gamma(k/2 - 1 + 1).
        var gamma = new double[ritz.Length + 1];
        for (int k = 1; k <= ritz.Length; k++)
        {
            gamma[k] = k == 1 ? Math.Sqrt(Math.PI) / 2 : k == 2 ? 1 : k / 2.0 * gamma[k - 2];
            low = Math.Max(low, 2 * ritz[k - 1] * Math.Pow(SharedMatrixAlpha / 2 * gamma[k], 2.0 / k));
        }
        return new SharedMatrixLaw(frobenius2, Math.Sqrt(2) * s, low, frobenius2 + 2 * Math.Sqrt(t) * s + 2 * t * s);
    }

    /// <summary>
    /// The k largest Ritz values of the symmetric positive semidefinite n x n matrix <paramref name="g"/>, descending, on
    /// the subspace after 24 steps of subspace iteration (Q = orth(G Q), modified Gram-Schmidt twice) from a fixed random
    /// start: the eigenvalues of Q^T G Q, i.e. the squared singular values of G^(1/2) Q, computed as the singular values
    /// of the k x k PSD matrix Q^T G Q. Each is at most the corresponding eigenvalue of G whatever the subspace.
    /// </summary>
    /// <remarks>G must be symmetric to the bit (as <see cref="Gemm.Gram{T}"/> makes it): G Q is computed as G^T Q, whose
    /// operand is copied row by row instead of transposed for every one of the 25 products, with the same products in the
    /// same order, so the same bits.</remarks>
    internal static double[] RitzValues(double[] g, int n, int k)
    {
        var q = new double[n * k];
        new Random.Generator(20240917, stream: 77).Normal(q);
        var y = new double[n * k];
        Orthonormalize(q, n, k);
        for (int iteration = 0; iteration < 24; iteration++)
        {
            Gemm.Core(true, false, n, k, n, 1.0, g, n, q, k, 0.0, y, k);
            Orthonormalize(y, n, k);
            (q, y) = (y, q);
        }
        Gemm.Core(true, false, n, k, n, 1.0, g, n, q, k, 0.0, y, k);
        var projected = new double[k * k];
        Gemm.Core(true, false, k, k, n, 1.0, q, k, y, k, 0.0, projected, k);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < i; j++)
                projected[i * k + j] = projected[j * k + i] = 0.5 * (projected[i * k + j] + projected[j * k + i]);
        return LinearAlgebra.SpectralNorm.SingularValues(projected, k, k);
    }

    /// <summary>Orthonormalizes the k columns of the row-major n x k matrix <paramref name="m"/> (modified Gram-Schmidt, twice).</summary>
    private static void Orthonormalize(double[] m, int n, int k)
    {
        for (int j = 0; j < k; j++)
        {
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < j; i++)
                {
                    double dot = 0;
                    for (int r = 0; r < n; r++) dot += m[r * k + i] * m[r * k + j];
                    for (int r = 0; r < n; r++) m[r * k + j] -= dot * m[r * k + i];
                }
            double norm = 0;
            for (int r = 0; r < n; r++) norm += m[r * k + j] * m[r * k + j];
            norm = Math.Sqrt(norm);
            for (int r = 0; r < n; r++) m[r * k + j] = norm > 0 ? m[r * k + j] / norm : 0;
        }
    }

    /// <summary>E|y|^2, its sd, and the band [Low, High] holding |y|^2 with probability at least 1 - 5.7e-7.</summary>
    internal sealed record SharedMatrixLaw(double Mean, double Sd, double Low, double High)
    {
        public bool Holds(double squaredNorm) => squaredNorm >= Low && squaredNorm <= High;
    }
}
