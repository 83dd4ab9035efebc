using InitLab.Theory;

namespace InitLab.Tests.Theory;

public class MomentQuadratureTests
{
    private static double[] NormalMoments(int order)
    {
        var m = new double[order + 1];
        m[0] = 1;
        for (int r = 2; r <= order; r += 2) m[r] = m[r - 2] * (r - 1);
        return m;
    }

    [Fact]
    public void The_rule_from_normal_moments_is_gauss_hermite_and_reproduces_every_moment_to_order_fifteen()
    {
        var (z, w) = MomentQuadrature.FromMoments(NormalMoments(15));
        Assert.Equal(8, z.Length);
        var moments = NormalMoments(15);
        // Rounding relative to the size of the terms, sum w |z|^r.
        for (int r = 0; r <= 15; r++)
            Assert.Equal(moments[r], z.Zip(w, (x, a) => a * Math.Pow(x, r)).Sum(), 1e-11 * z.Zip(w, (x, a) => a * Math.Pow(Math.Abs(x), r)).Sum());
        // The largest node of the 8-point Gauss-Hermite rule (probabilists'): 4.1445478, Abramowitz & Stegun table 25.10 / sqrt 2.
        Assert.Equal(2.930637420257244 * Math.Sqrt(2), z.Max(), 1e-9);
    }

    [Fact]
    public void A_law_with_few_atoms_gives_a_rule_with_as_many_points()
    {
        // Two atoms at -1 and +1: moments 1, 0, 1, 0, 1, ...; the Hankel matrix is singular beyond 2 x 2.
        var mu = Enumerable.Range(0, 16).Select(r => r % 2 == 0 ? 1.0 : 0.0).ToArray();
        var (z, w) = MomentQuadrature.FromMoments(mu);
        Assert.Equal(2, z.Length);
        Assert.Equal([-1.0, 1.0], z.Order().ToArray(), new Comparison(1e-12));
        Assert.All(w, a => Assert.Equal(0.5, a, 1e-12));
    }

    [Fact]
    public void Truncated_normal_moments_match_simpsons_rule()
    {
        foreach (var (mu, sigma) in new[] { (0.3, 1.2), (-2.0, 0.5), (4.0, 2.0) })
        {
            var m = MomentQuadrature.PositivePartMoments(mu, sigma, 6);
            const int n = 20000;
            double a = 0, b = Math.Max(0, mu) + 12 * sigma, h = (b - a) / n;
            for (int r = 0; r <= 6; r++)
            {
                double sum = 0;
                for (int i = 0; i <= n; i++)
                {
                    double y = a + i * h, wt = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
                    sum += wt * Math.Pow(y, r) * Math.Exp(-0.5 * Math.Pow((y - mu) / sigma, 2)) / (sigma * Math.Sqrt(2 * Math.PI));
                }
                Assert.Equal(sum * h / 3, m[r], 1e-8 * (1 + Math.Abs(m[r])));
            }
        }
    }

    private sealed class Comparison(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
