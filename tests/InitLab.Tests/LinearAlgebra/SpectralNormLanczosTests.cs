using InitLab.LinearAlgebra;
using InitLab.Random;

namespace InitLab.Tests.LinearAlgebra;

public class SpectralNormLanczosTests
{
    private static double[] Gaussian(int rows, int cols, ulong seed) => TestMatrices.Gaussian(rows, cols, seed);

    [Theory]
    [InlineData(60, 40)]
    [InlineData(40, 60)]
    [InlineData(150, 150)]
    [InlineData(1, 30)]
    public void Lanczos_matches_the_exact_largest_singular_value_within_the_requested_tolerance(int rows, int cols)
    {
        var a = Gaussian(rows, cols, 3);
        double exact = SpectralNorm.Exact(a, rows, cols);
        const double tol = 1e-9;
        var e = SpectralNorm.Lanczos(a, rows, cols, new Generator(4), tol);
        Assert.True(e.Converged);
        // The residual bound guarantees |theta - sigma| <= tol * theta; 1e-12 covers the rounding of both computations.
        Assert.True(Math.Abs(e.Sigma - exact) <= tol * exact + 1e-12 * exact, $"{e.Sigma:R} vs {exact:R}");
    }

    [Fact]
    public void Float_lanczos_at_1e_4_is_within_1e_4_of_the_exact_value_on_a_random_matrix()
    {
        int n = 200;
        var a = new float[n * n];
        new Generator(5).Normal(a);
        double exact = SpectralNorm.Exact(a, n, n);
        var e = SpectralNorm.Lanczos(a, n, n, new Generator(6), 1e-4);
        Assert.True(e.Converged);
        // Plus float rounding of the products: about sqrt(n) 2^-24 relative.
        Assert.True(Math.Abs(e.Sigma - exact) <= (1e-4 + Math.Sqrt(n) * 6e-8) * exact, $"{e.Sigma:R} vs {exact:R}");
        Assert.True(e.Iterations < n / 2, $"{e.Iterations} iterations");
    }

    [Fact]
    public void Lanczos_finds_the_top_of_a_known_spectrum_with_a_tiny_gap()
    {
        // diag(1, 2, ..., 49, 50 - 1e-3, 50): the power-iteration ratio (sigma_2 / sigma_1)^2 is 0.99996.
        int n = 50;
        var a = new double[n * n];
        for (int i = 0; i < n; i++) a[i * n + i] = i + 1;
        a[(n - 2) * n + n - 2] = n - 1e-3;
        var e = SpectralNorm.Lanczos(a, n, n, new Generator(7), 1e-10);
        Assert.Equal(50.0, e.Sigma, 1e-8);
    }

    [Fact]
    public void The_returned_vectors_satisfy_a_v_equals_sigma_u()
    {
        int rows = 80, cols = 50;
        var a = Gaussian(rows, cols, 8);
        var e = SpectralNorm.Lanczos(a, rows, cols, new Generator(9), 1e-8);
        for (int i = 0; i < rows; i++)
        {
            double av = 0;
            for (int j = 0; j < cols; j++) av += a[i * cols + j] * e.V[j];
            Assert.Equal(e.Sigma * e.U[i], av, 1e-6);
        }
    }

    [Fact]
    public void The_zero_matrix_has_norm_0()
    {
        var e = SpectralNorm.Lanczos(new double[12], 3, 4, new Generator(1));
        Assert.Equal(0.0, e.Sigma);
        Assert.True(e.Converged);
    }

    [Fact]
    public void Results_are_bit_identical_on_every_thread_count()
    {
        // 300 x 300 = 9e4 > 2^16 elements: the matrix-vector products split over threads.
        int n = 300;
        var a = new float[n * n];
        new Generator(10).Normal(a);
        var reference = SpectralNorm.Lanczos(a, n, n, new Generator(11), 1e-6, threads: 1);
        foreach (int threads in ThreadCounts.All)
        {
            var e = ThreadCounts.Parallel(threads, t => SpectralNorm.Lanczos(a, n, n, new Generator(11), 1e-6, threads: t));
            Assert.Equal(BitConverter.DoubleToInt64Bits(reference.Sigma), BitConverter.DoubleToInt64Bits(e.Sigma));
            Assert.Equal(reference.U, e.U);
            Assert.Equal(reference.V, e.V);
            Assert.Equal(reference.Iterations, e.Iterations);
        }
    }

    [Theory]
    [InlineData(0.0, "relativeTolerance")]
    [InlineData(1.0, "relativeTolerance")]
    [InlineData(double.NaN, "relativeTolerance")]
    public void Bad_tolerances_are_rejected_naming_the_parameter(double tolerance, string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => SpectralNorm.Lanczos(new double[4], 2, 2, new Generator(1), tolerance));
        Assert.Equal(name, ex.ParamName);
    }

    [Fact]
    public void Non_finite_entries_are_rejected_naming_a()
    {
        var ex = Assert.Throws<ArgumentException>(() => SpectralNorm.Lanczos(new[] { 1f, float.NaN, 0f, 1f }, 2, 2, new Generator(1)));
        Assert.Equal("a", ex.ParamName);
    }
}
