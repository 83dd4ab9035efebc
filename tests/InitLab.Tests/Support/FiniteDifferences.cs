using InitLab.Random;

namespace InitLab.Tests;

/// <summary>Gradient checks against central finite differences, for the backward passes in double precision.</summary>
internal static class FiniteDifferences
{
    /// <summary>
    /// Asserts, for each checked i, that <paramref name="analytic"/>[i] and (L(p + h e_i) - L(p - h e_i)) / 2h differ by at
    /// most <paramref name="absolute"/> + <paramref name="relative"/> |numeric|, perturbing <paramref name="values"/> in
    /// place (and restoring it). Every index is checked when there are at most <paramref name="samples"/>, else that many
    /// indices drawn uniformly from stream 7 of <paramref name="seed"/>. Truncation error O(h^2) ~ 1e-12 and rounding
    /// ~ 1e-16 L / h ~ 1e-10 for h = 1e-6 and a loss of order 1.
    /// </summary>
    public static void Check(double[] values, IReadOnlyList<double> analytic, Func<double> loss, double absolute, double relative = 0,
        int samples = int.MaxValue, ulong seed = 0, string what = "parameter", double h = 1e-6)
    {
        Assert.Equal(values.Length, analytic.Count);
        var pick = new Generator(seed, 7);
        int count = Math.Min(values.Length, samples);
        for (int s = 0; s < count; s++)
        {
            int i = values.Length <= samples ? s : (int)(pick.NextUniform() * values.Length);
            double saved = values[i];
            values[i] = saved + h;
            double up = loss();
            values[i] = saved - h;
            double down = loss();
            values[i] = saved;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - analytic[i]) <= absolute + relative * Math.Abs(numeric),
                $"{what}[{i}]: finite difference {numeric:R}, backward {analytic[i]:R}");
        }
    }
}
