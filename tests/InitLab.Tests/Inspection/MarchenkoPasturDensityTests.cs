using InitLab.Inspection;
using InitLab.Random;

namespace InitLab.Tests.Inspection;

public class MarchenkoPasturDensityTests
{
    /// <summary>∫ f(λ) λ^k dλ over the bulk by the midpoint rule in θ, λ = a + (b - a)(1 - cos θ)/2 (removes the edge square roots).</summary>
    private static double Moment(int k, double variance, int rows, int cols)
    {
        var (a, b) = MarchenkoPastur.EigenvalueBulk(variance, rows, cols);
        const int n = 200_000;
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double theta = Math.PI * (i + 0.5) / n;
            double lambda = a + (b - a) * (1 - Math.Cos(theta)) / 2;
            sum += MarchenkoPastur.EigenvalueDensity(lambda, variance, rows, cols) * Math.Pow(lambda, k) * (b - a) * Math.Sin(theta) / 2 * (Math.PI / n);
        }
        return sum;
    }

    [Theory]
    [InlineData(0.5, 100, 400)]
    [InlineData(2.0, 300, 120)]
    [InlineData(1.0, 64, 64)]
    public void The_density_integrates_to_one_with_the_moments_of_Marchenko_and_Pastur(double variance, int rows, int cols)
    {
        // E[t] = 1 and E[t^2] = 1 + y for t = λ / (s^2 N), y = P / N (Bai & Silverstein 2010, Lemma 3.1).
        double n = Math.Max(rows, cols), y = Math.Min(rows, cols) / n, scale = variance * n;
        double tolerance = rows == cols ? 2e-3 : 1e-6; // a square matrix's law has a 1/sqrt(λ) pole at 0
        Assert.Equal(1, Moment(0, variance, rows, cols), tolerance);
        Assert.Equal(1, Moment(1, variance, rows, cols) / scale, tolerance);
        Assert.Equal(1 + y, Moment(2, variance, rows, cols) / (scale * scale), tolerance);
    }

    [Fact]
    public void The_bulk_holds_a_gaussian_matrix_s_spectrum_and_its_edges_are_the_singular_value_edges_squared()
    {
        var (lower, upper) = MarchenkoPastur.EigenvalueBulk(0.25, 200, 800);
        Assert.Equal(Math.Pow(MarchenkoPastur.Edge(0.25, 200, 800), 2), upper, 12);
        Assert.Equal(0.25 * Math.Pow(Math.Sqrt(800) - Math.Sqrt(200), 2), lower, 12);
        var w = new double[200 * 800];
        new Generator(5, 0).Normal(w, 0, 0.5);
        var (eigenvalues, r, c) = TensorInspector.SampledSpectrum(w, 200, 800);
        Assert.Equal((200, 800), (r, c));
        Assert.Equal(200, eigenvalues.Length);
        // Finite-size fluctuations at the edges are O(N^(-2/3)) relative: 5% covers them.
        Assert.InRange(eigenvalues.Max(), upper * 0.95, upper * 1.05);
        Assert.InRange(eigenvalues.Min(), lower * 0.9, lower * 1.1);
        Assert.Equal(0.0, MarchenkoPastur.EigenvalueDensity(upper * 1.01, 0.25, 200, 800));
        Assert.Equal(0.0, MarchenkoPastur.EigenvalueDensity(lower * 0.99, 0.25, 200, 800));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.EigenvalueDensity(1, 0, 3, 3));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.EigenvalueDensity(double.NaN, 1, 3, 3));
        Assert.Throws<ArgumentException>(() => MarchenkoPastur.EigenvalueBulk(1, 0, 3));
        Assert.Throws<ArgumentException>(() => TensorInspector.SampledSpectrum(new double[5], 2, 3));
    }
}
