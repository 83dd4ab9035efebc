namespace InitLab.Tests;

/// <summary>Gradient checks against central finite differences, for the backward passes in double precision.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// Asserts, for every i, that <paramref name="gradient"/>[i] equals (L(p + h e_i) - L(p - h e_i)) / 2h within
    /// 10^-<paramref name="digits"/> (absolute), perturbing <paramref name="parameters"/> in place (and restoring it).
    /// Truncation error O(h^2) ~ 1e-12 and rounding ~ 1e-16 L / h ~ 1e-10 for h = 1e-6 and a loss of order 1.
    /// </summary>
    public static void Check(double[] parameters, IReadOnlyList<double> gradient, Func<double> loss, int digits, double h = 1e-6)
    {
        Assert.Equal(parameters.Length, gradient.Count);
        for (int i = 0; i < parameters.Length; i++)
        {
            double saved = parameters[i];
            parameters[i] = saved + h;
            double up = loss();
            parameters[i] = saved - h;
            double down = loss();
            parameters[i] = saved;
            Assert.Equal((up - down) / (2 * h), gradient[i], Math.Pow(10, -digits));
        }
    }
}
