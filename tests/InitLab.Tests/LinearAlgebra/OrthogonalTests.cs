using InitLab.LinearAlgebra;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.LinearAlgebra;

public sealed class OrthogonalTests
{
    public static TheoryData<int, int> Shapes => new()
    {
        { 50, 20 }, { 20, 50 }, { 32, 32 }, { 1, 1 }, { 1, 7 }, { 7, 1 }, { 129, 3 }, { 3, 129 }, { 0, 4 }, { 4, 0 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Float_samples_have_orthonormal_columns_when_tall_and_orthonormal_rows_when_wide(int rows, int cols)
    {
        var q = new float[rows * cols];
        Orthogonal.Sample(new Generator(7), q, rows, cols);
        Assert.True(MaxGramError(q, rows, cols) <= 1e-5, $"max |Gram - I| = {MaxGramError(q, rows, cols)}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Double_samples_are_orthonormal_to_1e_12(int rows, int cols)
    {
        var q = new double[rows * cols];
        Orthogonal.Sample(new Generator(8), q, rows, cols);
        Assert.True(MaxGramError(q, rows, cols) <= 1e-12);
    }

    [Fact]
    public void Float_sample_is_the_double_sample_rounded_once()
    {
        var d = new double[40 * 30];
        var f = new float[40 * 30];
        Orthogonal.Sample(new Generator(11, 3), d, 40, 30);
        Orthogonal.Sample(new Generator(11, 3), f, 40, 30);
        for (int i = 0; i < d.Length; i++) Assert.Equal((float)d[i], f[i]);
    }

    [Fact]
    public void Work_arrays_rented_with_stale_contents_give_the_same_bits()
    {
        // The sampler rents its work arrays from ArrayPool.Shared: whatever they held before must not reach the result.
        // 300 x 260 spans three reflector blocks, so the zeroed prefix of every block row matters.
        const int rows = 300, cols = 260;
        var fresh = new float[rows * cols];
        Orthogonal.Sample(new Generator(3), fresh, rows, cols, threads: 1);
        var freshD = new double[rows * cols];
        Orthogonal.Sample(new Generator(3), freshD, rows, cols, threads: 1);
        for (int round = 0; round < 2; round++)
        {
            var doubles = Enumerable.Range(0, 6).Select(_ => System.Buffers.ArrayPool<double>.Shared.Rent(rows * cols)).ToList();
            var floats = Enumerable.Range(0, 3).Select(_ => System.Buffers.ArrayPool<float>.Shared.Rent(rows * cols)).ToList();
            foreach (var a in doubles) { Array.Fill(a, double.NaN); System.Buffers.ArrayPool<double>.Shared.Return(a); }
            foreach (var a in floats) { Array.Fill(a, float.NaN); System.Buffers.ArrayPool<float>.Shared.Return(a); }
            var again = new float[rows * cols];
            Orthogonal.Sample(new Generator(3), again, rows, cols, threads: 1);
            Assert.Equal(fresh, again);
            var againD = new double[rows * cols];
            Orthogonal.Sample(new Generator(3), againD, rows, cols, threads: 1);
            Assert.Equal(freshD, againD);
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_bits_on_one_thread_and_on_many()
    {
        // 600 x 512: the Gaussian draw spans several 2^16-element chunks and the block updates
        // (128 x 512 x 600 = 3.9e7 multiply-adds) cross GEMM's 2^25 serial threshold; wide and tall both.
        foreach (var (rows, cols) in new[] { (600, 512), (512, 600) })
        {
            var serial = new double[rows * cols];
            Orthogonal.Sample(new Generator(5), serial, rows, cols, threads: 1);
            foreach (int threads in ThreadCounts.All)
            {
                var parallel = ThreadCounts.Parallel(threads, t =>
                {
                    var q = new double[rows * cols];
                    Orthogonal.Sample(new Generator(5), q, rows, cols, t);
                    return q;
                });
                Assert.Equal(serial, parallel);
            }
        }
    }

    [Fact]
    public void Sampling_advances_the_generator_so_consecutive_samples_differ()
    {
        var g = new Generator(1);
        var a = new double[16];
        var b = new double[16];
        Orthogonal.Sample(g, a, 4, 4);
        Orthogonal.Sample(g, b, 4, 4);
        Assert.NotEqual(a, b);
    }

    // Under the Haar measure a column (tall, square) or row (wide) of length 3 is uniform on the sphere S^2, and a
    // coordinate of a uniform point on S^2 is U[-1, 1] (Archimedes' hat-box theorem). Without the sign(diag R) fix
    // the diagonal entries are biased (Q_00 <= 0 always with Householder's sign convention), which this test rejects.
    [Theory]
    [InlineData(3, 3, 0, 0)]
    [InlineData(3, 3, 2, 1)]
    [InlineData(3, 2, 0, 1)]
    [InlineData(2, 3, 1, 0)]
    [InlineData(3, 3, 1, 1)]
    [InlineData(3, 2, 1, 1)]
    [InlineData(2, 3, 1, 1)]
    public void Entries_of_3_dimensional_Haar_vectors_are_uniform_on_minus_1_to_1(int rows, int cols, int i, int j)
    {
        const int samples = 4000;
        const double alpha = 1e-3;
        var g = new Generator(2024);
        var q = new double[rows * cols];
        var entries = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            Orthogonal.Sample(g, q, rows, cols);
            entries[s] = q[i * cols + j];
        }
        var ks = KolmogorovSmirnov.Test(entries, KolmogorovSmirnov.UniformCdf(-1, 1));
        Assert.True(ks.Passes(alpha), $"KS p = {ks.PValue}, D = {ks.Statistic}");
    }

    [Theory]
    [InlineData(-1, 3, "rows")]
    [InlineData(3, -2, "cols")]
    public void Negative_dimensions_are_rejected_naming_the_parameter(int rows, int cols, string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => Orthogonal.Sample(new Generator(0), new float[6], rows, cols));
        Assert.Equal(name, ex.ParamName);
    }

    [Fact]
    public void A_destination_of_the_wrong_length_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Orthogonal.Sample(new Generator(0), new double[5], 2, 3));
        Assert.Equal("q", ex.ParamName);
        Assert.Contains("6", ex.Message);
    }

    internal static double MaxGramError<T>(T[] q, int rows, int cols) where T : System.Numerics.IFloatingPointIeee754<T>
    {
        // Tall: Q^T Q (cols x cols); wide: Q Q^T (rows x rows).
        bool tall = rows >= cols;
        int n = tall ? cols : rows, m = tall ? rows : cols;
        double worst = 0;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
            {
                double s = 0;
                for (int k = 0; k < m; k++)
                {
                    double x = double.CreateTruncating(tall ? q[k * cols + a] : q[a * cols + k]);
                    double y = double.CreateTruncating(tall ? q[k * cols + b] : q[b * cols + k]);
                    s += x * y;
                }
                worst = Math.Max(worst, Math.Abs(s - (a == b ? 1 : 0)));
            }
        return worst;
    }
}
