using InitLab.LinearAlgebra;
using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

/// <summary>
/// Winograd F(2 x 2, 3 x 3) against a double-precision direct convolution written out here, within the rounding bound of
/// docs/numerics.md ("Winograd convolution") computed per output from its coefficient tables; against the documented order of
/// operations (written out here in scalar code) bit for bit on every lane width and at 1 and 2 threads; and how zeros and NaN
/// propagate.
/// </summary>
public class WinogradConvTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, int> Geometries => new()
    {
        // cin, cout, height, width, pad top, pad left, pad bottom, pad right, batch
        { 16, 16, 7, 9, 1, 1, 1, 1, 2 },       // odd height and width: the last tile row and column are half outside
        { 20, 21, 10, 6, 1, 1, 1, 1, 3 },     // C_out not a multiple of the 8 (6) rows of the micro-kernel; C_in != C_out
        { 16, 24, 5, 5, 0, 0, 0, 0, 1 },      // no padding: a 3 x 3 output
        { 17, 16, 6, 11, 2, 0, 1, 2, 2 },      // asymmetric padding beyond the kernel's reach on one side
        { 32, 40, 10, 40, 1, 1, 1, 1, 2 },    // 20 tiles per line (16 lanes and a tail), 100 tiles: two blocks; 40 outputs: two groups of slivers
        { 16, 17, 35, 3, 1, 1, 1, 1, 1 },      // tall and narrow: a block spans many tile lines
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Output_is_within_the_derived_bound_of_the_double_direct_convolution(int cin, int cout, int height, int width, int top, int left,
        int bottom, int right, int batch)
    {
        var (w, x, weight) = Setup(cin, cout, height, width, top, left, bottom, right, batch, seed: 5);
        Assert.True(WinogradConv.Applies(w, 1, cout));
        var y = new float[batch * cout * w.OutSize];
        WinogradConv.Forward(w, cout, x, weight, y, batch, threads: 1);
        var (exact, magnitude, direct) = Direct(w, cout, x, weight, batch);
        double u = Math.Pow(2, -24), n = cin + 8, gamma = n * u / (1 - n * u);
        // The double reference's own error: 9 C_in roundings of 2^-53 on sum |w| |x|.
        double reference = 9 * cin * Math.Pow(2, -53) * 1.01;
        double worst = 0;
        for (int i = 0; i < y.Length; i++)
        {
            double bound = gamma * magnitude[i] + reference * direct[i];
            double error = Math.Abs(y[i] - exact[i]);
            Assert.True(error <= bound, $"element {i}: {y[i]:R} against {exact[i]:R}, error {error:E3} > bound {bound:E3}");
            if (magnitude[i] > 0) worst = Math.Max(worst, error / (u * magnitude[i]));
        }
        // The test can fail: the outputs differ from the exact ones, i.e. some rounding happened and was measured.
        Assert.True(worst > 0);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Output_has_the_bits_of_the_documented_order_on_every_width_and_thread_count(int cin, int cout, int height, int width, int top,
        int left, int bottom, int right, int batch)
    {
        var (w, x, weight) = Setup(cin, cout, height, width, top, left, bottom, right, batch, seed: 9);
        var expected = Ordered(w, cout, x, weight, batch);
        foreach (var lanes in new[] { GemmKernel.Scalar, GemmKernel.V256, GemmKernel.V512 })
            foreach (int threads in new[] { 1, 2 })
            {
                var y = new float[expected.Length];
                y.AsSpan().Fill(float.NaN);
                WinogradConv.Forward(w, cout, x, weight, y, batch, threads, lanes);
                for (int i = 0; i < y.Length; i++)
                    Assert.True(BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(y[i]),
                        $"{lanes}, {threads} threads, element {i}: expected {expected[i]:R}, got {y[i]:R}");
            }
    }

    [Fact]
    public void Nan_reaches_exactly_the_outputs_whose_receptive_field_holds_it_and_zeros_stay_exact()
    {
        // 16 channels of 9 x 12, a NaN at channel 3, (4, 7); channel 0's left half zero in every channel: outputs whose 3 x 3
        // field is all zero are exactly 0 (no bias), outputs that see the NaN are NaN, all others finite.
        int cin = 16, cout = 8, h = 9, wd = 12;
        var (w, x, weight) = Setup(cin, cout, h, wd, 1, 1, 1, 1, 1, seed: 3);
        for (int c = 0; c < cin; c++)
            for (int r = 0; r < h; r++)
                for (int col = 0; col < 5; col++) x[(c * h + r) * wd + col] = 0;
        x[(3 * h + 4) * wd + 7] = float.NaN;
        var y = new float[cout * h * wd];
        foreach (var lanes in new[] { GemmKernel.Scalar, GemmKernel.V512 })
        {
            WinogradConv.Forward(w, cout, x, weight, y, 1, 1, lanes);
            for (int o = 0; o < cout; o++)
                for (int r = 0; r < h; r++)
                    for (int col = 0; col < wd; col++)
                    {
                        float v = y[(o * h + r) * wd + col];
                        bool seesNan = Math.Abs(r - 4) <= 1 && Math.Abs(col - 7) <= 1;
                        if (seesNan) Assert.True(float.IsNaN(v), $"{lanes} ({o}, {r}, {col}) should be NaN, got {v}");
                        else Assert.True(float.IsFinite(v), $"{lanes} ({o}, {r}, {col}) should be finite, got {v}");
                        if (col + 1 < 5) Assert.True(v == 0, $"{lanes} ({o}, {r}, {col}) should be 0, got {v}");
                    }
        }
    }

    [Fact]
    public void Only_float_3x3_unit_stride_single_group_convolutions_with_enough_channels_apply()
    {
        var shape = new Shape(16, 8, 8);
        Assert.True(WinogradConv.Applies(Window.Of(shape, [3, 3], [1, 1], [1, 1], [1, 1]), 1, 16));
        Assert.False(WinogradConv.Applies(Window.Of(shape, [3, 3], [2, 2], [1, 1], [1, 1]), 1, 16));     // stride 2
        Assert.False(WinogradConv.Applies(Window.Of(shape, [3, 3], [1, 1], [2, 2], [2, 2]), 1, 16));     // dilation 2
        Assert.False(WinogradConv.Applies(Window.Of(shape, [3, 3], [1, 1], [1, 1], [1, 1]), 2, 16));     // groups
        Assert.False(WinogradConv.Applies(Window.Of(shape, [5, 5], [1, 1], [2, 2], [1, 1]), 1, 16));     // 5 x 5
        Assert.False(WinogradConv.Applies(Window.Of(shape, [3, 3], [1, 1], [1, 1], [1, 1]), 1, WinogradConv.MinOutChannels - 1));
        Assert.False(WinogradConv.Applies(Window.Of(new Shape(WinogradConv.MinInChannels - 1, 8, 8), [3, 3], [1, 1], [1, 1], [1, 1]), 1, 16));
        Assert.False(WinogradConv.Applies(Window.Of(new Shape(16, 8), [3], [1], [1], [1]), 1, 16));       // 1-D
        Assert.False(WinogradConv.Applies(Window.Of(new Shape(16, 4, 8, 8), [3, 3, 3], [1, 1, 1], [1, 1, 1], [1, 1, 1]), 1, 16)); // 3-D
    }

    [Fact]
    public void The_float_engine_runs_winograd_plus_bias_and_the_double_engine_keeps_direct_convolution()
    {
        var (graph, x) = OneConv("op", new Shape(16, 6, 7), 2, 3);
        var pf = NetworkParameters<float>.Draw(graph, 7);
        var y = ExplicitGraphEngine.Forward(graph, pf, 2, new Dictionary<string, float[]> { ["x"] = x }, threads: 1).Output;
        var w = Window.Of(new Shape(16, 6, 7), [3, 3], [1, 1], [1, 1], [1, 1]);
        var expected = new float[y.Length];
        WinogradConv.Forward(w, 16, x, pf["op.weight"], expected, 2, 1);
        for (int i = 0; i < y.Length; i++)
        {
            float e = expected[i] + pf["op.bias"][i / 42 % 16];
            Assert.True(BitConverter.SingleToUInt32Bits(e) == BitConverter.SingleToUInt32Bits(y[i]), $"float element {i}");
        }
        // Double: the direct convolution's value in double, to double rounding (Winograd's error would be 2^29 times larger).
        var pd = NetworkParameters<double>.Draw(graph, 7);
        var xd = x.Select(v => (double)v).ToArray();
        var yd = ExplicitGraphEngine.Forward(graph, pd, 2, new Dictionary<string, double[]> { ["x"] = xd }, threads: 1).Output;
        var (exact, _, direct) = Direct(w, 16, x, pd["op.weight"], 2);
        for (int i = 0; i < yd.Length; i++)
        {
            double e = exact[i] + pd["op.bias"][i / 42 % 16];
            Assert.True(Math.Abs(yd[i] - e) <= 200 * Math.Pow(2, -53) * (direct[i] + Math.Abs(pd["op.bias"][i / 42 % 16])), $"double element {i}");
        }
    }

    [Fact]
    public void The_error_bound_rule_covers_the_winograd_error_and_is_not_vacuous()
    {
        // One conv 64 -> 16 on 12 x 13 that takes the Winograd path; the reference is the double engine's result rounded once.
        var (graph, x) = OneConv("conv", new Shape(64, 12, 13), 2, 6);
        Assert.True(WinogradConv.Applies(Window.Of(new Shape(64, 12, 13), [3, 3], [1, 1], [1, 1], [1, 1]), 1, 16));
        var p = NetworkParameters<float>.Draw(graph, 5);
        var pd = NetworkParameters<double>.From(graph, graph.Parameters.ToDictionary(q => q.FullName, q => Array.ConvertAll(p[q.FullName], v => (double)v)));
        var yd = ExplicitGraphEngine.Forward(graph, pd, 2, new Dictionary<string, double[]> { ["x"] = Array.ConvertAll(x, v => (double)v) }).Output;
        var reference = Array.ConvertAll(yd, v => (float)v);
        var result = ReferenceComparison.Compare(graph, p, 2, new Dictionary<string, float[]> { ["x"] = x }, n => n.Name == "conv" ? reference : null);
        var conv = Assert.Single(result);
        Assert.True(conv.Agrees, $"chain {conv.ChainRatio}, local {conv.LocalRatio}");
        // Not vacuous: 2 gamma_73 16 max|w| sum|x|, with |w| <= 1/24 (PyTorch's default for fan_in 576) and sum |x| about
        // 576 * 0.8 over a 3 x 3 field of 64 channels, is about 3e-3 against outputs of order 1 (the direct rule's would be
        // about 7e-4): under 1% of the largest output.
        Assert.True(conv.LocalTolerance <= 0.01 * conv.ReferenceMaxAbs, $"local tolerance {conv.LocalTolerance} for max |y| {conv.ReferenceMaxAbs}");
        Assert.True(conv.LocalRatio > 0);
        // The rule's value, written out: 2 e, e = gamma_73 (16 sum_c max_k |w_(o,c,k)| sum over the 3 x 3 field of |x_c| + |b_o|).
        var weight = p["conv.weight"];
        var bias = p["conv.bias"];
        double u = Math.Pow(2, -24), gamma = 73 * u / (1 - 73 * u), largest = 0;
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < 16; o++)
                for (int r = 0; r < 12; r++)
                    for (int col = 0; col < 13; col++)
                    {
                        double form = 0;
                        for (int c = 0; c < 64; c++)
                        {
                            double wmax = 0, field = 0;
                            for (int k = 0; k < 9; k++) wmax = Math.Max(wmax, Math.Abs(weight[(o * 64 + c) * 9 + k]));
                            for (int dr = -1; dr <= 1; dr++)
                                for (int dc = -1; dc <= 1; dc++)
                                    if ((uint)(r + dr) < 12 && (uint)(col + dc) < 13) field += Math.Abs(x[((n * 64 + c) * 12 + r + dr) * 13 + col + dc]);
                            form += 16 * wmax * field;
                        }
                        largest = Math.Max(largest, 2 * gamma * (form + Math.Abs(bias[o])));
                    }
        Assert.Equal(largest, conv.LocalTolerance, largest * 1e-9);
    }

    /// <summary>A graph of one conv 3 x 3, padding 1, to 16 channels, named <paramref name="name"/>, and a normal input batch.</summary>
    private static (Graph Graph, float[] X) OneConv(string name, Shape shape, int batch, ulong seed)
    {
        var b = new GraphBuilder();
        var input = b.Input("x", shape);
        b.Add(name, new ConvOp(16, [3, 3], padding: [1, 1]), input);
        var x = new float[batch * shape.Size];
        new Generator(seed).Normal(x);
        return (b.Build(), x);
    }

    private static (Window W, float[] X, float[] Weight) Setup(int cin, int cout, int height, int width, int top, int left, int bottom, int right,
        int batch, ulong seed)
    {
        var w = Window.Of(new Shape(cin, height, width), [3, 3], [1, 1], [top, left], [1, 1], [bottom, right]);
        var g = new Generator(seed, (ulong)(cin * 1000 + cout));
        var xd = new double[batch * cin * height * width];
        var wd = new double[cout * cin * 9];
        g.Normal(xd);
        g.Normal(wd);
        return (w, xd.Select(v => (float)v).ToArray(), wd.Select(v => (float)(v / 3)).ToArray());
    }

    /// <summary>The input at (image n, channel c, row r, column s) of the zero-padded plane, in the output's coordinates.</summary>
    private static double At(Window w, float[] x, int n, int c, int r, int s)
    {
        int H = w.In[1], W = w.In[2], ih = r - w.Pad[1], iw = s - w.Pad[2];
        return (uint)ih < (uint)H && (uint)iw < (uint)W ? x[((n * w.Channels + c) * H + ih) * W + iw] : 0;
    }

    /// <summary>
    /// Per output: the direct convolution in double (exact for the test's purposes), the bound's bilinear form
    /// sum_c sum_(kh, kw, jh, jw) C^(i)_(kh, jh) C^(j)_(kw, jw) |g| |d| over the tile's 4 x 4 patch (i, j the output's place in its
    /// tile), and sum |w| |x| over the receptive field.
    /// </summary>
    private static (double[] Exact, double[] Magnitude, double[] Direct) Direct<TW>(Window w, int cout, float[] x, TW[] weight, int batch)
        where TW : System.Numerics.INumberBase<TW>
    {
        // C^(i)[k][j] = sum over xi of |A^T|[i][xi] |G|[xi][k] |B^T|[xi][j], from the absolute transform matrices.
        double[,] at = { { 1, 1, 1, 0 }, { 0, 1, 1, 1 } };
        double[,] g = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, 0.5, 0.5 }, { 0, 0, 1 } };
        double[,] bt = { { 1, 0, 1, 0 }, { 0, 1, 1, 0 }, { 0, 1, 1, 0 }, { 0, 1, 0, 1 } };
        var coef = new double[2, 3, 4];
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 3; k++)
                for (int j = 0; j < 4; j++)
                    for (int xi = 0; xi < 4; xi++) coef[i, k, j] += at[i, xi] * g[xi, k] * bt[xi, j];
        int cin = w.Channels, OH = w.Out[1], OW = w.Out[2];
        var exact = new double[batch * cout * OH * OW];
        var magnitude = new double[exact.Length];
        var direct = new double[exact.Length];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < cout; o++)
                for (int r = 0; r < OH; r++)
                    for (int s = 0; s < OW; s++)
                    {
                        int idx = ((n * cout + o) * OH + r) * OW + s, i = r % 2, j = s % 2, tr = r - i, ts = s - j;
                        double sum = 0, mag = 0, abs = 0;
                        for (int c = 0; c < cin; c++)
                            for (int kh = 0; kh < 3; kh++)
                                for (int kw = 0; kw < 3; kw++)
                                {
                                    double wv = double.CreateTruncating(weight[((o * cin + c) * 3 + kh) * 3 + kw]);
                                    double d = At(w, x, n, c, r + kh, s + kw);
                                    sum += wv * d;
                                    abs += Math.Abs(wv * d);
                                    for (int jh = 0; jh < 4; jh++)
                                        for (int jw = 0; jw < 4; jw++)
                                            mag += coef[i, kh, jh] * coef[j, kw, jw] * Math.Abs(wv) * Math.Abs(At(w, x, n, c, tr + jh, ts + jw));
                                }
                        exact[idx] = sum;
                        magnitude[idx] = mag;
                        direct[idx] = abs;
                    }
        return (exact, magnitude, direct);
    }

    /// <summary>The documented order written out per tile in scalar code: U in double rounded once, V = B^T (d B), one FMA chain
    /// over c from +0, Y = (A^T M) A.</summary>
    private static float[] Ordered(Window w, int cout, float[] x, float[] weight, int batch)
    {
        int cin = w.Channels, OH = w.Out[1], OW = w.Out[2];
        var u = new float[cout, cin, 4, 4];
        for (int o = 0; o < cout; o++)
            for (int c = 0; c < cin; c++)
            {
                var t = new double[4, 3];
                for (int kw = 0; kw < 3; kw++)
                {
                    double g0 = weight[((o * cin + c) * 3) * 3 + kw], g1 = weight[((o * cin + c) * 3 + 1) * 3 + kw], g2 = weight[((o * cin + c) * 3 + 2) * 3 + kw];
                    t[0, kw] = g0;
                    t[1, kw] = ((g0 + g1) + g2) / 2;
                    t[2, kw] = ((g0 - g1) + g2) / 2;
                    t[3, kw] = g2;
                }
                for (int i = 0; i < 4; i++)
                {
                    u[o, c, i, 0] = (float)t[i, 0];
                    u[o, c, i, 1] = (float)(((t[i, 0] + t[i, 1]) + t[i, 2]) / 2);
                    u[o, c, i, 2] = (float)(((t[i, 0] - t[i, 1]) + t[i, 2]) / 2);
                    u[o, c, i, 3] = (float)t[i, 2];
                }
            }
        var y = new float[batch * cout * OH * OW];
        var v = new float[cin, 4, 4];
        for (int n = 0; n < batch; n++)
            for (int tr = 0; tr < OH; tr += 2)
                for (int ts = 0; ts < OW; ts += 2)
                {
                    for (int c = 0; c < cin; c++)
                    {
                        var h = new float[4, 4];
                        for (int i = 0; i < 4; i++)
                        {
                            float d0 = (float)At(w, x, n, c, tr + i, ts), d1 = (float)At(w, x, n, c, tr + i, ts + 1);
                            float d2 = (float)At(w, x, n, c, tr + i, ts + 2), d3 = (float)At(w, x, n, c, tr + i, ts + 3);
                            h[i, 0] = d0 - d2;
                            h[i, 1] = d1 + d2;
                            h[i, 2] = d2 - d1;
                            h[i, 3] = d1 - d3;
                        }
                        for (int nu = 0; nu < 4; nu++)
                        {
                            v[c, 0, nu] = h[0, nu] - h[2, nu];
                            v[c, 1, nu] = h[1, nu] + h[2, nu];
                            v[c, 2, nu] = h[2, nu] - h[1, nu];
                            v[c, 3, nu] = h[1, nu] - h[3, nu];
                        }
                    }
                    for (int o = 0; o < cout; o++)
                    {
                        var m = new float[4, 4];
                        for (int xi = 0; xi < 4; xi++)
                            for (int nu = 0; nu < 4; nu++)
                            {
                                float acc = 0;
                                for (int c = 0; c < cin; c++) acc = MathF.FusedMultiplyAdd(u[o, c, xi, nu], v[c, xi, nu], acc);
                                m[xi, nu] = acc;
                            }
                        var s = new float[2, 4];
                        for (int nu = 0; nu < 4; nu++)
                        {
                            s[0, nu] = (m[0, nu] + m[1, nu]) + m[2, nu];
                            s[1, nu] = (m[1, nu] - m[2, nu]) - m[3, nu];
                        }
                        for (int i = 0; i < 2; i++)
                        {
                            float y0 = (s[i, 0] + s[i, 1]) + s[i, 2], y1 = (s[i, 1] - s[i, 2]) - s[i, 3];
                            int r = tr + i;
                            if (r >= OH) continue;
                            y[((n * cout + o) * OH + r) * OW + ts] = y0;
                            if (ts + 1 < OW) y[((n * cout + o) * OH + r) * OW + ts + 1] = y1;
                        }
                    }
                }
        return y;
    }
}
