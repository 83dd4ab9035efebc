using InitLab.Theory;

namespace InitLab.Tests.Theory;

/// <summary>The maximum of k Gaussians: known constants and integrals written independently here.</summary>
public class OrderStatisticsTests
{
    private static double Phi(double x) => Support.IndependentNormal.Cdf(x);

    /// <summary>E[M_k^r] by Simpson's rule on [-10, 10] of x^r k phi(x) Phi(x)^(k-1).</summary>
    private static double MaxMoment(int k, int r)
    {
        const int n = 4000;
        double a = -10, h = 20.0 / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double x = a + i * h, w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
            sum += w * Math.Pow(x, r) * k * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI) * Math.Pow(Phi(x), k - 1);
        }
        return sum * h / 3;
    }

    [Fact]
    public void The_expected_maximum_of_k_standard_gaussians_has_its_known_closed_forms()
    {
        // E[M_2] = 1/sqrt(pi), E[M_3] = 3/(2 sqrt(pi)), E[M_3^2] = 1 + sqrt(3)/(2 pi) (David & Nagaraja 2003).
        Assert.Equal(1 / Math.Sqrt(Math.PI), OrderStatistics.MaxOfStandard(2).Mean, 1e-12);
        Assert.Equal(1.0, OrderStatistics.MaxOfStandard(2).Second, 1e-12);
        Assert.Equal(1.5 / Math.Sqrt(Math.PI), OrderStatistics.MaxOfStandard(3).Mean, 1e-12);
        Assert.Equal(1 + Math.Sqrt(3) / (2 * Math.PI), OrderStatistics.MaxOfStandard(3).Second, 1e-12);
        Assert.Equal((0.0, 1.0), OrderStatistics.MaxOfStandard(1));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(27)]
    public void The_moments_of_the_maximum_equal_simpsons_rule_written_here(int k)
    {
        var (mean, second) = OrderStatistics.MaxOfStandard(k);
        Assert.Equal(MaxMoment(k, 1), mean, 1e-9);
        Assert.Equal(MaxMoment(k, 2), second, 1e-9);
    }

    [Fact]
    public void Equicorrelated_maxima_equal_a_two_dimensional_integral_written_here()
    {
        // max X_i = m + sqrt(v rho) Z0 + sqrt(v (1 - rho)) M_k: integrate relu(max)^r over (z0, M_k) with the density of M_k.
        const int k = 4;
        double m = -0.3, v = 2.0, rho = 0.45, a = Math.Sqrt(v * rho), b = Math.Sqrt(v * (1 - rho));
        double h = 0.01, s1 = 0, s2 = 0, sm = 0;
        for (double z = -8 + h / 2; z < 8; z += h)
            for (double t = -8 + h / 2; t < 8; t += h)
            {
                double w = Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI) * k * Math.Exp(-0.5 * t * t) / Math.Sqrt(2 * Math.PI) * Math.Pow(Phi(t), k - 1);
                double x = m + a * z + b * t, r = Math.Max(0, x);
                s1 += w * r;
                s2 += w * r * r;
                sm += w * x;
            }
        var (relu1, relu2) = OrderStatistics.Max(k, m, v, rho, x => Math.Max(0, x), [0]);
        Assert.Equal(s1 * h * h, relu1, 3e-4 * relu1);
        Assert.Equal(s2 * h * h, relu2, 3e-4 * relu2);
        Assert.Equal(sm * h * h, OrderStatistics.Max(k, m, v, rho).Mean, 1e-4);
    }

    [Fact]
    public void Correlation_one_leaves_a_single_gaussian_and_zero_gives_the_independent_maximum()
    {
        var (mean1, second1) = OrderStatistics.Max(5, 0.2, 3, 1);
        Assert.Equal(0.2, mean1, 1e-12);
        Assert.Equal(0.04 + 3, second1, 1e-12);
        var (mean0, _) = OrderStatistics.Max(5, 0, 1, 0);
        Assert.Equal(OrderStatistics.MaxOfStandard(5).Mean, mean0, 1e-12);
        Assert.Throws<ArgumentException>(() => OrderStatistics.Max(0, 0, 1, 0));
    }
}
