namespace InitLab.Tests.Support;

/// <summary>
/// The normal CDF written independently of the library (a Taylor series of erf; Abramowitz &amp; Stegun 7.1.26 is too coarse), for
/// tests that check the library's integrals against their own.
/// </summary>
internal static class IndependentNormal
{
    /// <summary>Phi(x) = (1 + erf(x / sqrt 2)) / 2.</summary>
    public static double Cdf(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>erf(x) by its Taylor series (|x| &lt;= 6; sign(x) beyond).</summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) > 6) return Math.Sign(x);
        double sum = 0, term = x;
        for (int n = 0; n < 400; n++)
        {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
            if (Math.Abs(term) < 1e-18) break;
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
