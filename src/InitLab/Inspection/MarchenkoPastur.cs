using InitLab.Numerics;

namespace InitLab.Inspection;

/// <summary>
/// The spectrum of a rows x cols matrix W of i.i.d. entries with mean 0 and variance s^2 (Marchenko &amp; Pastur 1967):
/// the squared singular values fill the bulk [s^2 (sqrt N - sqrt P)^2, s^2 (sqrt N + sqrt P)^2], N = max(rows, cols),
/// P = min(rows, cols); the largest fluctuates around the upper edge on the scale N^(-2/3) by the Tracy-Widom law F1
/// (Johnstone 2001; universal for entries with light tails), with Ma's (2012) half-integer centering
/// mu = (sqrt(N - 1/2) + sqrt(P - 1/2))^2 and scale sigma = (sqrt(N - 1/2) + sqrt(P - 1/2)) (1/sqrt(N - 1/2) + 1/sqrt(P - 1/2))^(1/3).
/// A singular value above the edge by more than that fluctuation is a spike: structure that i.i.d. noise does not make,
/// such as the low-rank directions training writes into a weight matrix (Martin &amp; Mahoney 2021).
/// </summary>
/// <remarks>
/// Finite size: for Gaussian entries at 8 &lt;= min(rows, cols) &lt;= 64 the Tracy-Widom tail with this centering is up to
/// 1.8 times too thin at 1e-4 (10^5 simulated matrices per shape: rates 1.0e-4 to 1.8e-4 at a nominal 1e-4, 1.0e-3 to
/// 1.33e-3 at 1e-3); uniform and truncated-normal entries, with lighter tails, are below nominal. The p-values and
/// thresholds here therefore use twice the tail (<see cref="FiniteSizeFactor"/>), which keeps them conservative.
/// </remarks>
public static class MarchenkoPastur
{
    /// <summary>The smallest min(rows, cols) for which the Tracy-Widom approximation is used (Johnstone 2001 finds it adequate from about 5).</summary>
    public const int MinDimension = 8;

    /// <summary>The factor on the Tracy-Widom tail that covers its finite-size error (see the remarks).</summary>
    public const double FiniteSizeFactor = 2;

    /// <summary>The upper bulk edge of the singular values: s (sqrt rows + sqrt cols), s^2 the entry variance.</summary>
    /// <exception cref="ArgumentException">variance is negative or not finite, or a dimension is below 1.</exception>
    public static double Edge(double variance, long rows, long cols)
    {
        Guard.NonNegative(variance);
        RequireDimensions(rows, cols);
        return Math.Sqrt(variance) * (Math.Sqrt(rows) + Math.Sqrt(cols));
    }

    /// <summary>
    /// The bulk [lambda_-, lambda_+] of the min(rows, cols) squared singular values (the eigenvalues of the smaller Gram
    /// matrix): lambda_(+/-) = s^2 (sqrt N +/- sqrt P)^2, N = max(rows, cols), P = min(rows, cols), s^2 the entry variance.
    /// </summary>
    /// <exception cref="ArgumentException">variance is negative or not finite, or a dimension is below 1.</exception>
    public static (double Lower, double Upper) EigenvalueBulk(double variance, long rows, long cols)
    {
        Guard.NonNegative(variance);
        RequireDimensions(rows, cols);
        double n = Math.Max(rows, cols), p = Math.Min(rows, cols);
        return (variance * Square(Math.Sqrt(n) - Math.Sqrt(p)), variance * Square(Math.Sqrt(n) + Math.Sqrt(p)));
    }

    /// <summary>
    /// The limiting density of the squared singular values lambda of a rows x cols matrix of i.i.d. entries with
    /// variance s^2: f(lambda) = sqrt((lambda_+ - lambda) (lambda - lambda_-)) / (2 pi s^2 P lambda) on the bulk
    /// (<see cref="EigenvalueBulk"/>), 0 outside; P = min(rows, cols). With y = P / N and lambda = s^2 N t this is
    /// Marchenko and Pastur's law of t, sqrt((t_+ - t)(t - t_-)) / (2 pi y t) on [(1 - sqrt y)^2, (1 + sqrt y)^2]. It
    /// integrates to 1 (a square matrix's law has an integrable 1/sqrt(lambda) singularity at 0) and its mean is s^2 N.
    /// </summary>
    /// <exception cref="ArgumentException">variance is not a finite number &gt; 0, lambda is NaN, or a dimension is below 1.</exception>
    public static double EigenvalueDensity(double lambda, double variance, long rows, long cols)
    {
        Guard.Positive(variance);
        if (double.IsNaN(lambda)) throw new ArgumentException("lambda must be a number, got NaN.", nameof(lambda));
        var (lower, upper) = EigenvalueBulk(variance, rows, cols);
        if (!(lambda > lower && lambda < upper) || lambda <= 0) return 0;
        double p = Math.Min(rows, cols);
        return Math.Sqrt((upper - lambda) * (lambda - lower)) / (2 * Math.PI * variance * p * lambda);
    }

    private static double Square(double x) => x * x;

    /// <summary>
    /// P(lambda_max &gt;= <paramref name="lambda"/>) for the largest eigenvalue of W^T W when W has i.i.d. entries of
    /// variance <paramref name="variance"/>: min(1, 2 (1 - F1((lambda / variance - mu) / sigma))) with Ma's centering and
    /// the finite-size factor 2 (see the type).
    /// </summary>
    /// <exception cref="ArgumentException">variance is not a finite number &gt; 0, lambda is negative or NaN, or a dimension is below 1.</exception>
    public static double LargestEigenvaluePValue(double lambda, double variance, long rows, long cols)
    {
        Guard.Positive(variance);
        if (!(lambda >= 0)) throw new ArgumentException($"lambda must be >= 0, got {Guard.Fmt(lambda)}.", nameof(lambda));
        var (mu, sigma) = Centering(rows, cols);
        if (double.IsPositiveInfinity(lambda)) return 0;
        return Math.Min(1, FiniteSizeFactor * TracyWidom.UpperTail((lambda / variance - mu) / sigma));
    }

    /// <summary>
    /// The threshold on eigenvalues of W^T W above which a value is a spike at level <paramref name="alpha"/>:
    /// variance (mu + sigma q), q the upper alpha / 2 quantile of F1 (the finite-size factor 2, see the type). Under the
    /// i.i.d. hypothesis the largest eigenvalue exceeds it with probability at most alpha (the smaller ones with less).
    /// </summary>
    /// <exception cref="ArgumentException">variance is negative or not finite, alpha not in (0, 1), or a dimension is below 1.</exception>
    public static double SpikeThreshold(double variance, long rows, long cols, double alpha)
    {
        Guard.NonNegative(variance);
        if (!(alpha > 0 && alpha < 1)) throw new ArgumentException($"alpha must be in (0, 1), got {Guard.Fmt(alpha)}.", nameof(alpha));
        var (mu, sigma) = Centering(rows, cols);
        return variance * (mu + sigma * TracyWidom.UpperQuantile(alpha / FiniteSizeFactor));
    }

    /// <summary>Ma's (2012) centering and scale of the largest eigenvalue of W^T W for unit-variance entries.</summary>
    /// <exception cref="ArgumentException">A dimension is below 1.</exception>
    public static (double Mu, double Sigma) Centering(long rows, long cols)
    {
        RequireDimensions(rows, cols);
        double n = Math.Max(rows, cols) - 0.5, p = Math.Min(rows, cols) - 0.5;
        double a = Math.Sqrt(n) + Math.Sqrt(p);
        return (a * a, a * Math.Cbrt(1 / Math.Sqrt(n) + 1 / Math.Sqrt(p)));
    }

    private static void RequireDimensions(long rows, long cols)
    {
        if (rows < 1 || cols < 1)
            throw new ArgumentException($"rows and cols must be >= 1, got {rows} x {cols}.", nameof(rows));
    }
}
