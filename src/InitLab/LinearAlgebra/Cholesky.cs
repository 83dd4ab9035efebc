namespace InitLab.LinearAlgebra;

/// <summary>Cholesky factorization with symmetric pivoting for positive semi-definite matrices.</summary>
public static class Cholesky
{
    /// <summary>
    /// Factors a symmetric positive semi-definite n x n matrix G (row-major) as G = F F^T with F of size n x r, r the
    /// numerical rank, by the outer-product Cholesky algorithm with diagonal pivoting (Higham, "Accuracy and Stability
    /// of Numerical Algorithms", 10.3). It stops when every remaining pivot is below n * roundoff * max diag(G), so a
    /// rank-deficient G (e.g. the Gram matrix of more inputs than features, or of repeated inputs) needs no jitter:
    /// the returned F has fewer columns instead. Rows of F are in the original order.
    /// </summary>
    /// <returns>F (n x r, row-major) and r.</returns>
    /// <exception cref="ArgumentException">g is not n x n, or holds NaN or Inf.</exception>
    /// <param name="g">The matrix, row-major.</param>
    /// <param name="n">Its order.</param>
    /// <param name="roundoff">Unit roundoff of the arithmetic that produced g: 2^-52 for double, 2^-23 for a Gram matrix
    /// computed in float; pivots below n * roundoff * max diag(G) count as zero.</param>
    public static (double[] Factor, int Rank) PivotedSemidefinite(ReadOnlySpan<double> g, int n, double roundoff = 2.220446049250313e-16)
    {
        if (n < 0) throw new ArgumentException($"n must be >= 0, got {n}.", nameof(n));
        if (g.Length != (long)n * n) throw new ArgumentException($"g has {g.Length} values, expected n x n = {(long)n * n}.", nameof(g));
        foreach (double v in g)
            if (!double.IsFinite(v)) throw new ArgumentException("g holds NaN or Inf; a Gram matrix of finite data cannot.", nameof(g));

        var f = new double[n * n];
        var d = new double[n];
        var chosen = new bool[n];
        double maxDiag = 0;
        for (int i = 0; i < n; i++)
        {
            d[i] = g[i * n + i];
            maxDiag = Math.Max(maxDiag, d[i]);
        }
        if (!(roundoff > 0 && roundoff < 1)) throw new ArgumentException($"roundoff must be in (0, 1), got {roundoff}.", nameof(roundoff));
        double tolerance = n * roundoff * maxDiag;
        int rank = 0;
        for (int k = 0; k < n; k++)
        {
            int pivot = -1;
            double best = tolerance;
            for (int i = 0; i < n; i++)
                if (!chosen[i] && d[i] > best) { best = d[i]; pivot = i; }
            if (pivot < 0) break;
            chosen[pivot] = true;
            double root = Math.Sqrt(d[pivot]);
            f[pivot * n + k] = root;
            for (int i = 0; i < n; i++)
            {
                if (chosen[i]) continue;
                double s = g[i * n + pivot];
                for (int p = 0; p < k; p++) s -= f[i * n + p] * f[pivot * n + p];
                double v = s / root;
                f[i * n + k] = v;
                d[i] -= v * v;
            }
            rank++;
        }
        // Compact to n x rank.
        var result = new double[n * rank];
        for (int i = 0; i < n; i++)
            for (int p = 0; p < rank; p++) result[i * rank + p] = f[i * n + p];
        return (result, rank);
    }
}
