namespace InitLab.Theory;

/// <summary>Brent's method (Brent 1973, "Algorithms for Minimization without Derivatives", ch. 4) on a sign-changing bracket.</summary>
internal static class RootFinding
{
    /// <summary>A root of f in [a, b] given f(a) and f(b) of opposite signs (or one of them zero), to |b| 4 eps + absoluteTolerance.</summary>
    public static double Brent(Func<double, double> f, double a, double b, double fa, double fb, double absoluteTolerance)
    {
        if (fa == 0) return a;
        if (fb == 0) return b;
        if (Math.Sign(fa) == Math.Sign(fb))
            throw new InvalidOperationException($"no sign change on [{a}, {b}]: f = {fa}, {fb}.");
        double c = a, fc = fa, d = b - a, e = d;
        for (int iteration = 0; iteration < 300; iteration++)
        {
            if (Math.Sign(fb) == Math.Sign(fc))
            {
                c = a; fc = fa; d = e = b - a;
            }
            if (Math.Abs(fc) < Math.Abs(fb))
            {
                a = b; b = c; c = a;
                fa = fb; fb = fc; fc = fa;
            }
            double tol = 4 * double.Epsilon + 4e-16 * Math.Abs(b) + 0.5 * absoluteTolerance;
            double m = 0.5 * (c - b);
            if (Math.Abs(m) <= tol || fb == 0) return b;
            if (Math.Abs(e) >= tol && Math.Abs(fa) > Math.Abs(fb))
            {
                // Inverse quadratic interpolation, or the secant step when only two points are distinct.
                double s = fb / fa, p, q;
                if (a == c)
                {
                    p = 2 * m * s;
                    q = 1 - s;
                }
                else
                {
                    double qq = fa / fc, r = fb / fc;
                    p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
                    q = (qq - 1) * (r - 1) * (s - 1);
                }
                if (p > 0) q = -q; else p = -p;
                if (2 * p < Math.Min(3 * m * q - Math.Abs(tol * q), Math.Abs(e * q)))
                {
                    e = d; d = p / q;
                }
                else
                {
                    d = m; e = m;
                }
            }
            else
            {
                d = m; e = m;
            }
            a = b; fa = fb;
            b += Math.Abs(d) > tol ? d : (m > 0 ? tol : -tol);
            fb = f(b);
        }
        return b;
    }
}
