namespace InitLab.Initializers;

/// <summary>Standard deviations of deterministic or structured tensors, for reports next to the measured std.</summary>
internal static class PatternStd
{
    /// <summary>
    /// Unbiased std of a tensor of n elements of which <paramref name="count"/> equal <paramref name="value"/> and the
    /// rest are 0: mean m = value c / n, population variance value^2 c / n - m^2, times n / (n - 1).
    /// </summary>
    public static double OfIndicator(long count, long n, double value)
    {
        if (n < 2) return double.NaN;
        double m = value * count / n;
        double variance = value * value * count / n - m * m;
        return Math.Sqrt(Math.Max(variance, 0) * n / (n - 1));
    }
}
