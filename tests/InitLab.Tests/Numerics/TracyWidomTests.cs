using InitLab.LinearAlgebra;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Numerics;

public sealed class TracyWidomTests
{
    [Fact]
    public void The_mean_and_variance_of_F1_are_the_published_values()
    {
        // Tracy & Widom (1996), Bornemann (2010, Table 5): E = -1.2065335745820, Var = 1.6077810345810. By parts,
        // E S = int_0^inf (1 - F(s)) - F(-s) ds and E S^2 = int_0^inf 2 s (1 - F(s) + F(-s)) ds; composite Simpson, h = 0.1
        // (the tails beyond 10 are below 1e-13).
        const int m = 100;
        const double h = 0.1;
        double mean = 0, second = 0;
        for (int i = 0; i <= m; i++)
        {
            double s = i * h, w = (i == 0 || i == m ? 1 : i % 2 == 1 ? 4 : 2) * h / 3;
            double upper = 1 - TracyWidom.Cdf(s), lower = TracyWidom.Cdf(-s);
            mean += w * (upper - lower);
            second += w * 2 * s * (upper + lower);
        }
        Assert.Equal(-1.2065335745820, mean, 8);
        Assert.Equal(1.6077810345810, second - mean * mean, 6);
    }

    [Theory]
    [InlineData(0.05, 0.9793)]   // Tracy-Widom beta = 1 percentiles (Johnstone 2001, Table 1; Bejan 2005)
    [InlineData(0.01, 2.0234)]
    public void Upper_quantiles_match_the_published_table(double tail, double expected) =>
        Assert.Equal(expected, TracyWidom.UpperQuantile(tail), 3);

    [Fact]
    public void The_interpolated_upper_tail_matches_the_determinant_everywhere_on_its_table()
    {
        for (double s = -6.93; s < 8; s += 0.173)
        {
            double exact = 1 - TracyWidom.Cdf(s), table = TracyWidom.UpperTail(s);
            Assert.True(Math.Abs(table - exact) <= 1e-4 * exact, $"s = {s}: table {table:R}, exact {exact:R}");
        }
    }

    [Fact]
    public void Beyond_the_table_the_tail_follows_the_determinant_within_a_few_percent()
    {
        foreach (double s in new[] { 9.0, 11.0 })
            Assert.Equal(1.0, TracyWidom.UpperTail(s) / (1 - TracyWidom.Cdf(s)), 1);
        Assert.True(TracyWidom.UpperTail(30) is > 0 and < 1e-40);
    }

    [Fact]
    public void The_largest_eigenvalue_of_a_white_Wishart_matrix_follows_F1_with_Ma_centering()
    {
        // 400 matrices W (200 x 50) of N(0, 1) entries: (lambda_max(W^T W) - mu) / sigma is TW1 (Johnstone 2001, Ma 2012).
        const int rows = 200, cols = 50, reps = 400;
        double n = rows - 0.5, p = cols - 0.5, a = Math.Sqrt(n) + Math.Sqrt(p);
        double mu = a * a, sigma = a * Math.Cbrt(1 / Math.Sqrt(n) + 1 / Math.Sqrt(p));
        var statistics = new double[reps];
        var w = new double[rows * cols];
        var generator = new Generator(2024);
        for (int r = 0; r < reps; r++)
        {
            generator.Normal(w);
            statistics[r] = (SymmetricEigen.SquaredSingularValues(w, rows, cols)[0] - mu) / sigma;
        }
        var ks = KolmogorovSmirnov.Test(statistics, s => 1 - TracyWidom.UpperTail(s));
        Assert.True(ks.PValue >= 1e-3, $"KS p = {ks.PValue}");
    }
}
