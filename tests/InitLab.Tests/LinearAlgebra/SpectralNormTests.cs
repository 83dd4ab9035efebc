using InitLab.LinearAlgebra;
using InitLab.Random;

namespace InitLab.Tests.LinearAlgebra;

public sealed class SpectralNormTests
{
    private static double[] Gaussian(int rows, int cols, ulong seed) => TestMatrices.Gaussian(rows, cols, seed);

    [Theory]
    [InlineData(60, 40)]
    [InlineData(40, 60)]
    [InlineData(50, 50)]
    [InlineData(1, 9)]
    [InlineData(9, 1)]
    public void Power_iteration_on_a_random_matrix_meets_its_relative_tolerance_against_the_SVD_value(int rows, int cols)
    {
        // The solver stops when its extrapolated remaining error is below relativeTolerance * sigma (1e-6 by default);
        // the Jacobi SVD is accurate to a few ulps of sigma_max (1e-13 covers it).
        var a = Gaussian(rows, cols, 3);
        var estimate = SpectralNorm.PowerIteration(a, rows, cols, new Generator(4));
        double exact = SpectralNorm.Exact(a, rows, cols);
        Assert.True(estimate.Converged);
        Assert.True(Math.Abs(estimate.Sigma - exact) <= (1e-6 + 1e-13) * exact, $"power {estimate.Sigma}, SVD {exact}");
    }

    [Fact]
    public void Power_iteration_on_a_rank_1_matrix_finds_the_product_of_the_factor_norms()
    {
        // A = x y^T has the single nonzero singular value ||x|| ||y||.
        double[] x = [1, -2, 3, 0.5], y = [2, 0, -1];
        var a = new double[x.Length * y.Length];
        for (int i = 0; i < x.Length; i++)
            for (int j = 0; j < y.Length; j++)
                a[i * y.Length + j] = x[i] * y[j];
        double expected = Math.Sqrt(1 + 4 + 9 + 0.25) * Math.Sqrt(4 + 0 + 1);
        var estimate = SpectralNorm.PowerIteration(a, x.Length, y.Length, new Generator(1));
        // Rank 1: one step is exact up to rounding of the two matrix-vector products (a few ulps).
        Assert.True(Math.Abs(estimate.Sigma - expected) <= 1e-13 * expected);
        Assert.True(Math.Abs(SpectralNorm.Exact(a, x.Length, y.Length) - expected) <= 1e-12 * expected);
        // The singular vectors are x / ||x|| and y / ||y|| up to a common sign.
        double sign = Math.Sign(estimate.U[0]);
        for (int i = 0; i < x.Length; i++) Assert.Equal(sign * x[i] / Math.Sqrt(14.25), estimate.U[i], 1e-9);
        for (int j = 0; j < y.Length; j++) Assert.Equal(sign * y[j] / Math.Sqrt(5), estimate.V[j], 1e-9);
    }

    [Fact]
    public void Power_iteration_on_the_zero_matrix_gives_zero_with_unit_vectors()
    {
        var estimate = SpectralNorm.PowerIteration(new double[12], 3, 4, new Generator(1));
        Assert.Equal(0.0, estimate.Sigma);
        Assert.Equal(0.0, SpectralNorm.Exact(new double[12], 3, 4));
        Assert.True(estimate.Converged);
        Assert.Equal(1.0, Norm(estimate.U), 12);
        Assert.Equal(1.0, Norm(estimate.V), 12);
    }

    [Fact]
    public void The_returned_vectors_satisfy_u_equals_A_v_over_sigma()
    {
        const int rows = 30, cols = 20;
        var a = Gaussian(rows, cols, 9);
        var e = SpectralNorm.PowerIteration(a, rows, cols, new Generator(2));
        Assert.Equal(1.0, Norm(e.V), 12);
        for (int i = 0; i < rows; i++)
        {
            double av = 0;
            for (int j = 0; j < cols; j++) av += a[i * cols + j] * e.V[j];
            Assert.Equal(av / e.Sigma, e.U[i], 12);
        }
    }

    [Fact]
    public void Exact_singular_values_of_a_diagonal_matrix_are_its_absolute_diagonal_sorted()
    {
        double[] a = [3, 0, 0, 0, -5, 0, 0, 0, 1, 0, 0, 0];
        var s = SpectralNorm.SingularValues(a, 4, 3);
        Assert.Equal([5.0, 3.0, 1.0], s);
    }

    [Theory]
    [InlineData(37, 23)]
    [InlineData(23, 37)]
    public void The_squares_of_the_singular_values_sum_to_the_squared_Frobenius_norm(int rows, int cols)
    {
        var a = Gaussian(rows, cols, 17);
        double frobenius = a.Sum(x => x * x);
        double sum = SpectralNorm.SingularValues(a, rows, cols).Sum(s => s * s);
        Assert.Equal(frobenius, sum, 1e-10 * frobenius);
    }

    [Fact]
    public void Exact_singular_values_of_a_Haar_orthogonal_matrix_are_all_one()
    {
        var q = new double[24 * 10];
        Orthogonal.Sample(new Generator(6), q, 24, 10);
        foreach (double s in SpectralNorm.SingularValues(q, 24, 10)) Assert.Equal(1.0, s, 12);
    }

    [Fact]
    public void Normalizing_sets_the_exact_spectral_norm_to_the_target()
    {
        var a = Gaussian(64, 48, 12);
        var before = SpectralNorm.Exact(a, 64, 48);
        var estimate = SpectralNorm.NormalizeInPlace(a, 64, 48, 2.5, new Generator(1));
        // The estimate meets the solver's relative tolerance 1e-6; scaling by 2.5 / estimate carries that error over.
        Assert.True(Math.Abs(estimate.Sigma - before) <= (1e-6 + 1e-13) * before);
        Assert.True(Math.Abs(SpectralNorm.Exact(a, 64, 48) - 2.5) <= (1e-6 + 1e-13) * 2.5);
    }

    [Fact]
    public void Float_normalization_reaches_the_target_to_float_precision()
    {
        var a = new float[40 * 40];
        new Generator(13).Normal(a);
        SpectralNorm.NormalizeInPlace(a, 40, 40, 1.0, new Generator(2));
        // Solver tolerance 1e-6, plus rounding each element to float: |sigma(A + E) - sigma(A)| <= ||E||_F <= u ||A||_F
        // <= u sqrt(40) sigma (Weyl), u = 2^-24.
        Assert.True(Math.Abs(SpectralNorm.Exact(a, 40, 40) - 1.0) <= 1e-6 + Math.Sqrt(40) * Math.Pow(2, -24));
    }

    [Fact]
    public void Float_and_double_overloads_agree_on_the_same_values()
    {
        var f = new float[20 * 15];
        new Generator(21).Normal(f);
        var d = Array.ConvertAll(f, x => (double)x);
        var ef = SpectralNorm.PowerIteration(f, 20, 15, new Generator(3));
        var ed = SpectralNorm.PowerIteration(d, 20, 15, new Generator(3));
        Assert.Equal(ed.Sigma, ef.Sigma);
        Assert.Equal(ed.Iterations, ef.Iterations);
    }

    [Fact]
    public void Hitting_the_iteration_limit_is_reported_as_not_converged()
    {
        var a = Gaussian(30, 30, 1);
        var e = SpectralNorm.PowerIteration(a, 30, 30, new Generator(1), maxIterations: 1);
        Assert.False(e.Converged);
        Assert.Equal(1, e.Iterations);
        Assert.True(e.Sigma > 0 && e.Sigma <= SpectralNorm.Exact(a, 30, 30) * (1 + 1e-12));
    }

    [Fact]
    public void Same_seed_gives_the_same_bits_on_one_thread_and_on_many()
    {
        // 320 x 250 = 8e4 > 2^16 elements: the matrix-vector products split over threads.
        var a = Gaussian(320, 250, 4);
        var serial = SpectralNorm.PowerIteration(a, 320, 250, new Generator(8), threads: 1);
        foreach (int threads in ThreadCounts.All)
        {
            var parallel = ThreadCounts.Parallel(threads, t => SpectralNorm.PowerIteration(a, 320, 250, new Generator(8), threads: t));
            Assert.Equal(serial.Sigma, parallel.Sigma);
            Assert.Equal(serial.U, parallel.U);
            Assert.Equal(serial.V, parallel.V);
            Assert.Equal(serial.Iterations, parallel.Iterations);
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected_naming_the_parameter()
    {
        var g = new Generator(0);
        var a = new double[6];
        Assert.Equal("rows", Assert.Throws<ArgumentException>(() => SpectralNorm.PowerIteration(a, 0, 6, g)).ParamName);
        Assert.Equal("cols", Assert.Throws<ArgumentException>(() => SpectralNorm.PowerIteration(a, 6, -1, g)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => SpectralNorm.PowerIteration(a, 2, 2, g)).ParamName);
        Assert.Equal("relativeTolerance", Assert.Throws<ArgumentException>(() => SpectralNorm.PowerIteration(a, 2, 3, g, 0)).ParamName);
        Assert.Equal("relativeTolerance", Assert.Throws<ArgumentException>(() => SpectralNorm.PowerIteration(a, 2, 3, g, double.NaN)).ParamName);
        Assert.Equal("maxIterations", Assert.Throws<ArgumentException>(() => SpectralNorm.PowerIteration(a, 2, 3, g, 1e-6, 0)).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => SpectralNorm.NormalizeInPlace(new double[6] { 1, 0, 0, 0, 0, 0 }, 2, 3, -1, g)).ParamName);
        Assert.Equal("target", Assert.Throws<ArgumentException>(() => SpectralNorm.NormalizeInPlace(new double[6], 2, 3, double.PositiveInfinity, g)).ParamName);
        var nan = new double[] { 1, double.NaN, 0, 0, 0, 0 };
        var ex = Assert.Throws<ArgumentException>(() => SpectralNorm.PowerIteration(nan, 2, 3, g));
        Assert.Contains("a[1] = NaN", ex.Message);
        Assert.Throws<ArgumentException>(() => SpectralNorm.Exact(new double[] { double.PositiveInfinity }, 1, 1));
    }

    [Fact]
    public void Normalizing_the_zero_matrix_is_an_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => SpectralNorm.NormalizeInPlace(new float[6], 2, 3, 1.0, new Generator(0)));
        Assert.Equal("a", ex.ParamName);
    }

    private static double Norm(double[] x) => Math.Sqrt(x.Sum(v => v * v));
}
