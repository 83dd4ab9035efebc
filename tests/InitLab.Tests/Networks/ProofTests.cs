using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Ops;
using InitLab.Propagation;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

/// <summary>
/// Known results about real architectures, reproduced by the explicit engine. Each prediction is derived in the comment; each
/// tolerance is 5 standard errors of the quantity, estimated from independent seeds (or exact, where the quantity is exact).
/// </summary>
public class ProofTests
{
    /// <summary>|mean(values) - expected| &lt;= 5 sd / sqrt(n).</summary>
    private static void WithinFiveStandardErrors(double expected, IReadOnlyList<double> values, string what)
    {
        double mean = values.Average(), sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        double se = sd / Math.Sqrt(values.Count);
        Assert.True(Math.Abs(mean - expected) <= 5 * se, $"{what}: mean {mean:G6} over {values.Count}, expected {expected:G6}, 5 SE = {5 * se:G3}");
    }

    /// <summary>
    /// x_(k+1) = x_k + W2 relu(W1 z_k), z_k = x_k (plain) or BN(x_k) (normalized branch), D units, W1 ~ N(0, 2/D), W2 ~ N(0, 1/D).
    /// </summary>
    private static Graph ResidualStack(int blocks, int width, bool norm)
    {
        var b = new GraphBuilder(norm ? "residual with batch norm" : "plain residual");
        string x = b.Input("input", new Shape(width));
        for (int k = 1; k <= blocks; k++)
        {
            b.CurrentBlock = $"block{k}";
            string z = norm ? b.Add($"block{k}.bn", new BatchNormOp(), x) : x;
            string h = b.Add($"block{k}.fc1", new LinearOp(width, bias: false), z);
            b.SetInit(h, "weight", Init.KaimingNormal());
            string r = b.Add($"block{k}.relu", new ActivationOp(Activation.Relu), h);
            string f = b.Add($"block{k}.fc2", new LinearOp(width, bias: false), r);
            b.SetInit(f, "weight", Init.KaimingNormal(nonlinearity: "linear"));
            x = b.Add($"block{k}.add", new AddOp(), x, f);
        }
        return b.Build();
    }

    [Fact]
    public void A_plain_residual_network_with_variance_preserving_branches_doubles_its_variance_every_block()
    {
        // Given x_k, h = W1 x_k is symmetric (flip W1), so E[relu(h)^2] = E[h^2]/2 = ms(x_k); then E[f^2] = ms(x_k) and the cross
        // term E[x_k f] = 0 (flip W2): E[ms(x_(k+1)) | x_k] = 2 ms(x_k) exactly, so each ratio ms_(k+1) / ms_k has mean 2.
        const int blocks = 8;
        var g = ResidualStack(blocks, 128, norm: false);
        var ratios = new List<double>();
        GraphDiagnosis? d = null;
        for (ulong seed = 0; seed < 6; seed++)
        {
            var t = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 16, Seed = seed });
            for (int k = 1; k <= blocks; k++)
                ratios.Add(t[$"block{k}.add"].MeanSquare / t[k == 1 ? "input" : $"block{k - 1}.add"].MeanSquare);
            d ??= GraphDiagnoser.Diagnose(g, t);
        }
        WithinFiveStandardErrors(2, ratios, "ms(x_k+1) / ms(x_k)");
        Assert.Equal(VarianceGrowth.Geometric, d!.Shape);
        Assert.Equal(Verdict.Exploding, d.Verdict);
        Assert.Contains("residual stream's variance doubles every block", d.Advice);
        Assert.Contains("1/sqrt(2)", d.Advice);
    }

    [Fact]
    public void Batch_norm_in_the_branch_turns_geometric_growth_into_linear_growth()
    {
        // De & Smith 2020: with z_k = BN(x_k), every feature of z_k has batch mean 0 and variance v/(v + eps), so
        // E[f^2 | x_k] = mean(z_k^2) = 1 - O(eps / v): the variance grows by 1 per block, ms_k = ms_0 + k, whatever ms_k is.
        const int blocks = 8;
        var g = ResidualStack(blocks, 128, norm: true);
        var increments = new List<double>();
        GraphDiagnosis? d = null;
        for (ulong seed = 0; seed < 6; seed++)
        {
            var t = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 16, Seed = seed });
            for (int k = 1; k <= blocks; k++)
                increments.Add(t[$"block{k}.add"].MeanSquare - t[k == 1 ? "input" : $"block{k - 1}.add"].MeanSquare);
            d ??= GraphDiagnoser.Diagnose(g, t);
        }
        WithinFiveStandardErrors(1, increments, "ms(x_k+1) - ms(x_k)");
        Assert.Equal(VarianceGrowth.Linear, d!.Shape);
        Assert.Contains("grows linearly", d.Advice);
        Assert.Contains("De & Smith 2020", d.Advice);
    }

    /// <summary>(A m)(p) = (1/9) sum of m over the 3x3 neighbourhood of p inside an S x S image (zero padding).</summary>
    private static double[] Neighbourhood(double[] m, int size)
    {
        var r = new double[m.Length];
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                double s = 0;
                for (int di = -1; di <= 1; di++)
                    for (int dj = -1; dj <= 1; dj++)
                        if (i + di >= 0 && i + di < size && j + dj >= 0 && j + dj < size) s += m[(i + di) * size + j + dj];
                r[i * size + j] = s / 9;
            }
        return r;
    }

    [Fact]
    public void A_kaiming_cnn_keeps_its_variance_up_to_the_zero_padding_loss_that_theory_predicts()
    {
        // Conv outputs h_l are symmetric given their input (flip the kernel), so E[relu(h_l)^2] = E[h_l^2]/2, and Kaiming's
        // 2 / (9 C) restores it: E[h_(l+1)^2](p) = (1/9) sum over the valid 3x3 neighbours q of E[h_l^2](q) (zero padding drops the
        // others). The first conv sees C_in = 3 unit-variance channels: E[h_1^2](p) = (2/9) (valid taps at p). The mean over
        // positions of this field is the predicted mean square of every conv's output; the measured/predicted ratio has mean 1.
        // A 4x4 image makes the padding loss large (x0.46 / 1.39 over 5 layers), so a conv that mishandled it would be caught.
        const int depth = 5, size = 4;
        var g = ModelFamilies.Build($"cnn:depth={depth},channels=128,size={size},classes=0").WithScheme(Init.KaimingNormal());
        var field = Neighbourhood(Enumerable.Repeat(2.0, size * size).ToArray(), size);
        var predicted = new double[depth + 1];
        for (int l = 1; l <= depth; l++)
        {
            predicted[l] = field.Average();
            field = Neighbourhood(field, size);
        }
        var ratios = new List<double>();
        for (ulong seed = 0; seed < 10; seed++)
        {
            var t = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 16, Seed = seed });
            ratios.Add(t[$"conv{depth}"].MeanSquare / predicted[depth]);
            if (seed == 0) Assert.Equal(Verdict.Stable, GraphDiagnoser.Diagnose(g, t).Verdict);
        }
        WithinFiveStandardErrors(1, ratios, $"ms(conv{depth}) / prediction");
        // Without padding the prediction would be 1 at every layer; with it, the loss per layer tends to the squared Perron
        // eigenvalue of the padded 1-D averaging operator, ((1 + 2 cos(pi / (S + 1))) / 3)^2 = 0.7615 for S = 4, from below.
        double perron = Math.Pow((1 + 2 * Math.Cos(Math.PI / (size + 1))) / 3, 2);
        Assert.True(predicted[depth] / predicted[depth - 1] <= perron * (1 + 1e-12));
        Assert.True(predicted[depth] / predicted[depth - 1] > predicted[2] / predicted[1]);
    }

    [Fact]
    public void A_delta_orthogonal_linear_cnn_preserves_the_norm_exactly()
    {
        // Delta-orthogonal kernels (Xiao et al. 2018) are zero except for an orthogonal centre tap, so every position's channel
        // vector is multiplied by an orthogonal matrix (orthonormal columns for 3 -> 32): ||y_p|| = ||x_p|| in exact arithmetic,
        // and the mean square per element is ms_1 = ms_0 * 3 / 32 and then constant. In float32, each output is a dot product
        // of C nonzero terms (relative error <= C 2^-24), so over L layers the drift stays below L C 2^-24.
        const int depth = 12, channels = 32;
        var g = ModelFamilies.Build($"cnn:depth={depth},channels={channels},size=6,classes=0,act=identity").WithScheme(Init.DeltaOrthogonal());
        var t = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 4, Seed = 3 });
        double bound = depth * channels * Math.Pow(2, -24);
        Assert.Equal(t["input"].MeanSquare * 3 / channels, t["conv1"].MeanSquare, t["conv1"].MeanSquare * bound);
        for (int l = 2; l <= depth; l++)
            Assert.True(Math.Abs(t[$"conv{l}"].MeanSquare / t["conv1"].MeanSquare - 1) <= bound, $"conv{l}");
        // Gaussian (Kaiming, gain 1) kernels of the same fan-in do not: the norm drifts by far more than rounding.
        var k = ExplicitGraphEngine.Run(g.WithScheme(Init.KaimingNormal(nonlinearity: "linear")), new ExplicitOptions { Batch = 4, Seed = 3 });
        Assert.True(Math.Abs(k[$"conv{depth}"].MeanSquare / k["conv1"].MeanSquare - 1) > 100 * bound);
    }

    [Fact]
    public void Max_pooling_shifts_the_mean_to_the_expected_maximum_and_average_pooling_divides_the_variance()
    {
        // 2x2 windows of i.i.d. N(0, 1): E[max of 4] = int x 4 phi(x) Phi(x)^3 dx and Var by the same density, integrated here by
        // Simpson's rule with Phi accumulated from phi (independent of the library); the N window maxima are i.i.d., so the SE
        // of their mean is sd / sqrt(N). Average pooling: mean 0, variance 1/4, SE of the sample variance sqrt(2/N) / 4.
        const int n = 20001;
        double lo = -9, h = 18.0 / (n - 1), cdf = 0, m1 = 0, m2 = 0;
        double Phi(double x) => Math.Exp(-x * x / 2) / Math.Sqrt(2 * Math.PI);
        var xs = Enumerable.Range(0, n).Select(i => lo + i * h).ToArray();
        var density = new double[n];
        for (int i = 0; i < n; i++)
        {
            if (i > 0) cdf += h / 6 * (Phi(xs[i - 1]) + 4 * Phi(xs[i - 1] + h / 2) + Phi(xs[i]));
            density[i] = 4 * Phi(xs[i]) * cdf * cdf * cdf;
        }
        for (int i = 0; i < n; i++)
        {
            double w = i == 0 || i == n - 1 ? 1 : i % 2 == 1 ? 4 : 2;
            m1 += w * xs[i] * density[i];
            m2 += w * xs[i] * xs[i] * density[i];
        }
        m1 *= h / 3;
        m2 *= h / 3;
        Assert.Equal(1.0293753730039641, m1, 6); // the published value (e.g. Tippett 1925's tables)

        var b = new GraphBuilder();
        b.Input("x", new Shape(4, 32, 32));
        b.Add("max", new PoolOp(PoolKind.Max, [2]), "x");
        b.Add("avg", new PoolOp(PoolKind.Average, [2]), "x");
        b.Add("sum", new AddOp(), "max", "avg");
        var t = ExplicitGraphEngine.Run(b.Build(), new ExplicitOptions { Batch = 64, Seed = 8 });
        double count = 64 * 4 * 16 * 16, sd = Math.Sqrt(m2 - m1 * m1);
        Assert.InRange(t["max"].Mean, m1 - 5 * sd / Math.Sqrt(count), m1 + 5 * sd / Math.Sqrt(count));
        Assert.InRange(t["avg"].Mean, -5 * 0.5 / Math.Sqrt(count), 5 * 0.5 / Math.Sqrt(count));
        Assert.InRange(t["avg"].Std * t["avg"].Std, 0.25 - 5 * 0.25 * Math.Sqrt(2 / count), 0.25 + 5 * 0.25 * Math.Sqrt(2 / count));
    }

    [Fact]
    public void Post_ln_keeps_unit_variance_and_its_last_layer_gradient_while_pre_ln_shrinks_that_gradient_as_its_stream_grows()
    {
        // Xiong et al. 2020 (Theorem 1, Xavier init): the last FFN weight's gradient is O(d sqrt(ln d)) for post-LN whatever the
        // depth L, but for pre-LN it passes the final layer norm, whose Jacobian scales like 1 / std(x_L), and the stream's
        // variance grows with L: ||dL/dW_fc2^L|| sqrt(Var x_L) is what stays constant. Compare L = 2 and L = 14 over 6 seeds in
        // log space (SE from the seeds). Post-LN block outputs are layer norms with gamma = 1, beta = 0: every token has
        // population mean 0 and variance v / (v + eps), so the unbiased std over N elements is sqrt(N / (N - 1)) (1 - O(eps)).
        double LastGradient(string ln, int layers, ulong seed, out double streamVariance, out double blockStd)
        {
            var g = ModelFamilies.Build($"transformer:layers={layers},dim=32,heads=4,tokens=8,ln={ln}").WithScheme(Init.XavierNormal());
            var t = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 4, Seed = seed, Backward = true });
            var last = t[ln == "pre" ? $"block{layers}.add2" : $"block{layers}.ln2"];
            streamVariance = last.Std * last.Std;
            blockStd = t["block1.ln1"].Std;
            return t[$"block{layers}.fc2"].Parameters[0].GradNorm!.Value;
        }
        var pre = new List<double>();
        var preRaw = new List<double>();
        var post = new List<double>();
        for (ulong seed = 0; seed < 6; seed++)
        {
            double g2 = LastGradient("pre", 2, seed, out double v2, out _), g14 = LastGradient("pre", 14, seed, out double v14, out _);
            pre.Add(Math.Log(g14 * Math.Sqrt(v14)) - Math.Log(g2 * Math.Sqrt(v2)));
            preRaw.Add(Math.Log(g14 / g2));
            double p2 = LastGradient("post", 2, seed, out _, out double std), p14 = LastGradient("post", 14, seed, out double postVariance, out _);
            post.Add(Math.Log(p14 / p2));
            const double n = 4 * 8 * 32;
            Assert.True(Math.Abs(std * std * (n - 1) / n - 1) < 1e-4, $"post-LN block std {std:R}");
            Assert.True(Math.Abs(postVariance * (n - 1) / n - 1) < 1e-4, $"post-LN stream variance {postVariance:R}");
        }
        WithinFiveStandardErrors(0, pre, "pre-LN: log(g_14 sqrt(Var_14)) - log(g_2 sqrt(Var_2))");
        WithinFiveStandardErrors(0, post, "post-LN: log(g_14 / g_2)");
        // And the pre-LN gradient itself does shrink: its 5-SE interval lies below 0.
        double mean = preRaw.Average(), sd = Math.Sqrt(preRaw.Sum(v => (v - mean) * (v - mean)) / (preRaw.Count - 1));
        Assert.True(mean + 5 * sd / Math.Sqrt(preRaw.Count) < 0, $"pre-LN log(g_14 / g_2) = {mean:G4}");
    }
}
