namespace InitLab.Numerics;

/// <summary>
/// The Airy function Ai(x), the solution of y'' = x y that decays for x -> +infinity (Abramowitz &amp; Stegun 10.4).
/// Needed by the Tracy-Widom distribution of the largest eigenvalue of a random matrix (<see cref="TracyWidom"/>).
/// </summary>
public static class Airy
{
    // Ai(0) = 1 / (3^(2/3) Gamma(2/3)) and -Ai'(0) = 1 / (3^(1/3) Gamma(1/3)) (A&S 10.4.4, 10.4.5).
    private const double Ai0 = 0.355028053887817239260;
    private const double MinusAiPrime0 = 0.258819403792806798405;
    private const double SeriesLimit = 6.0;

    /// <summary>
    /// Ai(x). For x &lt;= 6 the Maclaurin series Ai(x) = Ai(0) f(x) + Ai'(0) g(x),
    /// f = sum_k 3^k (1/3)_k x^(3k) / (3k)!, g = sum_k 3^k (2/3)_k x^(3k+1) / (3k+1)! (A&amp;S 10.4.2-3), whose largest term
    /// stays below 10^6 on [-8, 6] (absolute error about 1e-10 there; at -10, where the terms reach 10^9, about 1e-7);
    /// for x &gt; 6 the asymptotic expansion
    /// Ai(x) ~ exp(-zeta) / (2 sqrt(pi) x^(1/4)) sum_k (-1)^k u_k / zeta^k, zeta = 2/3 x^(3/2) (A&amp;S 10.4.59), summed
    /// up to its smallest term (relative error about 1e-7 at 6, falling quickly beyond).
    /// </summary>
    /// <exception cref="ArgumentException">x is below -10 (where the series loses its precision) or NaN.</exception>
    public static double Ai(double x)
    {
        if (double.IsNaN(x) || x < -10)
            throw new ArgumentException($"x must be a number >= -10, got {Guard.Fmt(x)}.", nameof(x));
        if (x > SeriesLimit) return Asymptotic(x);
        double x3 = x * x * x;
        double f = 1, g = x, tf = 1, tg = x;
        for (int k = 1; k < 200; k++)
        {
            tf *= x3 / ((3.0 * k - 1) * (3.0 * k));
            tg *= x3 / ((3.0 * k) * (3.0 * k + 1));
            f += tf;
            g += tg;
            if (Math.Abs(tf) + Math.Abs(tg) < 1e-18 * (Math.Abs(f) + Math.Abs(g))) break;
        }
        return Ai0 * f - MinusAiPrime0 * g;
    }

    private static double Asymptotic(double x)
    {
        if (x > 105) return 0; // exp(-zeta) underflows
        double zeta = 2.0 / 3.0 * x * Math.Sqrt(x);
        // u_k = Gamma(3k + 1/2) / (54^k k! Gamma(k + 1/2)): u_k / u_(k-1) = (3k - 1/2)(3k - 3/2)(3k - 5/2) / (54 k (k - 1/2)).
        double u = 1, sum = 1, term = 1, previous = double.PositiveInfinity;
        for (int k = 1; k < 60; k++)
        {
            u *= (3 * k - 0.5) * (3 * k - 1.5) * (3 * k - 2.5) / (54.0 * k * (k - 0.5));
            double next = u / Math.Pow(zeta, k) * (k % 2 == 0 ? 1 : -1);
            if (Math.Abs(next) >= previous) break; // the series diverges past its smallest term
            sum += next;
            term = next;
            previous = Math.Abs(next);
            if (Math.Abs(term) < 1e-17) break;
        }
        return Math.Exp(-zeta) / (2 * Math.Sqrt(Math.PI) * Math.Pow(x, 0.25)) * sum;
    }
}
