using InitLab.Networks;
using InitLab.Networks.Families;

namespace InitLab.Tests.Networks;

/// <summary>
/// muP's coordinate check after training steps (Tensor Programs V, Figure 5): under SP with one global learning rate the coordinates
/// of the last hidden layer and the readout grow with width after SGD steps; under muP (readout Var ~ 1/fan_in^2, per-layer learning
/// rates) they stay flat.
/// </summary>
/// <remarks>
/// The statistic is the least-squares slope of ln rms(width) over ln width (widths 64..1024), one slope per seed. Its seed-to-seed
/// spread gives the standard error sd/sqrt(S); the allowed error is k standard errors with k = max(5, Student's two-sided 0.1%
/// quantile) (<see cref="FiniteWidthCheck.StandardErrors"/>) plus the bias a finite-width correction of ln rms of at most 2/n
/// (the O(1/n) term <see cref="FiniteWidthCheck"/> allows) can put into the slope: sum |x_i - xbar| 2/n_i / sum (x_i - xbar)^2.
/// SP's slope must exceed that allowance (clearly growing), muP's must lie within it (flat), and the two must differ by more than
/// k standard errors of their difference.
/// </remarks>
public class CoordinateCheckTests
{
    private static readonly int[] Widths = [64, 128, 256, 512, 1024];
    private const int Seeds = 6;
    private const string Model = "mlp:depth=3,act=relu,out=4";

    private static Dictionary<string, double[]> Slopes(bool mup, int steps, double lr)
    {
        var baseGraph = ModelFamilies.Build($"{Model},width={Widths[0]}");
        var x = Widths.Select(w => Math.Log(w)).ToArray();
        double xbar = x.Average(), sxx = x.Sum(v => (v - xbar) * (v - xbar));
        var slopes = new Dictionary<string, double[]>();
        for (int s = 0; s < Seeds; s++)
        {
            var logs = new Dictionary<string, double[]>();
            for (int i = 0; i < Widths.Length; i++)
            {
                var g = ModelFamilies.Build($"{Model},width={Widths[i]}");
                var options = new CoordinateCheckOptions { Steps = steps, LearningRate = lr, Seed = 100 + (ulong)s };
                var run = mup ? CoordinateCheck.Run(Recipes.MuP(g, Widths[0]), CoordinateCheck.MuPSgdLearningRates(g, baseGraph), options)
                    : CoordinateCheck.Run(Recipes.MuP(g, Widths[i]), null, options);
                foreach (var layer in run)
                {
                    Assert.Equal(steps + 1, layer.Rms.Count);
                    (logs.TryGetValue(layer.Node, out var y) ? y : logs[layer.Node] = new double[Widths.Length])[i] = Math.Log(layer.Rms[^1]);
                }
            }
            foreach (var (node, y) in logs)
            {
                double ybar = y.Average();
                (slopes.TryGetValue(node, out var v) ? v : slopes[node] = new double[Seeds])[s] = x.Zip(y, (a, b) => (a - xbar) * (b - ybar)).Sum() / sxx;
            }
        }
        return slopes;
    }

    private static (double Mean, double StandardError) Summary(double[] v)
    {
        double m = v.Average();
        return (m, Math.Sqrt(v.Sum(a => (a - m) * (a - m)) / (v.Length - 1) / v.Length));
    }

    [Fact]
    public void After_two_sgd_steps_sp_coordinates_grow_with_width_and_mup_coordinates_stay_flat()
    {
        var sp = Slopes(mup: false, steps: 2, lr: 0.5);
        var mup = Slopes(mup: true, steps: 2, lr: 0.5);
        double k = FiniteWidthCheck.StandardErrors(Seeds);
        var x = Widths.Select(w => Math.Log(w)).ToArray();
        double xbar = x.Average();
        double bias = x.Select((v, i) => Math.Abs(v - xbar) * 2.0 / Widths[i]).Sum() / x.Sum(v => (v - xbar) * (v - xbar));
        foreach (string node in new[] { "linear3", "readout" })
        {
            var (s, se) = Summary(sp[node]);
            var (m, me) = Summary(mup[node]);
            Assert.True(s > k * se + bias, $"SP {node}: slope {s:F3} (se {se:F3}) is not clearly > 0 (allowance {k * se + bias:F3})");
            Assert.True(Math.Abs(m) <= k * me + bias, $"muP {node}: slope {m:F3} (se {me:F3}) is not flat within {k * me + bias:F3}");
            Assert.True(s - m > k * Math.Sqrt(se * se + me * me), $"{node}: SP slope {s:F3} and muP slope {m:F3} do not differ");
        }
        // Every muP layer is flat, including the first (both its dimensions grow: a hidden weight).
        foreach (var (node, v) in mup)
        {
            var (m, me) = Summary(v);
            Assert.True(Math.Abs(m) <= k * me + bias, $"muP {node}: slope {m:F3} (se {me:F3}) is not flat within {k * me + bias:F3}");
        }
    }

    [Fact]
    public void MuP_sgd_learning_rates_follow_table_3_with_base_shapes()
    {
        // mlp (input width = width): linear1..3 are hidden (both dims grow): 1; the readout (4, n) has fan_in infinite: base/fan_in.
        var g = ModelFamilies.Build("mlp:depth=3,width=256,bias=true,out=4");
        var b = ModelFamilies.Build("mlp:depth=3,width=64,bias=true,out=4");
        var lr = CoordinateCheck.MuPSgdLearningRates(g, b);
        Assert.Equal(1, lr["linear2.weight"]);
        Assert.Equal(64.0 / 256, lr["readout.weight"]);
        Assert.Equal(256.0 / 64, lr["linear2.bias"]);   // a bias of infinite length n: n / base_n
        Assert.Equal(1, lr["readout.bias"]);            // finite length
        // A CNN's stem (3 input channels, finite) is an input weight: fan_out / base_fan_out.
        var c = CoordinateCheck.MuPSgdLearningRates(ModelFamilies.Build("cnn:depth=2,channels=32,size=4"), ModelFamilies.Build("cnn:depth=2,channels=8,size=4"));
        Assert.Equal(4, c[c.Keys.First(k => k.EndsWith(".weight", StringComparison.Ordinal))]);
        // At the base width muP is SP: every multiplier 1.
        Assert.All(CoordinateCheck.MuPSgdLearningRates(b, b).Values, v => Assert.Equal(1, v));
        Assert.Throws<ArgumentException>(() => CoordinateCheck.MuPSgdLearningRates(g, ModelFamilies.Build("mlp:depth=2,width=64,out=4")));
    }

    [Fact]
    public void Zero_steps_measure_the_initialization_and_the_same_seed_gives_the_same_bits()
    {
        var g = Recipes.MuP(ModelFamilies.Build("mlp:depth=2,width=32,out=3"), 32);
        var a = CoordinateCheck.Run(g, null, new CoordinateCheckOptions { Steps = 2, Seed = 5 });
        var b = CoordinateCheck.Run(g, null, new CoordinateCheckOptions { Steps = 0, Seed = 5 });
        Assert.Equal(["linear1", "linear2", "readout"], a.Select(l => l.Node));
        Assert.Equal(a.Select(l => l.Rms[0]), b.Select(l => l.Rms[0]));
        Assert.Equal(a.Select(l => l.Rms), CoordinateCheck.Run(g, null, new CoordinateCheckOptions { Steps = 2, Seed = 5 }).Select(l => l.Rms));
        // Training moves the readout (cross-entropy on fixed labels).
        Assert.NotEqual(a[2].Rms[0], a[2].Rms[2]);
        Assert.Throws<ArgumentException>(() => CoordinateCheck.Run(g, null, new CoordinateCheckOptions { Steps = -1 }));
        Assert.Throws<ArgumentException>(() => CoordinateCheck.Run(g, null, new CoordinateCheckOptions { LearningRate = 0 }));
    }
}
