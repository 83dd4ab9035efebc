using InitLab.LinearAlgebra;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.LinearAlgebra;

// Distribution tests of the blocked Stewart sampler at sizes that span more than one WY block.
public class HaarSamplerTests
{
    private const int N = 150;        // two compact-WY blocks (BlockSize = 128)
    private const int Draws = 1000;

    // Both distribution tests read the same 1000 draws.
    private static readonly Lazy<(double[] FirstSquared, double[] Traces)> Draw = new(Sample);

    private static (double[] FirstSquared, double[] Traces) Sample()
    {
        var g = new Generator(2024);
        var q = new double[N * N];
        var first = new double[Draws];
        var traces = new double[Draws];
        for (int d = 0; d < Draws; d++)
        {
            Orthogonal.Sample(g, q, N, N);
            first[d] = q[0] * q[0];
            double trace = 0;
            for (int i = 0; i < N; i++) trace += q[i * N + i];
            traces[d] = trace;
        }
        return (first, traces);
    }

    // CDF of Beta(1/2, b): with u = t^2, F(x) = c * integral_0^sqrt(x) 2 (1 - t^2)^(b - 1) dt, a smooth integrand
    // (composite Simpson); c normalizes F(1) = 1.
    private static Func<double, double> BetaHalfCdf(double b)
    {
        static double Simpson(Func<double, double> f, double hi, int intervals)
        {
            double h = hi / intervals, s = f(0) + f(hi);
            for (int i = 1; i < intervals; i++) s += (i % 2 == 1 ? 4 : 2) * f(i * h);
            return s * h / 3;
        }
        double F(double t) => 2 * Math.Pow(1 - t * t, b - 1);
        double total = Simpson(F, 1, 4000);
        return x => x <= 0 ? 0 : x >= 1 ? 1 : Simpson(F, Math.Sqrt(x), 2000) / total;
    }

    [Fact]
    public void Squared_first_entry_follows_beta_one_half_n_minus_1_over_2_by_ks_at_alpha_1e_3()
    {
        // A Haar column is uniform on the sphere, so Q_11^2 ~ Beta(1/2, (n - 1)/2).
        var (first, _) = Draw.Value;
        var ks = KolmogorovSmirnov.Test(first, BetaHalfCdf((N - 1) / 2.0));
        Assert.True(ks.Passes(1e-3), ks.ToString());
    }

    [Fact]
    public void Trace_has_mean_0_and_variance_1_within_5_standard_errors()
    {
        // For Haar O(n), n >= 2: E[tr Q] = 0 and E[(tr Q)^2] = 1 (Diaconis and Shahshahani 1994); tr Q is close to
        // N(0, 1), so the sample mean has SE 1/sqrt(D) and the sample variance SE about sqrt(2/D).
        var (_, traces) = Draw.Value;
        var s = Stats.Of(traces);
        Assert.InRange(s.Mean, -5 / Math.Sqrt(Draws), 5 / Math.Sqrt(Draws));
        Assert.InRange(s.Std * s.Std, 1 - 5 * Math.Sqrt(2.0 / Draws), 1 + 5 * Math.Sqrt(2.0 / Draws));
    }

    [Theory]
    [InlineData(300, 300)]
    [InlineData(300, 257)]
    [InlineData(129, 400)]
    public void Multi_block_samples_are_orthonormal_to_1e_12(int rows, int cols)
    {
        var q = new double[rows * cols];
        Orthogonal.Sample(new Generator(9), q, rows, cols);
        bool tall = rows >= cols;
        int n = Math.Min(rows, cols), m = Math.Max(rows, cols);
        var gram = new double[n * n];
        // Gram of the orthonormal side: Q^T Q (tall) or Q Q^T (wide), through the reference GEMM.
        ReferenceGemm.Run(tall, !tall, n, n, m, 1.0, q, cols, q, cols, 0.0, gram, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.True(Math.Abs(gram[i * n + j] - (i == j ? 1 : 0)) <= 1e-12, $"Gram[{i},{j}] = {gram[i * n + j]:R}");
    }
}
