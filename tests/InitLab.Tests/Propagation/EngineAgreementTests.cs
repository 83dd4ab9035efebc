using InitLab.Activations;
using InitLab.Propagation;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Propagation;

/// <summary>
/// The engines against each other and against formulas written here: unequal widths, residual connections, chaotic,
/// ordered and exploding networks, and every statistic a trace reports (mean, std, mean square, pre-activation
/// statistics, correlation, gradient norms, the first non-finite layer), not only the second moment.
/// </summary>
public class EngineAgreementTests
{
    private static double Dot(float[] x, int a, int b, int n)
    {
        double s = 0;
        for (int j = 0; j < n; j++) s += (double)x[a * n + j] * x[b * n + j];
        return s;
    }

    private static float[] RowsOfUnequalNorms(int batch, int n, ulong seed)
    {
        // Row r scaled by (r + 1): a correlation computed as q12 / q11 (or with a wrong row) would show.
        var x = new float[batch * n];
        new Generator(seed).Normal(x);
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < n; j++) x[r * n + j] *= r + 1;
        return x;
    }

    [Theory]
    [InlineData("explicit")]
    [InlineData("ensemble")]
    public void Tall_orthogonal_layers_of_unequal_widths_scale_the_input_gram_matrix_by_gain_squared(string engine)
    {
        // W = g Q with Q^T Q = I (fan_out >= fan_in) gives h_r = g Q x_r, so |h_r|^2 = g^2 |x_r|^2 and h_0 . h_1 = g^2 x_0 . x_1
        // exactly: the ensemble engine samples H = g F U^T with F F^T = X X^T and U^T U = I, so the same holds there.
        // With the identity activation x_l = h_l, so after l layers: mean square of h_l = g^(2l) sum_r |x_r|^2 / (B n_l) and
        // correlation = x_0 . x_1 / (|x_0| |x_1|), the input's. Float rounding: each layer's Q is orthonormal to
        // 16 sqrt(n) u and each product accumulates (n + 2) u (Higham 3.1): relative tolerance L (16 sqrt(n) + n + 2) u.
        int[] widths = [32, 48, 96, 200];
        const int batch = 5;
        const double gain = 1.5;
        var x = RowsOfUnequalNorms(batch, widths[0], 3);
        var spec = new NetworkSpec(widths, Activation.Identity, new WeightDistribution.Orthogonal(gain)) { Batch = batch, Input = x };
        var trace = engine == "explicit" ? ExplicitEngine.Run(spec, 11) : EnsembleEngine.Run(spec, 11);

        double sumSq = 0;
        for (int r = 0; r < batch; r++) sumSq += Dot(x, r, r, widths[0]);
        double inputCorrelation = Dot(x, 0, 1, widths[0]) / Math.Sqrt(Dot(x, 0, 0, widths[0]) * Dot(x, 1, 1, widths[0]));
        double tolerance = (widths.Length - 1) * (16 * Math.Sqrt(200) + 202) * Math.Pow(2, -24);
        Assert.Equal(widths.Length - 1, trace.Layers.Count);
        Assert.Null(trace.FirstNonFiniteLayer);
        for (int l = 1; l < widths.Length; l++)
        {
            var layer = trace.Layers[l - 1];
            double expected = Math.Pow(gain, 2 * l) * sumSq / (batch * widths[l]);
            Assert.Equal(l, layer.Layer);
            Assert.True(Math.Abs(layer.Pre.MeanSquare / expected - 1) <= tolerance, $"{engine} layer {l}: pre mean square {layer.Pre.MeanSquare:R}, expected {expected:R}");
            Assert.True(Math.Abs(layer.MeanSquare / expected - 1) <= tolerance, $"{engine} layer {l}: mean square {layer.MeanSquare:R}, expected {expected:R}");
            Assert.True(Math.Abs(layer.Correlation!.Value - inputCorrelation) <= tolerance, $"{engine} layer {l}: correlation {layer.Correlation:R}, expected {inputCorrelation:R}");
            // Identity activation: the outputs are the pre-activations.
            Assert.Equal(layer.Pre.Mean, layer.Mean, 12);
            Assert.Equal(layer.Pre.Std, layer.Std, 12);
            Assert.Equal(0, layer.NonFinite);
        }
        Assert.Equal(sumSq / (batch * widths[0]), trace.Input.MeanSquare, 10);
        Assert.Equal(inputCorrelation, trace.Input.Correlation!.Value, 10);
    }

    [Fact]
    public void Square_orthogonal_layers_scale_every_gradient_norm_by_the_gain()
    {
        // Identity activation, W_l = g Q_l with Q_l orthogonal: dL/dx_(l-1) = dL/dx_l W_l, so ||dL/dx_l|| = g^(L-l) ||top||,
        // with top = dL/dx_L drawn from stream 1 of the seed (the engine's documented gradient stream). The last layer's
        // weight gradient is top^T x_(L-1); with L = 1 that is top^T x_0, computed here.
        const int width = 40, batch = 6, depth = 3;
        const double gain = 0.8;
        const ulong seed = 5;
        var x0 = RowsOfUnequalNorms(batch, width, 8);
        var spec = new NetworkSpec(width, depth, Activation.Identity, new WeightDistribution.Orthogonal(gain)) { Batch = batch, Input = x0 };
        var trace = ExplicitEngine.Run(spec, seed, backward: true);
        var top = new float[batch * width];
        new Generator(seed, 1).Normal(top);
        double topNorm = Math.Sqrt(top.Sum(v => (double)v * v));
        double tolerance = depth * (16 * Math.Sqrt(width) + width + 2) * Math.Pow(2, -24);
        for (int l = 1; l <= depth; l++)
        {
            double expected = Math.Pow(gain, depth - l) * topNorm;
            Assert.True(Math.Abs(trace.Layers[l - 1].GradNorm!.Value / expected - 1) <= tolerance, $"layer {l}: grad norm {trace.Layers[l - 1].GradNorm:R}, expected {expected:R}");
        }
        Assert.True(Math.Abs(trace.Input.GradNorm!.Value / (Math.Pow(gain, depth) * topNorm) - 1) <= tolerance);

        var one = ExplicitEngine.Run(new NetworkSpec(width, 1, Activation.Identity, new WeightDistribution.Orthogonal(gain)) { Batch = batch, Input = x0 },
            seed, backward: true);
        double frobenius = 0;
        for (int i = 0; i < width; i++)
            for (int j = 0; j < width; j++)
            {
                double s = 0;
                for (int r = 0; r < batch; r++) s += (double)top[r * width + i] * x0[r * width + j];
                frobenius += s * s;
            }
        Assert.Equal(1.0, one.Layers[0].WeightGradNorm!.Value / Math.Sqrt(frobenius), 5);
        Assert.Equal(topNorm, one.Layers[0].GradNorm!.Value, 4);
    }

    [Theory]
    [InlineData("explicit", 64, 4096)]
    [InlineData("explicit", 4096, 64)]
    [InlineData("ensemble", 64, 4096)]
    [InlineData("ensemble", 4096, 64)]
    public void Gaussian_weights_scale_the_pre_activation_variance_by_sigma_w_squared_over_fan_in(string engine, int fanIn, int fanOut)
    {
        // h_ri = sum_j W_ij x_rj with W_ij ~ N(0, sigma_w^2 / fan_in): E[h_ri^2] = sigma_w^2 |x_r|^2 / fan_in. The mean of
        // h^2 over the B x fan_out entries has variance at most 2 v^2 / fan_out (columns are independent; the B rows of a
        // column at worst fully correlated), v = the expected value: tolerance 5 standard errors. A scale by fan_out
        // instead of fan_in is off by a factor of 64 here.
        const double sigmaW = 1.7;
        const int batch = 4;
        var spec = new NetworkSpec([fanIn, fanOut], Activation.Identity, WeightDistribution.Gaussian.WithSigmaW(sigmaW)) { Batch = batch };
        var x = spec.DrawInput(21);
        double sumSq = 0;
        for (int r = 0; r < batch; r++) sumSq += Dot(x, r, r, fanIn);
        double expected = sigmaW * sigmaW * sumSq / (batch * (double)fanIn);
        var trace = engine == "explicit" ? ExplicitEngine.Run(spec, 21) : EnsembleEngine.Run(spec, 21);
        double tolerance = 5 * expected * Math.Sqrt(2.0 / fanOut);
        Assert.True(Math.Abs(trace.Layers[0].Pre.MeanSquare - expected) <= tolerance,
            $"{engine} {fanIn} -> {fanOut}: mean square {trace.Layers[0].Pre.MeanSquare:R}, expected {expected:R} +- {tolerance:R}");
    }

    public sealed record Case(string Label, Activation Activation, int[] Widths, WeightDistribution Weights, double SigmaB, double? Residual);

    private static readonly Case[] Cases =
    [
        new("tanh chaotic (sigma_w 2.5)", Activation.Tanh, [512, 512, 512, 512, 512, 512, 512], WeightDistribution.Gaussian.WithSigmaW(2.5), 0.3, null),
        new("relu critical, unequal widths", Activation.Relu, [256, 1024, 512, 1024, 768, 1024], WeightDistribution.Gaussian.WithSigmaW(Math.Sqrt(2)), 0.1, null),
        new("erf ordered (sigma_w 0.8)", Activation.Erf, [512, 512, 512, 512, 512, 512], WeightDistribution.Gaussian.WithSigmaW(0.8), 0.3, null),
        new("relu residual (alpha 0.5)", Activation.Relu, [512, 512, 512, 512, 512, 512], WeightDistribution.Gaussian.WithSigmaW(1.0), 0.2, 0.5),
        new("tanh orthogonal, widening", Activation.Tanh, [256, 512, 512, 1024, 1024], new WeightDistribution.Orthogonal(1.4), 0.1, null),
    ];

    public static TheoryData<int, string> CaseEngines()
    {
        var data = new TheoryData<int, string>();
        for (int c = 0; c < Cases.Length; c++)
        {
            data.Add(c, "explicit");
            data.Add(c, "ensemble");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseEngines))]
    public void Sampling_engines_agree_with_mean_field_on_every_reported_statistic(int caseIndex, string engine)
    {
        // R independent networks per case. Each statistic of layer l is averaged over the runs; its standard error is
        // estimated from the runs (sd / sqrt(R)), and with R = 16 the ratio (mean - theory) / SE is Student-t with 15
        // degrees of freedom, for which |t| > 6 has probability 2e-5. Mean-field theory is the infinite-width limit: its
        // bias at width n is O(l / n) (Poole et al. 2016), allowed for as l / n_min times the scale of the statistic.
        var c = Cases[caseIndex];
        const int runs = 16, batch = 8;
        var spec = new NetworkSpec(c.Widths, c.Activation, c.Weights) { Batch = batch, SigmaB = c.SigmaB, ResidualAlpha = c.Residual };
        var theory = MeanFieldEngine.Run(spec);
        int depth = spec.Depth, nMin = c.Widths.Min();
        var names = new[] { "pre.mean", "pre.std", "pre.mean_square", "mean", "std", "mean_square", "correlation" };
        var measured = new double[depth, names.Length, runs];
        for (int r = 0; r < runs; r++)
        {
            var t = engine == "explicit" ? ExplicitEngine.Run(spec, (ulong)(300 + r)) : EnsembleEngine.Run(spec, (ulong)(300 + r));
            Assert.Null(t.FirstNonFiniteLayer);
            for (int l = 0; l < depth; l++)
            {
                var s = Values(t.Layers[l]);
                for (int k = 0; k < names.Length; k++) measured[l, k, r] = s[k];
            }
        }
        for (int l = 0; l < depth; l++)
        {
            var expected = Values(theory.Layers[l]);
            double scale = Math.Sqrt(theory.Layers[l].Pre.MeanSquare) + Math.Sqrt(theory.Layers[l].MeanSquare);
            for (int k = 0; k < names.Length; k++)
            {
                if (double.IsNaN(expected[k])) continue; // correlation is not predicted with residual connections
                var sample = new double[runs];
                for (int r = 0; r < runs; r++) sample[r] = measured[l, k, r];
                var s = Stats.Of(sample);
                double magnitude = k == 6 ? 1 : k is 2 or 5 ? scale * scale : scale;
                double tolerance = 6 * s.Std / Math.Sqrt(runs) + magnitude * (l + 1) / (double)nMin;
                Assert.True(Math.Abs(s.Mean - expected[k]) <= tolerance,
                    $"{c.Label}, {engine}, layer {l + 1}, {names[k]}: measured {s.Mean:G6} +- {s.Std / Math.Sqrt(runs):G3}, mean field {expected[k]:G6}, tolerance {tolerance:G3}");
            }
        }
    }

    private static double[] Values(LayerTrace t) =>
        [t.Pre.Mean, t.Pre.Std, t.Pre.MeanSquare, t.Mean, t.Std, t.MeanSquare, t.Correlation ?? double.NaN];

    [Fact]
    public void Mean_field_residual_relu_follows_the_closed_form_recursion_with_its_cross_term()
    {
        // x_l = x_(l-1) + alpha relu(h_l), h_l independent of x_(l-1) unit by unit: mean_l = mean_(l-1) + alpha sqrt(q_l / 2 pi),
        // m_l = m_(l-1) + 2 alpha mean_(l-1) sqrt(q_l / 2 pi) + alpha^2 q_l / 2, q_l = sigma_w^2 m_(l-1) + sigma_b^2
        // (E relu(sqrt(q) z) = sqrt(q / 2 pi), E relu^2 = q / 2). Inputs N(0, v): mean_0 = 0, m_0 = v.
        const double sw = 1.1, sb = 0.3, alpha = 0.7, v = 1.5;
        var spec = new NetworkSpec(64, 5, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(sw))
        { SigmaB = sb, ResidualAlpha = alpha, InputVariance = v };
        var trace = MeanFieldEngine.Run(spec);
        double mean = 0, m = v;
        foreach (var layer in trace.Layers)
        {
            double q = sw * sw * m + sb * sb;
            double e1 = Math.Sqrt(q / (2 * Math.PI)), e2 = q / 2;
            m = m + 2 * alpha * mean * e1 + alpha * alpha * e2;
            mean += alpha * e1;
            Assert.Equal(q, layer.Pre.MeanSquare, 9);
            Assert.Equal(Math.Sqrt(q), layer.Pre.Std, 9);
            Assert.Equal(0.0, layer.Pre.Mean);
            Assert.Equal(mean, layer.Mean, 9);
            Assert.Equal(m, layer.MeanSquare, 9);
            Assert.Equal(Math.Sqrt(m - mean * mean), layer.Std, 9);
            Assert.Null(layer.Correlation);
        }
    }

    [Fact]
    public void Mean_field_first_layer_correlation_includes_the_bias_variance()
    {
        // c_1 = (sigma_w^2 x_0 . x_1 / n_0 + sigma_b^2) / q_1 with q_1 = sigma_w^2 m_0 + sigma_b^2; independent Gaussian
        // inputs have x_0 . x_1 / n_0 = 0 at infinite width.
        const double sw = 1.3, sb = 0.6, v = 0.8;
        var gaussian = new NetworkSpec(100, 3, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(sw)) { SigmaB = sb, InputVariance = v, Batch = 4 };
        double q1 = sw * sw * v + sb * sb;
        Assert.Equal(sb * sb / q1, MeanFieldEngine.Run(gaussian).Layers[0].Correlation!.Value, 12);

        const int n = 6;
        var x = new float[] { 1, 2, 0, -1, 3, 1, /* row 1 */ 2, 1, 1, 0, 2, -2, /* rows 2, 3 */ 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0 };
        var given = new NetworkSpec(n, 2, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(sw)) { SigmaB = sb, Batch = 4, Input = x };
        double m0 = x.Sum(e => (double)e * e) / x.Length, cross = Dot(x, 0, 1, n) / n;
        double q = sw * sw * m0 + sb * sb;
        var first = MeanFieldEngine.Run(given).Layers[0];
        Assert.Equal(q, first.Pre.MeanSquare, 12);
        Assert.Equal((sw * sw * cross + sb * sb) / q, first.Correlation!.Value, 12);
    }

    [Theory]
    [InlineData(64, 256, 0.5)]   // tall: orthonormal columns, |W x|^2 = g^2 |x|^2 spread over 256 units
    [InlineData(256, 64, 1.0)]   // wide: orthonormal rows, each unit sees g^2 |x|^2 / 256 on average
    [InlineData(100, 100, 1.0)]
    public void Orthogonal_mean_field_sigma_w_is_the_gain_times_sqrt_fan_in_over_the_larger_fan(int fanIn, int fanOut, double ratio)
    {
        // Per output unit E[h_i^2] = g^2 |x|^2 / max(fan_in, fan_out) = (g^2 fan_in / max) m, so sigma_w = g sqrt(fan_in / max).
        const double gain = 1.7;
        Assert.Equal(gain * ratio, MeanFieldEngine.SigmaW(new WeightDistribution.Orthogonal(gain), fanIn, fanOut), 14);
    }

    [Fact]
    public void Correlation_is_q12_over_the_geometric_mean_of_q11_and_q22()
    {
        // Rows (1, 0, 2) and (2, 2, 0): q11 = 5, q22 = 8, q12 = 2, c = 2 / sqrt(40).
        var h = new float[] { 1, 0, 2, 2, 2, 0 };
        Assert.Equal(2 / Math.Sqrt(40), InitLab.Networks.Execution<float>.Correlation(h, 3), 15);
        var swapped = new float[] { 2, 2, 0, 1, 0, 2 };
        Assert.Equal(2 / Math.Sqrt(40), InitLab.Networks.Execution<float>.Correlation(swapped, 3), 15);
        // Rows of 11 (two groups of four and a tail): row 2 = 3 row 1 on the first 8 entries, 0 on the last 3, so
        // c = 3 s8 / sqrt(s11 * 9 s8) = sqrt(s8 / s11) with s8, s11 the row's first-8 and whole sums of squares.
        var a = new float[] { 1, -2, 3, 0.5f, 4, -1, 2, 1, 5, -3, 2 };
        var rows = a.Concat(a.Select((v, j) => j < 8 ? 3 * v : 0)).ToArray();
        double s8 = a.Take(8).Sum(v => (double)v * v), s11 = a.Sum(v => (double)v * v);
        Assert.Equal(Math.Sqrt(s8 / s11), InitLab.Networks.Execution<float>.Correlation(rows, 11), 14);
    }

    [Theory]
    [InlineData("explicit")]
    [InlineData("ensemble")]
    public void An_exploding_network_stops_at_its_first_non_finite_layer_and_reports_that_layer(string engine)
    {
        // relu with sigma_w = 10^4 multiplies the scale by about 10^4 / sqrt(2) per layer: float overflows within a few
        // layers. The engine stops after the first layer with a NaN or Inf output and reports exactly that layer.
        var spec = new NetworkSpec(128, 30, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(1e4)) { Batch = 8 };
        var trace = engine == "explicit" ? ExplicitEngine.Run(spec, 4) : EnsembleEngine.Run(spec, 4);
        Assert.NotNull(trace.FirstNonFiniteLayer);
        int first = trace.FirstNonFiniteLayer!.Value;
        Assert.True(first < 30, $"first non-finite layer {first}");
        Assert.Equal(first, trace.Layers.Count);
        Assert.Equal(first, trace.Layers[^1].Layer);
        Assert.True(trace.Layers[^1].NonFinite > 0);
        Assert.All(trace.Layers.Take(first - 1), l => Assert.Equal(0, l.NonFinite));
        Assert.All(trace.Layers.Take(first - 1), l => Assert.True(double.IsFinite(l.Std) && l.Std > 0));
    }

    [Fact]
    public void Explicit_engine_overflows_at_the_layer_the_growth_rate_predicts()
    {
        // Mean field for relu: q_l = (sigma_w^2 / 2)^(l - 1) sigma_w^2 v. A float overflows once some |h| exceeds
        // 3.4e38; with width 128 and batch 8 the largest of 1024 Gaussian entries is about 3.5 sqrt(q) (never above 6).
        // So the first non-finite layer is the first l with 6 sqrt(q_l) > 3.4e38, or one later when only
        // 3.5 sqrt(q_l) is needed: with a growth of 10^4 / sqrt(2) per layer both bounds give the same layer.
        const double sw = 1e4;
        var spec = new NetworkSpec(128, 30, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(sw)) { Batch = 8 };
        var trace = ExplicitEngine.Run(spec, 4);
        double logMax = Math.Log(float.MaxValue);
        int Predicted(double k)
        {
            for (int l = 1; ; l++)
            {
                double logSqrtQ = 0.5 * ((l - 1) * Math.Log(sw * sw / 2) + Math.Log(sw * sw));
                if (Math.Log(k) + logSqrtQ > logMax) return l;
            }
        }
        Assert.Equal(Predicted(6), Predicted(3.5));
        Assert.Equal(Predicted(6), trace.FirstNonFiniteLayer);
    }

    [Theory]
    [InlineData("explicit")]
    [InlineData("ensemble")]
    public void Zero_weights_leave_exactly_the_bias_in_every_row(string engine)
    {
        // sigma_w = 0: h_rj = b_j with b ~ N(0, sigma_b^2) drawn from stream 2l + 1 (the engines' documented bias stream),
        // the same vector for every input row.
        const int width = 50, batch = 6;
        const ulong seed = 12;
        var spec = new NetworkSpec(width, 1, Activation.Identity, WeightDistribution.Gaussian.WithSigmaW(0)) { Batch = batch, SigmaB = 0.7 };
        var trace = engine == "explicit" ? ExplicitEngine.Run(spec, seed) : EnsembleEngine.Run(spec, seed);
        var b = new float[width];
        new Generator(seed, 3).Normal(b, 0f, 0.7f);
        var s = Stats.Of(b);
        var layer = trace.Layers[0];
        Assert.Equal(s.Mean, layer.Pre.Mean, 12);
        Assert.Equal(s.MeanSquare, layer.Pre.MeanSquare, 12);
        Assert.Equal(1.0, layer.Correlation!.Value, 12);
    }

    [Fact]
    public void Input_batches_have_the_requested_variance()
    {
        // x_0 ~ N(0, v): the sample variance of 64 x 512 draws is within 5 standard errors (sd of s^2 = v sqrt(2 / n)).
        var spec = new NetworkSpec(512, 1, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(1)) { Batch = 64, InputVariance = 4 };
        var x = spec.DrawInput(3);
        double variance = Stats.Of(x).Std * Stats.Of(x).Std;
        Assert.Equal(4, variance, 5 * 4 * Math.Sqrt(2.0 / x.Length));
        Assert.Equal(4, ExplicitEngine.Run(spec, 3).Input.MeanSquare, 5 * 4 * Math.Sqrt(2.0 / x.Length));
    }

    [Fact]
    public void Ensemble_refuses_a_narrowing_orthogonal_layer_anywhere_in_the_network()
    {
        var spec = new NetworkSpec([32, 128, 64], Activation.Tanh, new WeightDistribution.Orthogonal(1));
        Assert.Contains("layer 2", Assert.Throws<ArgumentException>(() => EnsembleEngine.Run(spec, 0)).Message);
    }

    [Fact]
    public void Ensemble_keeps_nearly_dependent_inputs_apart()
    {
        // x_1 = x_0 + d with |d|^2 = 1e-3 |x_0|^2: the Gram matrix's second pivot is 1e-3 of the first, far above float
        // rounding (n 2^-23 = 2.4e-7) yet below a careless rank cut-off. A tall orthogonal layer keeps the Gram matrix, so the
        // correlation stays the input's, about 1 - 5e-4, and must not collapse to 1.
        const int n = 64;
        var x = new float[2 * n];
        var g = new Generator(13);
        var x0 = new float[n];
        var d = new float[n];
        g.Normal(x0);
        g.Normal(d, 0f, (float)Math.Sqrt(1e-3));
        for (int j = 0; j < n; j++) { x[j] = x0[j]; x[n + j] = x0[j] + d[j]; }
        double input = Dot(x, 0, 1, n) / Math.Sqrt(Dot(x, 0, 0, n) * Dot(x, 1, 1, n));
        Assert.True(1 - input > 1e-4);
        var spec = new NetworkSpec([n, 2 * n], Activation.Identity, new WeightDistribution.Orthogonal(1)) { Batch = 2, Input = x };
        double c = EnsembleEngine.Run(spec, 2).Layers[0].Correlation!.Value;
        // Float rounding of the Gram matrix and of F U^T: a few 1e-7 relative on 1 - c of order 5e-4 (1e-5 allowed).
        Assert.True(Math.Abs((1 - c) - (1 - input)) <= 1e-5, $"correlation {c:R}, input {input:R}");
    }

    [Fact]
    public void Shared_weights_reuse_the_first_layer_matrix_at_every_layer()
    {
        // Shared weights: every layer multiplies by the W drawn from layer 1's stream (stream 2 of the seed). With the
        // identity activation and no bias, h_2 = x_0 W^T W^T, computed here in double; float products agree to about
        // 2 (n + 2) u relative (Higham 3.1) on the mean square.
        const int n = 24, batch = 3;
        const ulong seed = 17;
        var spec = new NetworkSpec(n, 2, Activation.Identity, WeightDistribution.Gaussian.WithSigmaW(1.2)) { Batch = batch, SharedWeights = true };
        var trace = ExplicitEngine.Run(spec, seed);
        var w = new float[n * n];
        spec.Weights.Fill(new Generator(seed, 2), w, n, n);
        var x = spec.DrawInput(seed);
        double[] Layer(double[] input)
        {
            var h = new double[batch * n];
            for (int r = 0; r < batch; r++)
                for (int i = 0; i < n; i++)
                {
                    double s = 0;
                    for (int j = 0; j < n; j++) s += input[r * n + j] * w[i * n + j];
                    h[r * n + i] = s;
                }
            return h;
        }
        var h2 = Layer(Layer(Array.ConvertAll(x, v => (double)v)));
        double expected = h2.Average(v => v * v);
        Assert.True(Math.Abs(trace.Layers[1].Pre.MeanSquare / expected - 1) <= 4 * (n + 2) * Math.Pow(2, -24),
            $"mean square {trace.Layers[1].Pre.MeanSquare:R}, expected {expected:R}");
    }
}
