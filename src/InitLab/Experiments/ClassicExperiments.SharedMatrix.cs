using InitLab.LinearAlgebra;

namespace InitLab.Experiments;

public static partial class ClassicExperiments
{
    /// <summary>Two-sided false-alarm probability of the shared-matrix check: that of 5 standard errors, 2 Phi(-5).</summary>
    private const double SharedMatrixAlpha = 5.7e-7;

    /// <summary>
    /// The exact law of |y|^2, y = B x, for the seed's own matrix: B = a^100 and x ~ N(0, I_n). |y|^2 = x^T B^T B x is a
    /// sum of lambda_i chi^2_1 over the eigenvalues lambda_i of B^T B, so E|y|^2 = tr(B^T B) = |B|_F^2 and
    /// Var|y|^2 = 2 sum lambda_i^2 = 2 |B^T B|_F^2. The band is Laurent and Massart's (2000, Lemma 1) exact tail bound for
    /// such sums, P(Y - E &gt;= 2 sqrt(t) s + 2 t max lambda) &lt;= e^-t and P(E - Y &gt;= 2 sqrt(t) s) &lt;= e^-t with
    /// s = |B^T B|_F &gt;= max lambda and t = ln(2 / alpha): no Gaussian approximation (a product of 100 equal matrices is
    /// nearly rank one, so |y|^2 is close to a single scaled chi^2_1 and can be near 0, while its upper tail is
    /// exponential). B comes from 6 squarings and 2 products in double (100 = 64 + 32 + 4), B^T B from one more.
    /// </summary>
    internal static SharedMatrixLaw LawOfSharedMatrixPower(float[] a, int n = Dimension, int power = Depth)
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
                    Gemm.Core(false, false, n, n, n, 1.0, b, n, square, n, 0.0, scratch, n);
                    (b, scratch) = (scratch, b);
                }
            }
            if (bits > 1)
            {
                Gemm.Core(false, false, n, n, n, 1.0, square, n, square, n, 0.0, scratch, n);
                (square, scratch) = (scratch, square);
            }
        }
        var gram = scratch;
        Gemm.Core(true, false, n, n, n, 1.0, b!, n, b!, n, 0.0, gram, n);
        double frobenius2 = 0, gramFrobenius2 = 0;
        foreach (double v in b!) frobenius2 += v * v;
        foreach (double v in gram) gramFrobenius2 += v * v;
        double s = Math.Sqrt(gramFrobenius2), t = Math.Log(2 / SharedMatrixAlpha);
        return new SharedMatrixLaw(frobenius2, Math.Sqrt(2) * s,
            Math.Max(0, frobenius2 - 2 * Math.Sqrt(t) * s), frobenius2 + 2 * Math.Sqrt(t) * s + 2 * t * s);
    }

    /// <summary>E|y|^2, its sd, and the band [Low, High] holding |y|^2 with probability at least 1 - 5.7e-7.</summary>
    internal sealed record SharedMatrixLaw(double Mean, double Sd, double Low, double High)
    {
        public bool Holds(double squaredNorm) => squaredNorm >= Low && squaredNorm <= High;
    }
}
