using InitLab.Training;

namespace InitLab.Tests.Training;

public class OptimizerTests
{
    private static (float[] P, float[] G) Arrays(int n, int seed)
    {
        var g = new InitLab.Random.Generator((ulong)seed);
        var p = new float[n];
        var d = new float[n];
        g.Normal(p);
        g.Normal(d);
        return (p, d);
    }

    [Fact]
    public void Sgd_with_momentum_matches_a_scalar_reference_bit_for_bit_at_every_length()
    {
        // Lengths 0..67 cover every SIMD tail; the reference is the textbook loop in float.
        for (int n = 0; n < 68; n++)
        {
            var (p, g) = Arrays(n, n);
            var reference = (float[])p.Clone();
            var v = new float[n];
            var state = new Optimizer.Sgd(0.05, 0.9).CreateState([n]);
            for (int step = 0; step < 3; step++)
            {
                state.Update([p], [g]);
                for (int i = 0; i < n; i++)
                {
                    v[i] = 0.9f * v[i] + g[i];
                    reference[i] -= 0.05f * v[i];
                }
            }
            Assert.Equal(reference, p);
        }
    }

    [Fact]
    public void Sgd_with_a_constant_gradient_moves_by_the_momentum_series()
    {
        // v_1 = g, v_2 = (1 + mu) g, v_3 = (1 + mu + mu^2) g: p_3 = p_0 - eta g (3 + 2 mu + mu^2).
        var p = new float[] { 1, -2, 0.5f };
        var g = new float[] { 0.1f, 0.2f, -0.3f };
        var state = new Optimizer.Sgd(0.1, 0.5).CreateState([3]);
        for (int step = 0; step < 3; step++) state.Update([p], [g]);
        double factor = 3 + 2 * 0.5 + 0.25;
        Assert.Equal(1 - 0.1 * 0.1 * factor, p[0], 6);
        Assert.Equal(-2 - 0.1 * 0.2 * factor, p[1], 6);
        Assert.Equal(0.5 + 0.1 * 0.3 * factor, p[2], 6);
    }

    [Fact]
    public void Adam_matches_a_scalar_reference_bit_for_bit_at_every_length()
    {
        for (int n = 0; n < 68; n++)
        {
            var (p, g) = Arrays(n, 100 + n);
            var reference = (float[])p.Clone();
            var m = new float[n];
            var v = new float[n];
            var state = new Optimizer.Adam(0.01).CreateState([n]);
            for (int t = 1; t <= 3; t++)
            {
                state.Update([p], [g]);
                float c1 = (float)(1 / (1 - Math.Pow(0.9, t))), c2 = (float)(1 / (1 - Math.Pow(0.999, t)));
                for (int i = 0; i < n; i++)
                {
                    m[i] = 0.9f * m[i] + (1 - 0.9f) * g[i];
                    v[i] = 0.999f * v[i] + (1 - 0.999f) * g[i] * g[i];
                    reference[i] -= 0.01f * (m[i] * c1) / (MathF.Sqrt(v[i] * c2) + 1e-8f);
                }
            }
            Assert.Equal(reference, p);
        }
    }

    [Fact]
    public void Adams_first_step_moves_every_parameter_by_the_learning_rate()
    {
        // After bias correction m_hat = g and v_hat = g^2, so the first step is -eta g / (|g| + eps) = -eta sign(g).
        var (p, g) = Arrays(100, 5);
        var before = (float[])p.Clone();
        new Optimizer.Adam(0.003).CreateState([100]).Update([p], [g]);
        for (int i = 0; i < 100; i++) Assert.Equal(-0.003 * Math.Sign(g[i]), p[i] - before[i], 5);
    }

    [Fact]
    public void Settings_out_of_range_are_rejected_by_name()
    {
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => new Optimizer.Sgd(0)).Message);
        Assert.Contains("momentum must be in [0, 1), got 1", Assert.Throws<ArgumentException>(() => new Optimizer.Sgd(0.1, 1)).Message);
        Assert.Contains("learning rate", Assert.Throws<ArgumentException>(() => new Optimizer.Adam(double.NaN)).Message);
        Assert.Contains("beta2", Assert.Throws<ArgumentException>(() => new Optimizer.Adam(0.1, Beta2: 1)).Message);
        var state = new Optimizer.Sgd(0.1).CreateState([3]);
        Assert.Throws<ArgumentException>(() => state.Update([new float[4]], [new float[4]]));
    }
}
