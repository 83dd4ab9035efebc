namespace InitLab.Numerics;

/// <summary>
/// Elementary functions in double precision with full relative accuracy where the naive formulas cancel:
/// ln(1 + x) and e^x - 1 near 0, the logistic sigmoid and softplus for large |x|.
/// </summary>
internal static class Elementary
{
    /// <summary>ln(1 + x); Goldberg's correction ln(u) x / (u - 1), u = 1 + x, removes the rounding of 1 + x.</summary>
    public static double Log1P(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0) return x;
        if (double.IsInfinity(u)) return u;
        return Math.Log(u) * (x / (u - 1.0));
    }

    /// <summary>e^x - 1; Kahan's correction (u - 1) x / ln(u), u = e^x, removes the cancellation near 0.</summary>
    public static double ExpM1(double x)
    {
        if (Math.Abs(x) > 0.5) return Math.Exp(x) - 1.0;
        double u = Math.Exp(x);
        if (u == 1.0) return x;
        return (u - 1.0) * (x / Math.Log(u));
    }

    /// <summary>1 / (1 + e^-x), evaluated through e^-|x| so that neither side overflows.</summary>
    public static double Sigmoid(double x)
    {
        if (x >= 0) return 1.0 / (1.0 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1.0 + e);
    }

    /// <summary>ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|).</summary>
    public static double Softplus(double x) => Math.Max(x, 0.0) + Log1P(Math.Exp(-Math.Abs(x)));
}
