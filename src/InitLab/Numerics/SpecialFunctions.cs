namespace InitLab.Numerics;

/// <summary>
/// Double-precision special functions of the normal distribution: erf, erfc, the scaled erfcx, the Mills ratio, the
/// standard normal CDF Phi, its density and its inverse. All are accurate in relative terms over the whole range,
/// tails included (erfc(26) = 5.7e-296 to a few ulp, not 1 - erf), through the lane kernels of
/// <see cref="DoubleLaneMath"/> (docs/numerics.md); the truncated normal (<see cref="StandardTruncatedNormal"/>) and
/// the quadrature rely on that.
/// </summary>
public static class SpecialFunctions
{
    private const double SqrtTwoPi = 2.5066282746310005024;
    private const double SqrtTwoOverPi = 0.79788456080286535588;

    /// <summary>erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, within 2 ulp (exactly odd).</summary>
    public static double Erf(double x) => DoubleLaneMath.Erf<ScalarDouble, double>(x);

    /// <summary>erfc(x) = 1 - erf(x) = e^(-x^2) erfcx(x) for x &gt;= 0 (relative accuracy down to its underflow at
    /// x = 27.2), 2 - erfc(-x) for x &lt; 0.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x < 0) return 2.0 - Erfc(-x);
        return DoubleLaneMath.GaussianTimes<ScalarDouble, double>(x, Erfcx(x));
    }

    /// <summary>
    /// The scaled complementary error function erfcx(x) = e^(x^2) erfc(x): sqrt(2/pi) M(sqrt 2 x) with the Mills ratio
    /// M for x &gt;= 0 (about 1 / (x sqrt pi) for large x, never overflowing), 2 e^(x^2) - erfcx(-x) for x &lt; 0
    /// (overflows to +inf below x = -26.6).
    /// </summary>
    public static double Erfcx(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x < 0) return 2.0 * Math.Exp(x * x) - Erfcx(-x);
        return SqrtTwoOverPi * MillsRatio(DoubleLaneMath.Sqrt2 * x);
    }

    /// <summary>
    /// The Mills ratio M(z) = Q(z) / phi(z) = P(Z &gt; z) / phi(z) of the standard normal: a fitted polynomial in
    /// 5 / (5 + z) for 0 &lt;= z &lt;= 40 (<see cref="DoubleLaneMath.MillsRatio"/>), Laplace's continued fraction
    /// 1 / (z + 1 / (z + 2 / (z + 3 / ...))) evaluated backward from 40 terms above (truncation below 1e-30 there),
    /// 1 / phi(z) - M(-z) for z &lt; 0. M(z) ~ 1 / z for large z; M(+inf) = 0.
    /// </summary>
    public static double MillsRatio(double z)
    {
        if (double.IsNaN(z)) return z;
        if (z < 0) return SqrtTwoPi * Math.Exp(0.5 * z * z) - MillsRatio(-z);
        if (z <= 40) return DoubleLaneMath.MillsRatio<ScalarDouble, double>(z);
        if (double.IsPositiveInfinity(z)) return 0;
        double rho = 0;
        for (int k = 40; k >= 1; k--) rho = k / (z + rho);
        return 1.0 / (z + rho);
    }

    /// <summary>Standard normal CDF Phi(x) = P(Z &lt;= x): Q(-x) for x &lt; 0 (relative accuracy through the left tail),
    /// 1 - Q(x) otherwise.</summary>
    public static double NormalCdf(double x)
    {
        if (double.IsNaN(x)) return x;
        double q = DoubleLaneMath.NormalTail<ScalarDouble, double>(Math.Abs(x));
        return x < 0 ? q : 1.0 - q;
    }

    /// <summary>Standard normal density phi(x) = exp(-x^2 / 2) / sqrt(2 pi), with x^2 split exactly (relative accuracy in the tails).</summary>
    public static double NormalPdf(double x) =>
        double.IsNaN(x) ? x : DoubleLaneMath.NormalPdfTimes<ScalarDouble, double>(x, 1.0);

    /// <summary>
    /// Inverse of the standard normal CDF, Phi^-1(p) for p in (0, 1); -inf at 0, +inf at 1.
    /// Acklam's rational approximation refined by two Halley steps on the exact CDF (full double precision).
    /// </summary>
    public static double NormalQuantile(double p)
    {
        if (double.IsNaN(p) || p < 0 || p > 1)
            throw new ArgumentException($"p must be in [0, 1], got {Guard.Fmt(p)}.", nameof(p));
        if (p == 0) return double.NegativeInfinity;
        if (p == 1) return double.PositiveInfinity;

        double x = AcklamQuantile(p);
        // Halley refinement: each step roughly triples the number of correct digits.
        for (int i = 0; i < 2; i++)
        {
            // e = Phi(x) - p, written through the upper tail when p > 1/2 to keep its relative accuracy.
            double e = p < 0.5 ? NormalCdf(x) - p : (1.0 - p) - NormalCdf(-x);
            double u = e * SqrtTwoPi * Math.Exp(0.5 * x * x);
            x -= u / (1.0 + 0.5 * x * u);
        }
        return x;
    }

    // P. J. Acklam's algorithm (relative error < 1.15e-9), used as the starting point.
    private static double AcklamQuantile(double p)
    {
        const double a1 = -3.969683028665376e+01, a2 = 2.209460984245205e+02, a3 = -2.759285104469687e+02,
            a4 = 1.383577518672690e+02, a5 = -3.066479806614716e+01, a6 = 2.506628277459239e+00;
        const double b1 = -5.447609879822406e+01, b2 = 1.615858368580409e+02, b3 = -1.556989798598866e+02,
            b4 = 6.680131188771972e+01, b5 = -1.328068155288572e+01;
        const double c1 = -7.784894002430293e-03, c2 = -3.223964580411365e-01, c3 = -2.400758277161838e+00,
            c4 = -2.549732539343734e+00, c5 = 4.374664141464968e+00, c6 = 2.938163982698783e+00;
        const double d1 = 7.784695709041462e-03, d2 = 3.224671290700398e-01, d3 = 2.445134137142996e+00,
            d4 = 3.754408661907416e+00;
        const double pLow = 0.02425;

        if (p < pLow)
        {
            double q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6) / ((((d1 * q + d2) * q + d3) * q + d4) * q + 1);
        }
        if (p > 1 - pLow)
        {
            double q = Math.Sqrt(-2 * Math.Log(1 - p));
            return -(((((c1 * q + c2) * q + c3) * q + c4) * q + c5) * q + c6) / ((((d1 * q + d2) * q + d3) * q + d4) * q + 1);
        }
        {
            double q = p - 0.5, r = q * q;
            return (((((a1 * r + a2) * r + a3) * r + a4) * r + a5) * r + a6) * q /
                   (((((b1 * r + b2) * r + b3) * r + b4) * r + b5) * r + 1);
        }
    }
}
