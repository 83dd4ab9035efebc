using InitLab.Activations;
using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Random;
using InitLab.Tensors;
using InitLab.Numerics;

namespace InitLab.Tests.Networks;

/// <summary>Every op's forward pass against a naive loop written independently here, in double (agreement to 1e-12).</summary>
public class OpForwardTests
{
    private const double Tol = 1e-12;

    /// <summary>Runs a one-op graph in double on random inputs and noisy parameters (running variances kept positive); returns
    /// inputs, parameters and output.</summary>
    internal static (double[][] X, NetworkParameters<double> P, double[] Y, Node Node) RunOne(Op op, int batch, params int[][] inputShapes)
    {
        var b = new GraphBuilder();
        var names = new List<string>();
        for (int i = 0; i < inputShapes.Length; i++) names.Add(b.Input($"x{i}", new Shape(inputShapes[i])));
        b.Add("op", op, [.. names]);
        var graph = b.Build();
        var g = new Generator(5, 9);
        var p = NetworkParameters<double>.Draw(graph, 3);
        foreach (var q in graph.Parameters)
        {
            var noise = new double[q.Shape.Size];
            g.Normal(noise, 0, 0.5);
            for (int i = 0; i < noise.Length; i++) p[q][i] += q.Role == ParameterRole.RunningVariance ? Math.Abs(noise[i]) : noise[i];
        }
        var x = inputShapes.Select(s => { var v = new double[batch * new Shape(s).Size]; g.Normal(v); return v; }).ToArray();
        var inputs = names.Select((n, i) => (n, x[i])).ToDictionary(t => t.n, t => t.Item2);
        var y = ExplicitGraphEngine.Forward(graph, p, batch, inputs).Output;
        return (x, p, y, graph["op"]);
    }

    internal static void Near(double expected, double actual, string where) =>
        Assert.True(Math.Abs(expected - actual) <= Tol * (1 + Math.Abs(expected)), $"{where}: expected {expected:R}, got {actual:R}");

    [Theory]
    [InlineData(19, 3, 15)]   // two groups of eight sets, three left; runs of 15 (a scalar tail of 3)
    [InlineData(16, 2, 16)]   // groups of eight only; runs a multiple of 4
    [InlineData(8, 1, 3)]     // runs shorter than one vector step
    [InlineData(12, 2, 7)]    // a group of eight and one of four
    public void Float_batch_norm_has_the_bits_of_its_definition_summed_in_index_order(int channels, int batch, int positions)
    {
        // The batch statistics of every channel (mean: each image's run summed in index order, the runs' sums added in image
        // order; variance: one chain of squared deviations in index order) and y = x a + b in float with a = gamma / sigma,
        // b = beta - mu a rounded to float, written here against the float path's vector lanes and transposes.
        var g = new Generator(23, 4);
        var x = new float[batch * channels * positions];
        g.Normal(x, 0.7f, 1.9f);
        var gamma = new float[channels];
        var beta = new float[channels];
        g.Normal(gamma, 1f, 0.2f);
        g.Normal(beta, 0f, 0.5f);
        var norm = new Normalization { Sets = channels, Runs = batch, RunLength = positions, SetStride = positions, RunStride = channels * positions,
            AffineModulus = channels, AffineStep = 1, AffineDivisor = positions, Epsilon = 1e-5 };
        var y = new float[x.Length];
        var (mean, inv) = norm.Forward(x, y, gamma, beta, threads: 1);
        for (int c = 0; c < channels; c++)
        {
            double mu = 0;
            for (int b = 0; b < batch; b++)
            {
                double t = 0;
                for (int p = 0; p < positions; p++) t += x[(b * channels + c) * positions + p];
                mu += t;
            }
            mu /= batch * positions;
            double q = 0;
            for (int b = 0; b < batch; b++)
                for (int p = 0; p < positions; p++)
                {
                    double d = x[(b * channels + c) * positions + p] - mu;
                    q += d * d;
                }
            double invStd = 1 / Math.Sqrt(q / (batch * positions) + 1e-5);
            Assert.Equal(BitConverter.DoubleToInt64Bits(mu), BitConverter.DoubleToInt64Bits(mean[c]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(invStd), BitConverter.DoubleToInt64Bits(inv[c]));
            double a = gamma[c] * invStd;
            float fa = (float)a, fb = (float)(beta[c] - mu * a);
            for (int b = 0; b < batch; b++)
                for (int p = 0; p < positions; p++)
                {
                    int k = (b * channels + c) * positions + p;
                    Assert.Equal(BitConverter.SingleToUInt32Bits(x[k] * fa + fb), BitConverter.SingleToUInt32Bits(y[k]));
                }
        }
    }

    [Theory]
    [InlineData(3, true, true, true)]     // shorter than any vector
    [InlineData(8, true, false, true)]    // one 256-bit step, no beta
    [InlineData(16, false, false, true)]  // one 512-bit step, no affine
    [InlineData(27, true, true, true)]    // 16 + 8 + a scalar tail of 3
    [InlineData(43, true, true, false)]   // RMS-style (no centering): 32 + 8 + 3
    [InlineData(40, false, true, false)]  // beta without gamma
    public void Float_per_element_normalization_has_the_bits_of_its_double_formula_on_every_vector_step(int n, bool hasGamma, bool hasBeta, bool center)
    {
        // Layer-norm layout (11 rows of n, gamma and beta per element): mu one chain in index order (0 without centering),
        // v the squared deviations' chain, y = gamma ((x - mu) / sqrt(v + eps)) + beta in double rounded once to float, written
        // here; rows with NaN, +-inf, -0 and subnormals; out of place and in place (y = x) alike, and the affine step at every lane width.
        const int rows = 11;
        var g = new Generator(31, 2);
        var x = new float[rows * n];
        g.Normal(x, 0.3f, 2f);
        x[1 * n + n / 2] = float.NaN;
        x[2 * n] = float.PositiveInfinity;
        x[3 * n + n - 1] = float.NegativeInfinity;
        x[4 * n] = -0f;
        x[5 * n + 1] = float.Epsilon;
        for (int j = 0; j < n; j++) x[6 * n + j] = -0f; // a row of -0: v = 0, y = beta
        float[]? gamma = hasGamma ? new float[n] : null, beta = hasBeta ? new float[n] : null;
        if (gamma is not null) g.Normal(gamma, 1f, 0.3f);
        if (beta is not null) g.Normal(beta, 0f, 0.5f);
        var norm = new Normalization { Sets = rows, Runs = 1, RunLength = n, SetStride = n, RunStride = 0, AffineModulus = 1, AffineStep = 0,
            AffineDivisor = 1, Center = center, Epsilon = 1e-5 };
        var y = new float[x.Length];
        norm.Forward(x, y, gamma, beta, threads: 1);
        var inPlace = (float[])x.Clone();
        norm.Forward(inPlace, inPlace, gamma, beta, threads: 1);
        var (means, invStds) = norm.Forward(x, new float[x.Length], gamma, beta, threads: 1);
        var widths = new[] { LaneWidth.Scalar, LaneWidth.V128, LaneWidth.V256, LaneWidth.V512 }
            .Select(w => (w, y: new float[x.Length])).ToArray();
        foreach (var (w, yw) in widths)
            for (int r = 0; r < rows; r++)
                Normalization.NormalizeFloats(x.AsSpan(r * n, n), yw.AsSpan(r * n, n), gamma, beta, means[r], invStds[r], w);
        for (int r = 0; r < rows; r++)
        {
            double mu = 0, q = 0;
            if (center)
            {
                for (int j = 0; j < n; j++) mu += x[r * n + j];
                mu /= n;
            }
            for (int j = 0; j < n; j++)
            {
                double d = x[r * n + j] - mu;
                q += d * d;
            }
            double inv = 1 / Math.Sqrt(q / n + 1e-5);
            for (int j = 0; j < n; j++)
            {
                double xhat = (x[r * n + j] - mu) * inv;
                float expected = (float)((gamma is null ? 1 : gamma[j]) * xhat + (beta is null ? 0 : beta[j]));
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(y[r * n + j]));
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(inPlace[r * n + j]));
                foreach (var (w, yw) in widths) Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(yw[r * n + j]), $"{w} row {r} element {j}");
            }
        }
    }

    [Fact]
    public void The_float_relu_has_the_bits_of_relu_through_double_and_the_plain_definition()
    {
        // ActivationOp's float relu against the activation's double-lane path (widen, select, narrow) and max(x, 0) written
        // here: signed zeros, subnormals, infinities, quiet and signaling NaNs with payloads, at lengths that leave vector tails.
        var specials = new[] { 0f, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity,
            float.NegativeInfinity, float.NaN, BitConverter.UInt32BitsToSingle(0x7F800001), BitConverter.UInt32BitsToSingle(0xFF812345), 1.5f, -2.5f };
        var g = new Generator(19, 1);
        foreach (int n in new[] { 1, 7, 8, 9, 17, 1000 })
        {
            var x = new float[n];
            g.Normal(x);
            for (int i = 0; i < n; i += 3) x[i] = specials[(i / 3) % specials.Length];
            var fast = new float[n];
            ActivationOp.ReluFloat(x, fast);
            var reference = new float[n];
            Activation.Relu.Forward<float>(x, reference);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(reference[i]), BitConverter.SingleToUInt32Bits(fast[i]));
                float plain = float.IsNaN(x[i]) ? BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(x[i]) | 0x400000u) : x[i] > 0 ? x[i] : 0f;
                Assert.Equal(BitConverter.SingleToUInt32Bits(plain), BitConverter.SingleToUInt32Bits(fast[i]));
            }
        }
    }

    [Fact]
    public void Linear_is_x_times_W_transposed_plus_b_over_the_last_dimension()
    {
        var (x, p, y, _) = RunOne(new LinearOp(3), 2, [4, 5]);
        var w = p["op.weight"];
        var bias = p["op.bias"];
        for (int r = 0; r < 8; r++)
            for (int o = 0; o < 3; o++)
            {
                double s = bias[o];
                for (int i = 0; i < 5; i++) s += x[0][r * 5 + i] * w[o * 5 + i];
                Near(s, y[r * 3 + o], $"row {r}, out {o}");
            }
    }

    [Theory]
    [InlineData(new[] { 7, 6 }, new[] { 3, 2 }, new[] { 2, 1 }, new[] { 1, 0 }, new[] { 1, 2 }, 1)]
    [InlineData(new[] { 5, 5 }, new[] { 3, 3 }, new[] { 1, 1 }, new[] { 1, 1 }, new[] { 1, 1 }, 2)]
    [InlineData(new[] { 5, 5 }, new[] { 3, 3 }, new[] { 1, 1 }, new[] { 2, 2 }, new[] { 2, 2 }, 4)]
    [InlineData(new[] { 6, 6 }, new[] { 1, 1 }, new[] { 1, 1 }, new[] { 0, 0 }, new[] { 1, 1 }, 1)]
    // Tall and narrow: the forward pass runs im2col + GEMM in bands of ConvOp.BandColumns output positions (2 and 3 bands here).
    [InlineData(new[] { 300, 3 }, new[] { 3, 3 }, new[] { 1, 1 }, new[] { 1, 1 }, new[] { 1, 1 }, 1)]
    [InlineData(new[] { 360, 5 }, new[] { 3, 3 }, new[] { 1, 2 }, new[] { 1, 1 }, new[] { 1, 1 }, 2)]
    [InlineData(new[] { 520, 4 }, new[] { 2, 3 }, new[] { 1, 1 }, new[] { 0, 2 }, new[] { 1, 2 }, 1)]
    // Padding wider than the kernel reaches: whole kernel rows and columns of some outputs read only padding.
    [InlineData(new[] { 4, 3 }, new[] { 3, 3 }, new[] { 1, 1 }, new[] { 4, 4 }, new[] { 4, 4 }, 1)]
    public void Conv2d_matches_the_direct_sum(int[] spatial, int[] k, int[] s, int[] pad, int[] dil, int groups)
    {
        const int cin = 4, cout = 8, batch = 2;
        var op = new ConvOp(cout, k, s, pad, dil, groups);
        var (x, p, y, node) = RunOne(op, batch, [cin, .. spatial]);
        var w = p["op.weight"];
        var bias = p["op.bias"];
        int H = spatial[0], W = spatial[1], OH = node.Shape[1], OW = node.Shape[2], cg = cin / groups, og = cout / groups;
        Assert.Equal((H + 2 * pad[0] - dil[0] * (k[0] - 1) - 1) / s[0] + 1, OH);
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < cout; o++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++)
                    {
                        double sum = bias[o];
                        int group = o / og;
                        for (int c = 0; c < cg; c++)
                            for (int kh = 0; kh < k[0]; kh++)
                                for (int kw = 0; kw < k[1]; kw++)
                                {
                                    int ih = oh * s[0] - pad[0] + kh * dil[0], iw = ow * s[1] - pad[1] + kw * dil[1];
                                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                    sum += w[((o * cg + c) * k[0] + kh) * k[1] + kw] * x[0][((n * cin + group * cg + c) * H + ih) * W + iw];
                                }
                        Near(sum, y[((n * cout + o) * OH + oh) * OW + ow], $"({n}, {o}, {oh}, {ow})");
                    }
    }

    [Fact]
    public void Conv1d_and_conv3d_match_the_direct_sum()
    {
        var (x, p, y, node) = RunOne(new ConvOp(2, [3], [2], [1], bias: false), 1, [3, 9]);
        for (int o = 0; o < 2; o++)
            for (int t = 0; t < node.Shape[1]; t++)
            {
                double sum = 0;
                for (int c = 0; c < 3; c++)
                    for (int kk = 0; kk < 3; kk++)
                    {
                        int i = t * 2 - 1 + kk;
                        if (i >= 0 && i < 9) sum += p["op.weight"][(o * 3 + c) * 3 + kk] * x[0][c * 9 + i];
                    }
                Near(sum, y[o * node.Shape[1] + t], $"conv1d ({o}, {t})");
            }
        var (x3, p3, y3, n3) = RunOne(new ConvOp(2, [2, 2, 2], bias: false), 1, [2, 3, 3, 3]);
        Assert.Equal(new Shape(2, 2, 2, 2), n3.Shape);
        for (int o = 0; o < 2; o++)
            for (int d = 0; d < 2; d++)
                for (int h = 0; h < 2; h++)
                    for (int w = 0; w < 2; w++)
                    {
                        double sum = 0;
                        for (int c = 0; c < 2; c++)
                            for (int a = 0; a < 2; a++)
                                for (int bb = 0; bb < 2; bb++)
                                    for (int e = 0; e < 2; e++)
                                        sum += p3["op.weight"][(((o * 2 + c) * 2 + a) * 2 + bb) * 2 + e] * x3[0][((c * 3 + d + a) * 3 + h + bb) * 3 + w + e];
                        Near(sum, y3[((o * 2 + d) * 2 + h) * 2 + w], $"conv3d ({o}, {d}, {h}, {w})");
                    }
    }

    [Theory]
    [InlineData(PoolKind.Max, true)]
    [InlineData(PoolKind.Average, true)]
    [InlineData(PoolKind.Average, false)]
    public void Pooling_matches_the_window_reduction(PoolKind kind, bool countPad)
    {
        var (x, _, y, node) = RunOne(new PoolOp(kind, [3], [2], [1], countPad), 2, [3, 7, 6]);
        int OH = node.Shape[1], OW = node.Shape[2];
        Assert.Equal(new Shape(3, 4, 3), node.Shape);
        for (int plane = 0; plane < 6; plane++)
            for (int oh = 0; oh < OH; oh++)
                for (int ow = 0; ow < OW; ow++)
                {
                    var cells = new List<double>();
                    for (int kh = 0; kh < 3; kh++)
                        for (int kw = 0; kw < 3; kw++)
                        {
                            int ih = oh * 2 - 1 + kh, iw = ow * 2 - 1 + kw;
                            if (ih >= 0 && ih < 7 && iw >= 0 && iw < 6) cells.Add(x[0][plane * 42 + ih * 6 + iw]);
                        }
                    double expected = kind == PoolKind.Max ? cells.Max() : cells.Sum() / (countPad ? 9 : cells.Count);
                    Near(expected, y[(plane * OH + oh) * OW + ow], $"({plane}, {oh}, {ow})");
                }
    }

    [Fact]
    public void Global_average_pool_is_the_channel_mean()
    {
        var (x, _, y, _) = RunOne(new GlobalAvgPoolOp(), 2, [3, 4, 5]);
        for (int plane = 0; plane < 6; plane++)
            Near(x[0].Skip(plane * 20).Take(20).Average(), y[plane], $"plane {plane}");
    }

    [Fact]
    public void Batch_norm_uses_the_batch_mean_and_biased_variance_of_each_channel()
    {
        const int batch = 3, c = 2, p = 5;
        var (x, prm, y, _) = RunOne(new BatchNormOp(), batch, [c, p]);
        for (int ch = 0; ch < c; ch++)
        {
            var values = Enumerable.Range(0, batch).SelectMany(n => Enumerable.Range(0, p).Select(i => x[0][(n * c + ch) * p + i])).ToList();
            double mean = values.Average(), variance = values.Sum(v => (v - mean) * (v - mean)) / values.Count;
            for (int n = 0; n < batch; n++)
                for (int i = 0; i < p; i++)
                {
                    int at = (n * c + ch) * p + i;
                    Near(prm["op.weight"][ch] * (x[0][at] - mean) / Math.Sqrt(variance + 1e-5) + prm["op.bias"][ch], y[at], $"({n}, {ch}, {i})");
                }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float_layer_and_batch_norm_over_long_slices_round_the_double_formula_once(bool batchNorm)
    {
        // Slices of 21 and 50 elements: the statistics run over eight accumulators plus a tail, the layer norm's affine step
        // four elements at a time plus a tail. The output is the double formula rounded once to float (1 ulp).
        var b = new GraphBuilder();
        b.Input("x", batchNorm ? new Shape(3, 5, 10) : new Shape(3, 21));
        b.Add("op", batchNorm ? new BatchNormOp() : new LayerNormOp(), "x");
        var graph = b.Build();
        var p = NetworkParameters<float>.Draw(graph, 3);
        var g = new Generator(8, 1);
        foreach (var q in graph.Parameters)
        {
            var noise = new float[q.Shape.Size];
            g.Normal(noise, 0f, 0.5f);
            for (int i = 0; i < noise.Length; i++) p[q][i] += q.Role == ParameterRole.RunningVariance ? Math.Abs(noise[i]) : noise[i];
        }
        const int batch = 2;
        var x = new float[batch * graph["x"].Shape.Size];
        g.Normal(x, 0.5f, 2f);
        var y = ExplicitGraphEngine.Forward(graph, p, batch, new Dictionary<string, float[]> { ["x"] = x }).Output;
        var gamma = p["op.weight"];
        var beta = p["op.bias"];
        // Slices: a layer-norm row of 21, or a batch-norm channel (50 positions in each of the 2 images).
        int slices = batchNorm ? 3 : batch * 3, length = batchNorm ? batch * 50 : 21;
        for (int s = 0; s < slices; s++)
        {
            var at = Enumerable.Range(0, length).Select(j => batchNorm ? (j / 50 * 3 + s) * 50 + j % 50 : s * 21 + j).ToArray();
            double m = at.Average(i => (double)x[i]), v = at.Sum(i => ((double)x[i] - m) * ((double)x[i] - m)) / length;
            for (int j = 0; j < length; j++)
            {
                int e = batchNorm ? s : j;
                double expected = gamma[e] * ((x[at[j]] - m) / Math.Sqrt(v + 1e-5)) + beta[e];
                // Batch norm computes y = a x + b in float (a = gamma / sigma and b = beta - mu a rounded, the product and the sum
                // rounded: at most u (2 |a x| + |b| + |y|), u = 2^-24); layer norm rounds the double result once (u |y|).
                double a = gamma[e] / Math.Sqrt(v + 1e-5), bound = batchNorm
                    ? Math.Pow(2, -24) * (2 * Math.Abs(a * x[at[j]]) + Math.Abs(beta[e] - m * a) + Math.Abs(expected)) * (1 + 1e-6)
                    : Math.Pow(2, -24) * Math.Abs(expected) * (1 + 1e-6);
                Assert.True(Math.Abs(expected - y[at[j]]) <= bound, $"slice {s}, element {j}: {expected:R} vs {y[at[j]]:R}");
            }
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(21)]
    [InlineData(256)]
    public void Float_softmax_rows_are_within_their_rounding_bound_of_the_double_formula(int n)
    {
        // The differences x_j - m split exactly, e_j in float within about 1 ulp, the sum in double, then multiplied by 1 / S
        // and rounded again: |y_j - exact| <= exact (2^-23 + 2^-24).
        var g = new Generator(21, 3);
        var x = new float[4 * n];
        g.Normal(x, 0f, 3f);
        var y = new float[x.Length];
        SoftmaxOp.Rows<float>(x, y, n);
        for (int r = 0; r < 4; r++)
        {
            var row = x.AsSpan(r * n, n).ToArray();
            double m = row.Max(), sum = row.Sum(v => Math.Exp((double)v - m));
            for (int j = 0; j < n; j++)
            {
                double exact = Math.Exp((double)row[j] - m) / sum, bound = exact * (Math.Pow(2, -23) + Math.Pow(2, -24));
                Assert.True(Math.Abs(y[r * n + j] - exact) <= bound, $"row {r}, {j}: {y[r * n + j]:R} vs {exact:R}");
            }
        }
        // NaN anywhere makes the row NaN; -inf entries get 0 and the rest is still a distribution.
        var special = new float[] { 1, 2, float.NegativeInfinity, 0, -1, 3, float.NegativeInfinity, 0.5f, 2, 1 };
        var ys = new float[special.Length];
        SoftmaxOp.Rows<float>(special, ys, special.Length);
        Assert.Equal(0f, ys[2]);
        Assert.Equal(0f, ys[6]);
        Assert.True(Math.Abs(ys.Sum() - 1) < 1e-6);
        special[8] = float.NaN;
        SoftmaxOp.Rows<float>(special, ys, special.Length);
        Assert.All(ys, v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void Layer_group_and_rms_norm_normalize_their_slices()
    {
        var (x, p, y, _) = RunOne(new LayerNormOp(), 2, [3, 4]);
        for (int row = 0; row < 6; row++)
        {
            var v = x[0].Skip(row * 4).Take(4).ToArray();
            double m = v.Average(), var = v.Sum(e => (e - m) * (e - m)) / 4;
            for (int j = 0; j < 4; j++)
                Near(p["op.weight"][j] * (v[j] - m) / Math.Sqrt(var + 1e-5) + p["op.bias"][j], y[row * 4 + j], $"layer_norm ({row}, {j})");
        }
        var (xr, pr, yr, _) = RunOne(new RmsNormOp(), 2, [3, 4]);
        for (int row = 0; row < 6; row++)
        {
            var v = xr[0].Skip(row * 4).Take(4).ToArray();
            double rms = Math.Sqrt(v.Sum(e => e * e) / 4 + 1e-6);
            for (int j = 0; j < 4; j++) Near(pr["op.weight"][j] * v[j] / rms, yr[row * 4 + j], $"rms_norm ({row}, {j})");
        }
        // group_norm: 4 channels of 3 positions in 2 groups; channel c uses gamma_c, beta_c.
        var (xg, pg, yg, _) = RunOne(new GroupNormOp(2), 2, [4, 3]);
        for (int n = 0; n < 2; n++)
            for (int g = 0; g < 2; g++)
            {
                var v = xg[0].Skip(n * 12 + g * 6).Take(6).ToArray();
                double m = v.Average(), var = v.Sum(e => (e - m) * (e - m)) / 6;
                for (int j = 0; j < 6; j++)
                {
                    int ch = g * 2 + j / 3;
                    Near(pg["op.weight"][ch] * (v[j] - m) / Math.Sqrt(var + 1e-5) + pg["op.bias"][ch], yg[n * 12 + g * 6 + j], $"group_norm ({n}, {g}, {j})");
                }
            }
    }

    [Fact]
    public void Add_concat_flatten_reshape_and_softmax_do_what_they_say()
    {
        var (x, _, y, _) = RunOne(new AddOp([2.0, -0.5]), 2, [3], [3]);
        for (int i = 0; i < 6; i++) Near(2 * x[0][i] - 0.5 * x[1][i], y[i], "add");

        var (xc, _, yc, nc) = RunOne(new ConcatOp(1), 2, [2, 3], [2, 1]);
        Assert.Equal(new Shape(2, 4), nc.Shape);
        for (int n = 0; n < 2; n++)
            for (int r = 0; r < 2; r++)
                for (int j = 0; j < 4; j++)
                    Near(j < 3 ? xc[0][n * 6 + r * 3 + j] : xc[1][n * 2 + r], yc[n * 8 + r * 4 + j], "concat");

        var (xf, _, yf, nf) = RunOne(new FlattenOp(), 2, [2, 3]);
        Assert.Equal(new Shape(6), nf.Shape);
        Assert.Equal(xf[0], yf);
        var (_, _, _, nr) = RunOne(new ReshapeOp([3, -1]), 1, [2, 3, 2]);
        Assert.Equal(new Shape(3, 4), nr.Shape);

        var (xs, _, ys, _) = RunOne(new SoftmaxOp(), 1, [2, 4]);
        for (int r = 0; r < 2; r++)
        {
            var v = xs[0].Skip(r * 4).Take(4).ToArray();
            double z = v.Sum(Math.Exp);
            for (int j = 0; j < 4; j++) Near(Math.Exp(v[j]) / z, ys[r * 4 + j], "softmax");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Attention_matches_a_naive_multi_head_attention(bool causal)
    {
        const int T = 4, D = 6, H = 2, dh = 3, batch = 2;
        var (x, p, y, _) = RunOne(new AttentionOp(H, causal), batch, [T, D]);
        var win = p["op.in_proj_weight"];
        var bin = p["op.in_proj_bias"];
        var wout = p["op.out_proj_weight"];
        var bout = p["op.out_proj_bias"];
        for (int n = 0; n < batch; n++)
        {
            double Proj(int t, int row) { double s = bin[row]; for (int i = 0; i < D; i++) s += win[row * D + i] * x[0][(n * T + t) * D + i]; return s; }
            var o = new double[T, D];
            for (int h = 0; h < H; h++)
                for (int i = 0; i < T; i++)
                {
                    var scores = new double[T];
                    for (int j = 0; j < T; j++)
                    {
                        double s = 0;
                        for (int e = 0; e < dh; e++) s += Proj(i, h * dh + e) * Proj(j, D + h * dh + e);
                        scores[j] = causal && j > i ? double.NegativeInfinity : s / Math.Sqrt(dh);
                    }
                    double max = scores.Max(), z = scores.Sum(v => Math.Exp(v - max));
                    for (int j = 0; j < T; j++)
                        for (int e = 0; e < dh; e++)
                            o[i, h * dh + e] += Math.Exp(scores[j] - max) / z * Proj(j, 2 * D + h * dh + e);
                }
            for (int t = 0; t < T; t++)
                for (int j = 0; j < D; j++)
                {
                    double s = bout[j];
                    for (int i = 0; i < D; i++) s += wout[j * D + i] * o[t, i];
                    Near(s, y[(n * T + t) * D + j], $"attention ({n}, {t}, {j})");
                }
        }
    }

    [Fact]
    public void Embedding_looks_up_rows_and_rejects_ids_outside_the_vocabulary()
    {
        var b = new GraphBuilder();
        b.Add("ids", new InputOp(new Shape(3), vocab: 5));
        b.Add("emb", new EmbeddingOp(5, 2), "ids");
        var graph = b.Build();
        var p = NetworkParameters<double>.Draw(graph, 1);
        var y = ExplicitGraphEngine.Forward(graph, p, 1, new Dictionary<string, double[]> { ["ids"] = [4, 0, 2] }).Output;
        Assert.Equal(new[] { p["emb.weight"][8], p["emb.weight"][9], p["emb.weight"][0], p["emb.weight"][1], p["emb.weight"][4], p["emb.weight"][5] }, y);
        var ex = Assert.Throws<ArgumentException>(() => ExplicitGraphEngine.Forward(graph, p, 1, new Dictionary<string, double[]> { ["ids"] = [5, 0, 2] }));
        Assert.Contains("node 'emb'", ex.Message);
    }

    [Fact]
    public void Dropout_keeps_one_minus_p_of_the_entries_scaled_by_one_over_one_minus_p()
    {
        var (x, _, y, _) = RunOne(new DropoutOp(0.25), 50, [400]);
        int kept = 0;
        for (int i = 0; i < y.Length; i++)
        {
            if (y[i] == 0) continue;
            kept++;
            Near(x[0][i] / 0.75, y[i], "kept entry");
        }
        // Binomial(n = 20000, 0.75): 5 sigma = 5 sqrt(n p (1 - p)).
        Assert.InRange(kept, 15000 - 5 * Math.Sqrt(20000 * 0.1875), 15000 + 5 * Math.Sqrt(20000 * 0.1875));
    }

    [Fact]
    public void Every_activation_op_applies_its_catalogue_function()
    {
        foreach (string name in ActivationRegistry.Names)
        {
            var act = ActivationRegistry.Parse(name);
            var (x, _, y, _) = RunOne(new ActivationOp(act), 2, [5]);
            for (int i = 0; i < 10; i++) Near(act.Forward(x[0][i]), y[i], name);
        }
    }
}
