using InitLab.LinearAlgebra;

namespace InitLab.Tests.LinearAlgebra;

public sealed class SymmetricEigenTests
{
    [Fact]
    public void A_2x2_matrix_has_its_textbook_eigenvalues() =>
        Assert.Equal([3.0, 1.0], SymmetricEigen.Eigenvalues([2, 1, 1, 2], 2), (a, b) => Math.Abs(a - b) < 1e-15);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(40)]
    public void The_second_difference_matrix_has_eigenvalues_2_minus_2_cos(int n)
    {
        // tridiag(-1, 2, -1): lambda_k = 2 - 2 cos(k pi / (n + 1)), k = 1..n.
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            a[i * n + i] = 2;
            if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
        }
        var expected = Enumerable.Range(1, n).Select(k => 2 - 2 * Math.Cos(k * Math.PI / (n + 1))).OrderDescending().ToArray();
        var actual = SymmetricEigen.Eigenvalues(a, n);
        for (int k = 0; k < n; k++) Assert.True(Math.Abs(actual[k] - expected[k]) <= 1e-13, $"k = {k}: {actual[k]:R} vs {expected[k]:R}");
    }

    [Fact]
    public void A_dense_matrix_with_a_known_spectrum_is_recovered()
    {
        // A = Q diag(d) Q^T with Q a Householder reflector I - 2 v v^T / v^T v: eigenvalues d exactly.
        int n = 9;
        double[] d = [5, -3, 2.5, 2.5, 0, 1e-3, -7, 4, 1];
        var v = Enumerable.Range(0, n).Select(i => Math.Sin(i + 1.0)).ToArray();
        double vv = v.Sum(x => x * x);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                {
                    double qik = (i == k ? 1 : 0) - 2 * v[i] * v[k] / vv, qjk = (j == k ? 1 : 0) - 2 * v[j] * v[k] / vv;
                    a[i * n + j] += qik * d[k] * qjk;
                }
        var actual = SymmetricEigen.Eigenvalues(a, n);
        var expected = d.OrderDescending().ToArray();
        for (int k = 0; k < n; k++) Assert.True(Math.Abs(actual[k] - expected[k]) <= 1e-13, $"k = {k}: {actual[k]:R} vs {expected[k]:R}");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(40, 31)]
    [InlineData(31, 40)]
    [InlineData(120, 64)]
    public void Squared_singular_values_agree_with_the_Jacobi_SVD(int rows, int cols)
    {
        var a = TestMatrices.Gaussian(rows, cols, (ulong)(rows * 1000 + cols));
        var jacobi = SpectralNorm.SingularValues(a, rows, cols);
        var gram = SymmetricEigen.SquaredSingularValues(a, rows, cols);
        Assert.Equal(jacobi.Length, gram.Length);
        for (int i = 0; i < jacobi.Length; i++)
            Assert.True(Math.Abs(Math.Sqrt(gram[i]) - jacobi[i]) <= 1e-12 * jacobi[0], $"i = {i}: {Math.Sqrt(gram[i]):R} vs {jacobi[i]:R}");
    }

    [Fact]
    public void A_rank_one_matrix_has_one_non_zero_singular_value()
    {
        // u v^T with |u| = sqrt(14), |v| = sqrt(5): sigma_1 = sqrt(70), the rest 0.
        double[] u = [1, 2, 3], v = [1, 2];
        var a = new double[6];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 2; j++) a[i * 2 + j] = u[i] * v[j];
        var s2 = SymmetricEigen.SquaredSingularValues(a, 3, 2);
        Assert.Equal(70, s2[0], 12);
        Assert.Equal(0, s2[1], 12);
    }

    [Fact]
    public void Empty_and_zero_matrices_are_handled()
    {
        Assert.Empty(SymmetricEigen.Eigenvalues([], 0));
        Assert.Empty(SymmetricEigen.SquaredSingularValues([], 0, 5));
        Assert.Equal([0.0, 0.0], SymmetricEigen.SquaredSingularValues(new double[6], 2, 3));
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_parameter_named()
    {
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => SymmetricEigen.Eigenvalues([1, 2, 3], 2)).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => SymmetricEigen.Eigenvalues([1, double.NaN, 2, 1], 2)).ParamName);
        Assert.Throws<ArgumentException>(() => SymmetricEigen.SquaredSingularValues([1, 2], 2, 2));
    }
}
