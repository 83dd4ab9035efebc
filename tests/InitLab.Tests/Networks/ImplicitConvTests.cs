using System.Numerics;
using InitLab.LinearAlgebra;
using InitLab.Networks.Ops;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

/// <summary>
/// The implicit-GEMM convolution against its definition written out here: every output is the GEMM's arithmetic over im2col's
/// rows (taps in the order c, kd, kh, kw; zero outside the input; any stride), in slices of <see cref="PackedGemm.KC"/> taps, each slice
/// one FMA chain from zero, the slices added in order. Bit for bit, on every lane width and thread count.
/// </summary>
public class ImplicitConvTests
{
    public static TheoryData<int, int, int, int[], int[], int[], int[], int[]?, int[], int> Geometries => new()
    {
        // cin, cout, groups, spatial, kernel, stride, padding, padding_end, dilation, batch
        { 30, 16, 1, [7, 11], [3, 3], [1, 1], [1, 1], null, [1, 1], 2 },        // 270 taps: two slices; unequal height and width
        { 64, 8, 1, [5, 6], [3, 3], [1, 1], [1, 1], null, [1, 1], 1 },          // 576 taps: three slices; one image (threads inside it)
        { 12, 24, 3, [9, 8], [2, 3], [1, 1], [0, 2], [1, 0], [2, 1], 3 },       // groups, asymmetric padding, dilation
        { 4, 32, 4, [10, 7], [3, 3], [1, 1], [2, 2], null, [2, 2], 2 },         // depthwise with 8 outputs per channel
        { 5, 9, 1, [37], [5], [1], [2], null, [1], 2 },                         // 1-D; 9 output channels: a partial row sliver
        { 3, 8, 1, [4, 5, 6], [2, 3, 3], [1, 1, 1], [1, 1, 0], null, [1, 1, 1], 2 }, // 3-D
        { 4, 8, 1, [4, 3], [3, 3], [1, 1], [4, 4], null, [4, 4], 1 },           // padding beyond the kernel's reach
        { 16, 8, 1, [6, 6], [1, 1], [1, 1], [1, 1], null, [1, 1], 1 },          // 1 x 1 kernel with padding
        { 30, 16, 1, [11, 9], [3, 3], [2, 2], [1, 1], null, [1, 1], 2 },        // stride 2 (odd sizes: phases of unequal length)
        { 8, 16, 2, [12, 10], [1, 1], [2, 2], [0, 0], null, [1, 1], 1 },        // 1 x 1 stride 2 (a ResNet shortcut), groups
        { 6, 8, 1, [13, 11], [5, 3], [3, 2], [2, 1], [1, 0], [1, 2], 2 },       // unequal strides with dilation, asymmetric padding
        { 4, 8, 1, [14], [3], [3], [1], null, [2], 2 },                         // 1-D stride 3, dilation 2 (stride and dilation coprime)
        { 2, 8, 1, [5, 6, 7], [3, 2, 3], [2, 1, 2], [1, 0, 1], null, [1, 1, 1], 1 }, // 3-D with strides
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Float_output_has_the_bits_of_the_sliced_fma_chains_on_every_width_and_thread_count(int cin, int cout, int groups, int[] spatial,
        int[] kernel, int[] stride, int[] padding, int[]? paddingEnd, int[] dilation, int batch)
    {
        var (w, x, weight) = Setup<float>(cin, cout, groups, spatial, kernel, stride, padding, paddingEnd, dilation, batch);
        Assert.True(ImplicitConv.Applies(w, cout / groups));
        var expected = Reference(w, groups, cout, x, weight, batch, (a, b, c) => MathF.FusedMultiplyAdd(a, b, c));
        foreach (var width in new[] { GemmKernel.Scalar, GemmKernel.V256, GemmKernel.V512 })
            foreach (int threads in new[] { 1, 2 })
            {
                var y = new float[expected.Length];
                y.AsSpan().Fill(float.NaN);
                ImplicitConv.Forward<float>(w, groups, cout, x, weight, y, batch, threads, width);
                for (int i = 0; i < y.Length; i++)
                    Assert.True(BitConverter.SingleToUInt32Bits(expected[i]) == BitConverter.SingleToUInt32Bits(y[i]),
                        $"{width}, {threads} threads, element {i}: expected {expected[i]:R}, got {y[i]:R}");
            }
    }

    [Fact]
    public void Double_output_has_the_bits_of_the_sliced_fma_chains()
    {
        var (w, x, weight) = Setup<double>(32, 16, 2, [6, 9], [3, 3], [1, 2], [1, 1], null, [1, 1], 2);
        var expected = Reference(w, 2, 16, x, weight, 2, Math.FusedMultiplyAdd);
        foreach (var width in new[] { GemmKernel.Scalar, GemmKernel.V256, GemmKernel.V512 })
        {
            var y = new double[expected.Length];
            ImplicitConv.Forward<double>(w, 2, 16, x, weight, y, 2, 1, width);
            for (int i = 0; i < y.Length; i++)
                Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(y[i]), $"{width}, element {i}");
        }
    }

    [Fact]
    public void Few_output_channels_per_group_keep_im2col()
    {
        var shape = new Shape(8, 9, 9);
        Assert.False(ImplicitConv.Applies(Window.Of(shape, [3], [1], [1], [1]), ImplicitConv.MinOutChannels - 1));
        Assert.True(ImplicitConv.Applies(Window.Of(shape, [3], [2], [1], [1]), ImplicitConv.MinOutChannels));
    }

    [Fact]
    public void The_conv_op_forward_takes_the_implicit_path_with_the_im2col_bits()
    {
        // The op's output (bias included) against im2col + GEMM per image, written here with the library's im2col and GEMM.
        var b = new InitLab.Networks.GraphBuilder();
        var input = b.Input("x", new Shape(20, 8, 13));
        b.Add("op", new ConvOp(16, [3], padding: [1], groups: 2), input);
        var graph = b.Build();
        var p = InitLab.Networks.NetworkParameters<float>.Draw(graph, 7);
        var x = new float[2 * 20 * 8 * 13];
        new Generator(3).Normal(x);
        var y = InitLab.Networks.ExplicitGraphEngine.Forward(graph, p, 2, new Dictionary<string, float[]> { ["x"] = x }, threads: 1).Output;
        var w = Window.Of(new Shape(20, 8, 13), [3], [1], [1], [1]);
        Assert.True(ImplicitConv.Applies(w, 8));
        int k = 10 * 9, positions = w.OutSize;
        var cols = new float[k * positions];
        var weight = p["op.weight"];
        var bias = p["op.bias"];
        for (int n = 0; n < 2; n++)
            for (int g = 0; g < 2; g++)
            {
                w.Im2Col<float>(x.AsSpan(n * 20 * w.InSize, 20 * w.InSize), g * 10, 10, cols);
                var expected = new float[8 * positions];
                Gemm.Multiply(false, false, 8, positions, k, 1f, weight.AsSpan(g * 8 * k), k, cols, positions, 0f, expected, positions, threads: 1);
                for (int o = 0; o < 8; o++)
                    for (int j = 0; j < positions; j++)
                    {
                        float e = expected[o * positions + j] + bias[g * 8 + o];
                        float actual = y[(n * 16 + g * 8 + o) * positions + j];
                        Assert.True(BitConverter.SingleToUInt32Bits(e) == BitConverter.SingleToUInt32Bits(actual), $"({n}, {g * 8 + o}, {j})");
                    }
            }
    }

    private static (Window W, T[] X, T[] Weight) Setup<T>(int cin, int cout, int groups, int[] spatial, int[] kernel, int[] stride,
        int[] padding, int[]? paddingEnd, int[] dilation, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var w = Window.Of(new Shape([cin, .. spatial]), kernel, stride, padding, dilation, paddingEnd);
        var g = new Generator(11, (ulong)(cin * 1000 + cout));
        var xd = new double[batch * cin * w.InSize];
        var wd = new double[cout * (cin / groups) * w.KernelSize];
        g.Normal(xd);
        g.Normal(wd);
        return (w, xd.Select(T.CreateTruncating).ToArray(), wd.Select(T.CreateTruncating).ToArray());
    }

    /// <summary>y[n, o, position] = the slices of the tap chain added in order: acc = fma(w, x or 0, acc) over each slice's taps.</summary>
    private static T[] Reference<T>(Window w, int groups, int cout, T[] x, T[] weight, int batch, Func<T, T, T, T> fma)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int cg = w.Channels / groups, og = cout / groups, taps = cg * w.KernelSize;
        int OD = w.Out[0], OH = w.Out[1], OW = w.Out[2], ID = w.In[0], IH = w.In[1], IW = w.In[2];
        var y = new T[batch * cout * w.OutSize];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < cout; o++)
                for (int od = 0; od < OD; od++)
                    for (int oh = 0; oh < OH; oh++)
                        for (int ow = 0; ow < OW; ow++)
                        {
                            int group = o / og;
                            T sum = T.Zero, acc = T.Zero;
                            for (int t = 0; t < taps; t++)
                            {
                                int c = t / w.KernelSize, rest = t % w.KernelSize;
                                int kd = rest / (w.Kernel[1] * w.Kernel[2]), kh = rest / w.Kernel[2] % w.Kernel[1], kw = rest % w.Kernel[2];
                                int id = od * w.Stride[0] - w.Pad[0] + kd * w.Dilation[0], ih = oh * w.Stride[1] - w.Pad[1] + kh * w.Dilation[1];
                                int iw = ow * w.Stride[2] - w.Pad[2] + kw * w.Dilation[2];
                                bool inside = (uint)id < (uint)ID && (uint)ih < (uint)IH && (uint)iw < (uint)IW;
                                T value = inside ? x[(((n * w.Channels + group * cg + c) * ID + id) * IH + ih) * IW + iw] : T.Zero;
                                acc = fma(weight[o * taps + t], value, acc);
                                if ((t + 1) % PackedGemm.KC == 0 || t == taps - 1)
                                {
                                    sum = t < PackedGemm.KC ? acc : acc + sum;
                                    acc = T.Zero;
                                }
                            }
                            y[(((n * cout + o) * OD + od) * OH + oh) * OW + ow] = sum;
                        }
        return y;
    }
}
