using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

/// <summary>
/// The ops and attributes that real models need (ONNX import): scale, affine, mul, asymmetric padding and ceil mode, batch norm
/// with running statistics, global_avg_pool with keep_dims. Forward against naive loops written here, backward against finite
/// differences (<see cref="GradientCheck"/>).
/// </summary>
public class ImportedOpTests
{
    private const double Tol = 1e-12;

    private static (double[][] X, NetworkParameters<double> P, double[] Y, Node Node) RunOne(Op op, int batch, params int[][] inputShapes)
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

    private static void Near(double expected, double actual, string where) =>
        Assert.True(Math.Abs(expected - actual) <= Tol * (1 + Math.Abs(expected)), $"{where}: expected {expected:R}, got {actual:R}");

    [Fact]
    public void Scale_is_factor_times_x_plus_offset()
    {
        var (x, _, y, _) = RunOne(new ScaleOp(-0.75, 2.5), 3, [4]);
        for (int i = 0; i < y.Length; i++) Near(-0.75 * x[0][i] + 2.5, y[i], $"element {i}");
    }

    [Fact]
    public void Mul_is_the_element_wise_product_of_its_inputs()
    {
        var (x, _, y, _) = RunOne(new MulOp(), 2, [3, 2], [3, 2], [3, 2]);
        for (int i = 0; i < y.Length; i++) Near(x[0][i] * x[1][i] * x[2][i], y[i], $"element {i}");
    }

    [Theory]
    [InlineData(new[] { 3, 4, 5 }, new[] { 3, 1, 1 }, true, true)]
    [InlineData(new[] { 3, 4, 5 }, new[] { 4, 1 }, false, true)]
    [InlineData(new[] { 3, 4, 5 }, new[] { 5 }, true, false)]
    [InlineData(new[] { 6, 8 }, new[] { 6, 8 }, true, true)]
    public void Affine_broadcasts_its_parameters_against_the_trailing_dimensions(int[] input, int[] shape, bool weight, bool bias)
    {
        var (x, p, y, _) = RunOne(new AffineOp(shape, weight, bias), 2, input);
        int rank = input.Length, offset = rank - shape.Length;
        long size = new Shape(input).Size;
        for (int i = 0; i < y.Length; i++)
        {
            // The parameter entry of element i: its index along each trailing dimension, 0 where the parameter has size 1.
            long rest = i % size;
            var index = new int[rank];
            for (int d = rank - 1; d >= 0; d--)
            {
                index[d] = (int)(rest % input[d]);
                rest /= input[d];
            }
            int k = 0;
            for (int d = 0; d < shape.Length; d++) k = k * shape[d] + (shape[d] == 1 ? 0 : index[offset + d]);
            double expected = x[0][i] * (weight ? p["op.weight"][k] : 1) + (bias ? p["op.bias"][k] : 0);
            Near(expected, y[i], $"element {i}");
        }
    }

    [Fact]
    public void Affine_refuses_a_shape_that_does_not_broadcast()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(3, 4));
        b.Add("a", new AffineOp([3]), "x");
        var e = Assert.Throws<ArgumentException>(() => b.Build());
        Assert.Contains("node 'a' (affine): parameters of shape (3,) do not broadcast against the input (3, 4)", e.Message);
    }

    [Fact]
    public void Conv_with_asymmetric_padding_pads_the_end_by_its_own_amount()
    {
        // 2-D: 2 rows before and 0 after, 0 columns before and 1 after; stride 2 on the rows.
        const int cin = 2, cout = 3, H = 6, W = 5;
        var op = new ConvOp(cout, [3, 2], [2, 1], [2, 0], paddingEnd: [0, 1]);
        var (x, p, y, node) = RunOne(op, 2, [cin, H, W]);
        int OH = (H + 2 + 0 - 3) / 2 + 1, OW = (W + 0 + 1 - 2) / 1 + 1;
        Assert.Equal(new Shape(cout, OH, OW), node.Shape);
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < cout; o++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++)
                    {
                        double sum = p["op.bias"][o];
                        for (int c = 0; c < cin; c++)
                            for (int kh = 0; kh < 3; kh++)
                                for (int kw = 0; kw < 2; kw++)
                                {
                                    int ih = oh * 2 - 2 + kh, iw = ow + kw;
                                    if (ih < 0 || ih >= H || iw >= W) continue;
                                    sum += p["op.weight"][((o * cin + c) * 3 + kh) * 2 + kw] * x[0][((n * cin + c) * H + ih) * W + iw];
                                }
                        Near(sum, y[((n * cout + o) * OH + oh) * OW + ow], $"({n}, {o}, {oh}, {ow})");
                    }
    }

    [Theory]
    [InlineData(PoolKind.Max, true)]
    [InlineData(PoolKind.Average, true)]
    [InlineData(PoolKind.Average, false)]
    public void Ceil_mode_pooling_with_asymmetric_padding_matches_pytorchs_rule(PoolKind kind, bool countPad)
    {
        // 7 wide, kernel 3, stride 2, padding 1 before and 0 after: floor mode gives 3 windows, ceil mode 4 (the last starts at
        // input index 5 and overhangs the padded input by one). The divisor counts the cells inside the padded input
        // (count_include_pad) or inside the input.
        var op = new PoolOp(kind, [3], [2], [1], countPad, paddingEnd: [0], ceilMode: true);
        var (x, _, y, node) = RunOne(op, 2, [2, 7]);
        Assert.Equal(new Shape(2, 4), node.Shape);
        for (int plane = 0; plane < 4; plane++)
            for (int o = 0; o < 4; o++)
            {
                var cells = new List<double>();
                int padded = 0;
                for (int k = 0; k < 3; k++)
                {
                    int i = o * 2 - 1 + k;
                    if (i >= -1 && i < 7) padded++;
                    if (i >= 0 && i < 7) cells.Add(x[0][plane * 7 + i]);
                }
                double expected = kind == PoolKind.Max ? cells.Max() : cells.Sum() / (countPad ? padded : cells.Count);
                Near(expected, y[plane * 4 + o], $"({plane}, {o})");
            }
    }

    [Theory]
    [InlineData(6, 3, 2, 0, 3)]  // (6 - 3) / 2 = 1.5: floor 2, ceil 3 (the third window starts at 4 < 6)
    [InlineData(5, 3, 2, 1, 3)]  // (5 + 2 - 3) / 2 = 2 exactly: ceil changes nothing
    [InlineData(4, 2, 3, 0, 2)]  // (4 - 2) / 3 = 0.67: floor 1, ceil 2 (starts at 3 < 4)
    [InlineData(5, 2, 2, 1, 3)]  // (5 + 2 - 2) / 2 = 2.5: ceil would give 4, but the fourth window starts at 6 - 1 = 5, in the end padding: 3
    public void Ceil_mode_output_sizes(int size, int kernel, int stride, int pad, int expectedCeil)
    {
        var floor = new PoolOp(PoolKind.Max, [kernel], [stride], [pad]).OutputShape([new Shape(1, size)]);
        var ceil = new PoolOp(PoolKind.Max, [kernel], [stride], [pad], ceilMode: true).OutputShape([new Shape(1, size)]);
        Assert.Equal((size + 2 * pad - kernel) / stride + 1, floor[1]);
        double exact = (size + 2.0 * pad - kernel) / stride;
        int rounded = (int)Math.Ceiling(exact) + 1;
        if ((rounded - 1) * stride >= size + pad) rounded--;
        Assert.Equal(rounded, ceil[1]);
        Assert.Equal(expectedCeil, ceil[1]);
    }

    [Fact]
    public void Batch_norm_with_running_statistics_uses_them_and_not_the_batch()
    {
        const int batch = 3, c = 2, p = 4;
        var (x, prm, y, node) = RunOne(new BatchNormOp(1e-3, runningStats: true), batch, [c, p]);
        Assert.Equal(["weight", "bias", "running_mean", "running_var"], node.Parameters.Select(q => q.Name));
        Assert.Equal([ParameterRole.Scale, ParameterRole.Shift, ParameterRole.RunningMean, ParameterRole.RunningVariance], node.Parameters.Select(q => q.Role));
        for (int n = 0; n < batch; n++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < p; i++)
                {
                    int k = (n * c + ch) * p + i;
                    double expected = prm["op.weight"][ch] * (x[0][k] - prm["op.running_mean"][ch]) / Math.Sqrt(prm["op.running_var"][ch] + 1e-3) + prm["op.bias"][ch];
                    Near(expected, y[k], $"({n}, {ch}, {i})");
                }
    }

    [Fact]
    public void Global_average_pool_keeps_unit_spatial_dimensions_on_request()
    {
        var (x, _, y, node) = RunOne(new GlobalAvgPoolOp(keepDims: true), 2, [3, 4, 5]);
        Assert.Equal(new Shape(3, 1, 1), node.Shape);
        for (int plane = 0; plane < 6; plane++) Near(x[0].Skip(plane * 20).Take(20).Average(), y[plane], $"plane {plane}");
    }

    [Fact]
    public void Scale_gradients_match_finite_differences() => GradientCheck.Run(GradientCheck.Chain([2, 3], new ScaleOp(-1.5, 0.25)));

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 3, 1 }, true, true)]
    [InlineData(new[] { 3, 4 }, new[] { 4 }, false, true)]
    [InlineData(new[] { 2, 3, 2 }, new[] { 2, 3, 2 }, true, false)]
    public void Affine_gradients_match_finite_differences(int[] input, int[] shape, bool weight, bool bias) =>
        GradientCheck.Run(GradientCheck.Chain(input, new AffineOp(shape, weight, bias)));

    [Fact]
    public void Mul_gradients_match_finite_differences()
    {
        var b = new GraphBuilder("mul");
        b.Input("x", new Shape(2, 3));
        b.Add("t", new ActivationOp(InitLab.Activations.Activation.Tanh), "x");
        b.Add("m", new MulOp(), "x", "t", "x");
        GradientCheck.Run(b.Build());
    }

    [Fact]
    public void Asymmetric_padding_and_ceil_mode_gradients_match_finite_differences()
    {
        GradientCheck.Run(GradientCheck.Chain([2, 6, 5], new ConvOp(3, [3, 2], [2, 1], [2, 0], paddingEnd: [0, 1])), batch: 2);
        GradientCheck.Run(GradientCheck.Chain([2, 7, 6], new PoolOp(PoolKind.Max, [3], [2], [1], paddingEnd: [0], ceilMode: true)));
        GradientCheck.Run(GradientCheck.Chain([2, 7, 6], new PoolOp(PoolKind.Average, [3], [2], [1], countIncludePad: true, paddingEnd: [0], ceilMode: true)));
        GradientCheck.Run(GradientCheck.Chain([3, 4, 5], new GlobalAvgPoolOp(keepDims: true)));
    }

    [Fact]
    public void Batch_norm_with_running_statistics_gradients_match_finite_differences_and_the_statistics_get_none()
    {
        // Running statistics are constants of the forward pass; their gradient is reported as 0 (they are buffers, not trained),
        // so the finite-difference check runs on the input, gamma and beta only.
        var graph = GradientCheck.Chain([3, 4], new BatchNormOp(runningStats: true));
        var p = NetworkParameters<double>.Draw(graph, 1);
        var x = new double[2 * 12];
        new Generator(2).Normal(x);
        var pass = ExplicitGraphEngine.Forward(graph, p, 2, new Dictionary<string, double[]> { ["x"] = x });
        var top = new double[x.Length];
        new Generator(3).Normal(top);
        var (grads, inputs) = pass.Backward(top);
        Assert.All(grads["n0.running_mean"], g => Assert.Equal(0, g));
        Assert.All(grads["n0.running_var"], g => Assert.Equal(0, g));
        // Fresh statistics (mean 0, variance 1): dL/dx = gamma dL/dy / sqrt(1 + eps).
        for (int i = 0; i < x.Length; i++) Assert.Equal(top[i] / Math.Sqrt(1 + 1e-5), inputs["x"][i], 12);
        GradientCheckWithoutStatistics(GradientCheck.Chain([3, 4], new BatchNormOp(runningStats: true), new ScaleOp(2)));
    }

    /// <summary>Finite differences for the input, gamma and beta with trained-looking statistics (the statistics' reported gradient is 0 by design).</summary>
    private static void GradientCheckWithoutStatistics(Graph graph)
    {
        var p = NetworkParameters<double>.Draw(graph, 11);
        var g = new Generator(6);
        foreach (var (name, low, high) in new[] { ("n0.weight", 0.5, 1.5), ("n0.bias", -0.5, 0.5), ("n0.running_mean", -1.0, 1.0), ("n0.running_var", 0.3, 2.0) })
            for (int i = 0; i < p[name].Length; i++) p[name][i] = low + (high - low) * g.NextUniform();
        var x = new double[3 * 12];
        new Generator(4).Normal(x);
        var top = new double[x.Length];
        new Generator(5).Normal(top);
        var inputs = new Dictionary<string, double[]> { ["x"] = x };
        var (grads, dx) = ExplicitGraphEngine.Forward(graph, p, 3, inputs).Backward(top);
        double Loss()
        {
            var y = ExplicitGraphEngine.Forward(graph, p, 3, inputs).Output;
            return y.Select((v, i) => v * top[i]).Sum();
        }
        void Check(double[] values, double[] analytic)
        {
            for (int i = 0; i < values.Length; i++)
            {
                double saved = values[i];
                values[i] = saved + GradientCheck.Step;
                double up = Loss();
                values[i] = saved - GradientCheck.Step;
                double down = Loss();
                values[i] = saved;
                double numeric = (up - down) / (2 * GradientCheck.Step);
                Assert.True(Math.Abs(numeric - analytic[i]) <= GradientCheck.Tolerance * (1 + Math.Abs(numeric)), $"[{i}]: {numeric:R} vs {analytic[i]:R}");
            }
        }
        Check(x, dx["x"]);
        Check(p["n0.weight"], grads["n0.weight"]);
        Check(p["n0.bias"], grads["n0.bias"]);
    }

    [Fact]
    public void New_attributes_round_trip_through_the_json_spec()
    {
        var b = new GraphBuilder("roundtrip");
        b.Input("x", new Shape(2, 7, 6));
        b.Add("c", new ConvOp(4, [3], [1], [1], paddingEnd: [0]), "x");
        b.Add("bn", new BatchNormOp(runningStats: true), "c");
        b.Add("p", new PoolOp(PoolKind.Average, [3], [2], [1], false, paddingEnd: [0], ceilMode: true), "bn");
        b.Add("s", new ScaleOp(0.5, 1), "p");
        b.Add("a", new AffineOp([4, 1, 1]), "s");
        b.Add("m", new MulOp(), "a", "s");
        b.Add("g", new GlobalAvgPoolOp(keepDims: true), "m");
        var graph = b.Build();
        var json = InitLab.Networks.Spec.GraphSpec.Write(graph);
        var back = InitLab.Networks.Spec.GraphSpec.Parse(json);
        Assert.Equal(graph.Nodes.Select(n => n.Op.ToString()), back.Nodes.Select(n => n.Op.ToString()));
        Assert.Equal(graph.Nodes.Select(n => n.Shape), back.Nodes.Select(n => n.Shape));
        Assert.Contains("padding_end", json);
        Assert.Contains("running_stats", json);
        Assert.Contains("ceil_mode", json);
        Assert.Contains("keep_dims", json);
    }
}
