using InitLab.Theory;

namespace InitLab.Tests.Theory;

/// <summary>Collision moments of the softmax of Gaussian logits, against integrals written here.</summary>
public class SoftmaxMomentsTests
{
    /// <summary>E[f(p)] for softmax of 3 i.i.d. N(0, lambda) logits by a 3-D Gauss-Hermite product rule built here (Golub-Welsch on the Hermite recurrence).</summary>
    private static (double S2, double S3, double S22) ThreeLogits(double lambda)
    {
        const int n = 48;
        var jacobi = new double[n, n];
        for (int i = 1; i < n; i++) jacobi[i, i - 1] = jacobi[i - 1, i] = Math.Sqrt(i);
        var (x, vectors) = SoftmaxMoments.SymmetricEigen(jacobi);
        var w = Enumerable.Range(0, n).Select(i => vectors[0, i] * vectors[0, i]).ToArray();
        double s = Math.Sqrt(lambda), s2 = 0, s3 = 0, s22 = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                {
                    double a = Math.Exp(s * x[i]), b = Math.Exp(s * x[j]), c = Math.Exp(s * x[k]), t = a + b + c;
                    double p = a / t, q = b / t, r = c / t, ww = w[i] * w[j] * w[k], sq = p * p + q * q + r * r;
                    s2 += ww * sq;
                    s3 += ww * (p * p * p + q * q * q + r * r * r);
                    s22 += ww * sq * sq;
                }
        return (s2, s3, s22);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.5)]
    [InlineData(2.0)]
    public void Three_logits_match_a_gauss_hermite_product_rule(double lambda)
    {
        var (s2, s3, s22) = ThreeLogits(lambda);
        var c = SoftmaxMoments.OfIndependent(3, lambda);
        Assert.Equal(s2, c.S2, 1e-9);
        Assert.Equal(s3, c.S3, 1e-9);
        Assert.Equal(s22, c.S22, 1e-9);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.7)]
    [InlineData(9.0)]
    public void Two_logits_reduce_to_a_logistic_integral(double lambda)
    {
        // p1 = sigmoid(u1 - u2), u1 - u2 ~ N(0, 2 lambda): E[p^2 + (1 - p)^2] by Simpson's rule here.
        const int n = 20000;
        double sd = Math.Sqrt(2 * lambda), h = 24.0 / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double z = -12 + i * h, p = 1 / (1 + Math.Exp(-sd * z)), w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
            sum += w * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI) * (p * p + (1 - p) * (1 - p));
        }
        Assert.Equal(sum * h / 3, SoftmaxMoments.OfIndependent(2, lambda).S2, 1e-9);
    }

    [Fact]
    public void Small_logit_variance_follows_the_first_order_expansion_and_the_table_the_quadrature()
    {
        // E sum p^2 = (1 + (n - 1) lambda / n) / n + O(lambda^2).
        foreach (int n in new[] { 8, 64 })
        {
            double lambda = 1e-4;
            Assert.Equal((1 + (n - 1) * lambda / n) / n, SoftmaxMoments.OfIndependent(n, lambda).S2, 1e-7 / n);
            foreach (double l in new[] { 3e-6, 0.013, 0.4, 2.9, 40.0 })
            {
                var table = SoftmaxMoments.OfIndependent(n, l);
                var direct = SoftmaxMoments.Direct(n, l);
                Assert.Equal(direct.S2, table.S2, 1e-10);
                Assert.Equal(direct.S3, table.S3, 1e-10);
                Assert.Equal(direct.S22, table.S22, 1e-10);
            }
        }
    }

    [Fact]
    public void Dot_product_logits_average_over_the_query_norm_chi_square()
    {
        // E_r[S2(lambda r)], r ~ chi^2_d / d, by Simpson's rule over the chi-square density written here.
        const int n = 16, d = 8;
        const double lambda = 0.8;
        int steps = 4000;
        double hi = 6, h = hi / steps, sum = 0, k = d / 2.0;
        double lnNorm = k * Math.Log(k) - LogGamma(k);
        for (int i = 1; i <= steps; i++)
        {
            double r = i * h, w = i == steps ? 1 : i % 2 == 1 ? 4 : 2;
            double density = Math.Exp(lnNorm + (k - 1) * Math.Log(r) - k * r);
            sum += w * density * SoftmaxMoments.OfIndependent(n, lambda * r).S2;
        }
        Assert.Equal(sum * h / 3, SoftmaxMoments.OfDotProducts(n, lambda, d).S2, 1e-7);
    }

    private static double LogGamma(double x)
    {
        // Integer or half-integer x: exact products.
        double r = 0;
        for (double t = x - 1; t > 0.5; t--) r += Math.Log(t);
        return x % 1 == 0.5 ? r + 0.5 * Math.Log(Math.PI) : r;
    }

    /// <summary>
    /// Two logits: p = sigmoid(u), u = u1 - u2 ~ N(0, 2 lambda), so E sum p^2 = 1 - 2 E[p(1 - p)], E sum p^3 = 1 - 3 E[p(1 - p)] and
    /// E (sum p^2)^2 = E[(1 - 2 p(1 - p))^2], by the trapezoid rule in u (step sigma_u / 4000 over 12 sigma_u: the integrands are smooth).
    /// The one-hot limit's error is O(1/sigma^3) here (the gap density is even): |error| &lt;= 2 / sigma^3 per moment, while a wrong
    /// coefficient of 1/sigma would be off by ~0.2 / sigma.
    /// </summary>
    [Theory]
    [InlineData(900.0)]
    [InlineData(40000.0)]
    public void The_one_hot_limit_of_two_logits_matches_a_direct_integral(double lambda)
    {
        double su = Math.Sqrt(2 * lambda), h = su / 4000, q1 = 0, q11 = 0;
        for (double u = -12 * su; u <= 12 * su; u += h)
        {
            double p = 1 / (1 + Math.Exp(-u)), q = p * (1 - p), density = Math.Exp(-0.5 * u * u / (su * su)) / (su * Math.Sqrt(2 * Math.PI));
            q1 += h * density * q;
            q11 += h * density * (1 - 2 * q) * (1 - 2 * q);
        }
        var limit = SoftmaxMoments.OneHotLimit(2, lambda);
        double tolerance = 2 / Math.Pow(lambda, 1.5);
        Assert.Equal(1 - 2 * q1, limit.S2, tolerance);
        Assert.Equal(1 - 3 * q1, limit.S3, tolerance);
        Assert.Equal(q11, limit.S22, tolerance);
        Assert.Equal(limit, SoftmaxMoments.OfIndependent(2, lambda));
    }

    /// <summary>
    /// Eight logits at lambda = 50 (inside the quadrature's table) and 400 (the limit): the three-logit product rule of this file is
    /// too coarse there, so this checks the limit's consistency: at 50 it is within its O(1/lambda) error (allowed 2/lambda) of the
    /// quadrature, at 400 each moment is above the value at 50 (the softmax sharpens) and below 1.
    /// </summary>
    [Fact]
    public void The_one_hot_limit_of_eight_logits_joins_the_quadrature()
    {
        var q = SoftmaxMoments.OfIndependent(8, 50);
        var l = SoftmaxMoments.OneHotLimit(8, 50);
        Assert.Equal(q.S2, l.S2, 2.0 / 50);
        Assert.Equal(q.S3, l.S3, 2.0 / 50);
        Assert.Equal(q.S22, l.S22, 2.0 / 50);
        var far = SoftmaxMoments.OfIndependent(8, 400);
        Assert.True(far.S2 > q.S2 && far.S2 < 1 && far.S3 > q.S3 && far.S22 > q.S22, $"{far} vs {q}");
    }
}
