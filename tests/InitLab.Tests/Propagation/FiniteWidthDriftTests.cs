using InitLab.Activations;
using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

public class FiniteWidthDriftTests
{
    // Var(phi(z)^2) / E[phi(z)^2]^2 for z ~ N(0, 1), written out: relu E[relu^2] = 1/2, E[relu^4] = 3/2 -> 5;
    // identity 3 - 1 = 2. Square orthogonal weights remove the part explained by h^2: relu Cov(relu^2, h^2) = 1,
    // Var(h^2) = 2 -> (5/4 - 1/2) / (1/4) = 3; identity 0.
    [Theory]
    [InlineData("relu", false, 5.0)]
    [InlineData("identity", false, 2.0)]
    [InlineData("relu", true, 3.0)]
    [InlineData("identity", true, 0.0)]
    public void Layer_log_variance_is_the_kurtosis_excess_over_the_width(string act, bool orthogonal, double ratio)
    {
        foreach (double q in new[] { 1e-6, 1.0, 37.0 })
            Assert.Equal(ratio / 64, FiniteWidthDrift.LayerLogVariance(ActivationRegistry.Parse(act), q, 64, orthogonal), 1e-9);
    }

    [Fact]
    public void A_residual_relu_layer_adds_the_variance_of_its_mean_square_over_its_squared_mean()
    {
        // x_l,i = x_i + a r_i, r_i = relu(h_i) i.i.d., h ~ N(0, q), given x with mean mu and mean square M:
        // m_l = (1/n) sum (x_i + a r_i)^2 has mean M + 2 a mu E r + a^2 E r^2 and variance
        // (4 a^2 M Var r + 4 a^3 mu Cov(r, r^2) + a^4 Var r^2) / n. relu moments for s = sqrt(q), c = 1/sqrt(2 pi):
        // E r = s c, E r^2 = q/2, E r^3 = 2 s^3 c, E r^4 = 3 q^2 / 2.
        double q = 2.0, a = 0.7, mu = 0.3, m = 1.5;
        int n = 50;
        double s = Math.Sqrt(q), c = 1 / Math.Sqrt(2 * Math.PI);
        double r1 = s * c, r2 = q / 2, r3 = 2 * s * s * s * c, r4 = 1.5 * q * q;
        double mean = m + 2 * a * mu * r1 + a * a * r2;
        double variance = (4 * a * a * m * (r2 - r1 * r1) + 4 * a * a * a * mu * (r3 - r1 * r2) + Math.Pow(a, 4) * (r4 - r2 * r2)) / n;
        double v = FiniteWidthDrift.LayerLogVariance(Activation.Relu, q, n, residualAlpha: a, inputMean: mu, inputMeanSquare: m);
        Assert.Equal(variance / (mean * mean), v, 1e-9 * v);
    }

    [Fact]
    public void Tanh_fluctuates_like_identity_for_small_signals_and_less_for_saturated_ones()
    {
        Assert.Equal(2.0 / 100, FiniteWidthDrift.LayerLogVariance(Activation.Tanh, 1e-8, 100), 1e-8);
        Assert.True(FiniteWidthDrift.LayerLogVariance(Activation.Tanh, 100, 100) < 0.2 / 100);
        Assert.Equal(0, FiniteWidthDrift.LayerLogVariance(Activation.Relu, 0, 100));
    }

    [Fact]
    public void The_band_matches_a_simulation_of_the_fitted_random_walk()
    {
        // 20000 random walks y_k = sum_(j <= k) e_j, e_j ~ N(-v/(4 ln 10), v/(4 ln^2 10)) with v growing over the layers,
        // fitted by least squares as the diagnosis does: the mean and sd of slope * L within 5 standard errors of Band's.
        const int depth = 50, walks = 20000;
        var v = Enumerable.Range(1, depth).Select(l => 0.02 + 0.001 * l).ToArray();
        var band = FiniteWidthDrift.Band(v);
        var g = new InitLab.Random.Generator(8);
        var z = new double[depth];
        var totals = new double[walks];
        double ln10 = Math.Log(10), centre = depth / 2.0, sxx = Enumerable.Range(0, depth + 1).Sum(k => (k - centre) * (k - centre));
        for (int w = 0; w < walks; w++)
        {
            g.Normal(z);
            double y = 0, sxy = 0;
            for (int k = 1; k <= depth; k++)
            {
                y += -v[k - 1] / (4 * ln10) + Math.Sqrt(v[k - 1]) / (2 * ln10) * z[k - 1];
                sxy += (k - centre) * y;
            }
            totals[w] = depth * sxy / sxx;
        }
        double mean = totals.Average(), sd = Math.Sqrt(totals.Sum(t => (t - mean) * (t - mean)) / (walks - 1));
        Assert.True(Math.Abs(mean - band.Drift) <= 5 * sd / Math.Sqrt(walks), $"mean {mean} vs {band.Drift}");
        Assert.True(Math.Abs(sd - band.Sd) <= 5 * sd / Math.Sqrt(2.0 * walks), $"sd {sd} vs {band.Sd}");
        Assert.Equal(band.Drift - 2.5758293035489 * band.Sd, band.Low, 1e-12);
        Assert.Equal(2.5758293035489 * band.Sd, band.High, 1e-12);
        // For equal steps the fitted change has mean L mean(e) and variance close to 1.2 L var(e).
        var flat = FiniteWidthDrift.Band(Enumerable.Repeat(0.05, 400).ToArray());
        Assert.Equal(-400 * 0.05 / (4 * ln10), flat.Drift, 1e-12);
        Assert.Equal(Math.Sqrt(1.2 * 400 * 0.05) / (2 * ln10), flat.Sd, 0.01 * flat.Sd);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => FiniteWidthDrift.Band([]));
        Assert.Throws<ArgumentException>(() => FiniteWidthDrift.Band([0.1, -1]));
        Assert.Throws<ArgumentException>(() => FiniteWidthDrift.Band([0.1], alpha: 1));
        Assert.Throws<ArgumentException>(() => FiniteWidthDrift.LayerLogVariance(Activation.Relu, 1, 0));
    }
}
