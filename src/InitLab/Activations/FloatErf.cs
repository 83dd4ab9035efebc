namespace InitLab.Activations;

/// <summary>
/// erf and erfc to float accuracy (relative error about 1.2e-7, two float ulps) for the float span kernels, where the
/// full double series of <see cref="Numerics.SpecialFunctions"/> would cost 10x more per element.
/// </summary>
internal static class FloatErf
{
    private const double TwoOverSqrtPi = 1.1283791670955125739;

    /// <summary>
    /// erfc(x) by the Chebyshev-fitted rational approximation of Numerical Recipes (erfcc, fractional error &lt; 1.2e-7
    /// everywhere): t = 1 / (1 + |x| / 2), erfc(|x|) = t exp(-x^2 + P(t)) with a degree-9 polynomial P.
    /// </summary>
    public static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1.0 / (1.0 + 0.5 * z);
        double p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
            + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
        double r = t * Math.Exp(-z * z + p);
        return x >= 0 ? r : 2.0 - r;
    }

    /// <summary>
    /// erf(x): the Maclaurin series through x^13 for |x| &lt; 0.5 (truncation below 5e-10 relative), where 1 - erfc would
    /// lose the relative accuracy; 1 - erfc(x) above, where erf &gt; 0.52 keeps erfc's error relative. NaN stays NaN.
    /// </summary>
    public static double Erf(double x)
    {
        if (Math.Abs(x) < 0.5)
        {
            double x2 = x * x;
            return TwoOverSqrtPi * x * (1 + x2 * (-1.0 / 3 + x2 * (1.0 / 10 + x2 * (-1.0 / 42 + x2 * (1.0 / 216
                + x2 * (-1.0 / 1320 + x2 * (1.0 / 9360)))))));
        }
        if (double.IsNaN(x)) return x;
        return x > 0 ? 1.0 - Erfc(x) : Erfc(-x) - 1.0;
    }
}
