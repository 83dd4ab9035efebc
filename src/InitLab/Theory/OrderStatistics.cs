using System.Collections.Concurrent;
using InitLab.Numerics;

namespace InitLab.Theory;

/// <summary>
/// The maximum of k equicorrelated Gaussians by exact integrals (no sampling): X_i = m + sqrt(v rho) Z_0 + sqrt(v (1 - rho)) Z_i
/// with Z_0, ..., Z_k i.i.d. N(0, 1) (every equicorrelated Gaussian vector with correlation rho &gt;= 0 has this law), so
/// max X_i = m + sqrt(v rho) Z_0 + sqrt(v (1 - rho)) M_k where M_k, the largest of k i.i.d. N(0, 1), has density
/// k phi(x) Phi(x)^(k-1) (David &amp; Nagaraja 2003, Order Statistics, ch. 2).
/// </summary>
public static class OrderStatistics
{
    private static readonly ConcurrentDictionary<int, (double, double)> Standard = new();

    /// <summary>
    /// E[M_k] and E[M_k^2] for M_k the largest of k i.i.d. N(0, 1): the integrals of x^r k phi(x) Phi(x)^(k-1)
    /// (E[M_1] = 0, E[M_2] = 1/sqrt(pi), E[M_4] = 1.0293754, ...).
    /// </summary>
    /// <exception cref="ArgumentException">k &lt; 1.</exception>
    public static (double Mean, double Second) MaxOfStandard(int k)
    {
        if (k < 1) throw new ArgumentException($"k must be >= 1, got {k}.", nameof(k));
        if (k == 1) return (0, 1);
        return Standard.GetOrAdd(k, n => (
            GaussianExpectation.Normal(x => x * n * Math.Pow(SpecialFunctions.NormalCdf(x), n - 1)),
            GaussianExpectation.Normal(x => x * x * n * Math.Pow(SpecialFunctions.NormalCdf(x), n - 1))));
    }

    /// <summary>
    /// E[g(M)] and E[g(M)^2] for M the largest of k equicorrelated N(m, v) variables with correlation
    /// <paramref name="rho"/> in [0, 1] (g = identity when null; g should be non-decreasing to stand for max of g(X_i)).
    /// </summary>
    /// <param name="k">Number of variables (&gt;= 1).</param>
    /// <param name="m">Their mean.</param>
    /// <param name="v">Their variance (&gt;= 0).</param>
    /// <param name="rho">Their pairwise correlation, clamped to [0, 1] (a negative equicorrelation below -1/(k-1) does not exist).</param>
    /// <param name="g">A function applied to the maximum, or null.</param>
    /// <param name="kinks">Points where g is not smooth.</param>
    /// <exception cref="ArgumentException">k &lt; 1, m not finite or v negative.</exception>
    public static (double Mean, double Second) Max(int k, double m, double v, double rho, Func<double, double>? g = null, IReadOnlyList<double>? kinks = null)
    {
        if (k < 1) throw new ArgumentException($"k must be >= 1, got {k}.", nameof(k));
        if (!double.IsFinite(m)) throw new ArgumentException($"m must be finite, got {Guard.Fmt(m)}.", nameof(m));
        if (!(v >= 0) || !double.IsFinite(v)) throw new ArgumentException($"v must be finite and >= 0, got {Guard.Fmt(v)}.", nameof(v));
        rho = double.IsNaN(rho) ? 0 : Math.Clamp(rho, 0, 1);
        double a = Math.Sqrt(v * rho), b = Math.Sqrt(v * (1 - rho));
        if (g is null)
        {
            // E[M] = m + b mu_k; E[M^2] = m^2 + 2 m b mu_k + a^2 + b^2 E[M_k^2] (Z_0 and M_k independent).
            var (mu1, mu2) = MaxOfStandard(k);
            return (m + b * mu1, m * m + 2 * m * b * mu1 + a * a + b * b * mu2);
        }
        if (v == 0 || k == 1)
            return (ActivationMoments.Expect(g, m, v, kinks), ActivationMoments.Expect(x => g(x) * g(x), m, v, kinks));
        if (b == 0)
            return (ActivationMoments.Expect(g, m, v, kinks), ActivationMoments.Expect(x => g(x) * g(x), m, v, kinks));
        // E[h(M)] = E_{Z_0}[ E_{t ~ N(0,1)}[ k Phi(t)^(k-1) h(m + a Z_0 + b t) ] ]; the inner integral is split where g has a kink.
        double Inner(Func<double, double> h, double z0)
        {
            double centre = m + a * z0;
            var cuts = kinks?.Select(x => (x - centre) / b).ToArray();
            return GaussianRule.Expect(t => k * Math.Pow(FastNormal.Cdf(t), k - 1) * h(centre + b * t), 0, 1, cuts);
        }
        Func<double, double> square = x => g(x) * g(x);
        if (a == 0) return (Inner(g, 0), Inner(square, 0));
        return (GaussianRule.Expect(z => Inner(g, z), 0, 1), GaussianRule.Expect(z => Inner(square, z), 0, 1));
    }
}
