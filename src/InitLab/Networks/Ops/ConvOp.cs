using System.Runtime.InteropServices;
using InitLab.Initializers;
using InitLab.LinearAlgebra;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>conv</c>: 1-, 2- or 3-D convolution (cross-correlation, as PyTorch's <c>nn.ConvNd</c>) of a (C_in, *spatial) input with
/// stride, zero padding, dilation and groups (groups = C_in is depthwise). Kernel W of shape (C_out, C_in / groups, *kernel),
/// bias (C_out). Output size per dimension floor((in + pad + pad_end - dilation (k - 1) - 1) / stride) + 1, pad_end = pad
/// unless given (ONNX's asymmetric pads, e.g. TensorFlow's "SAME" padding of an even kernel). Defaults as PyTorch:
/// W ~ kaiming_uniform(a = sqrt 5) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)), b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
/// fan_in = C_in / groups * prod(kernel).
/// </summary>
/// <remarks>
/// Forward: in float32, 2-D 3 x 3 convolutions with unit stride and dilation, one group and at least 16 input and 16 output
/// channels run as Winograd F(2 x 2, 3 x 3) (<see cref="WinogradConv"/>: other bits, within the bound in docs/numerics.md).
/// Otherwise at least 8 output channels per group run as an implicit GEMM over a zero-padded copy of each image, split into
/// stride phases (<see cref="ImplicitConv"/>, no im2col); other convolutions as im2col + GEMM per image and group, in bands of output lines
/// that stay in L2: Y_g = W_g cols (C_out/g x K) (K x P). Both give the same bits. Backward: dW_g = sum over images of
/// dY_g cols^T, dcols = W_g^T dY_g scattered back by col2im, db = sums of dY over batch and space. A 1x1 kernel with unit
/// stride and no padding skips im2col.
/// </remarks>
public sealed class ConvOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>
    /// Creates a convolution; attribute arrays of length 1 apply to every spatial dimension. <paramref name="paddingEnd"/> is the
    /// zero padding after each spatial dimension (null: the same as <paramref name="padding"/>, before it).
    /// </summary>
    /// <exception cref="ArgumentException">outChannels or groups &lt; 1, or an empty kernel.</exception>
    public ConvOp(int outChannels, int[] kernel, int[]? stride = null, int[]? padding = null, int[]? dilation = null, int groups = 1, bool bias = true,
        int[]? paddingEnd = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (outChannels < 1) throw new ArgumentException($"out_channels must be >= 1, got {outChannels}.", nameof(outChannels));
        if (groups < 1) throw new ArgumentException($"groups must be >= 1, got {groups}.", nameof(groups));
        if (kernel.Length is < 1 or > 3) throw new ArgumentException($"kernel needs 1 to 3 values, got {kernel.Length}.", nameof(kernel));
        OutChannels = outChannels;
        Kernel = [.. kernel];
        Stride = stride is null ? [1] : [.. stride];
        Padding = padding is null ? [0] : [.. padding];
        Dilation = dilation is null ? [1] : [.. dilation];
        PaddingEnd = paddingEnd is null ? null : [.. paddingEnd];
        Groups = groups;
        Bias = bias;
    }

    /// <inheritdoc/>
    public override string Kind => "conv";

    /// <summary>C_out.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel size per spatial dimension (one value: the same for all).</summary>
    public IReadOnlyList<int> Kernel { get; }

    /// <summary>Stride per spatial dimension.</summary>
    public IReadOnlyList<int> Stride { get; }

    /// <summary>Zero padding per spatial dimension (before it, and after it unless <see cref="PaddingEnd"/> is set).</summary>
    public IReadOnlyList<int> Padding { get; }

    /// <summary>Zero padding after each spatial dimension; null: the same as <see cref="Padding"/>.</summary>
    public IReadOnlyList<int>? PaddingEnd { get; }

    /// <summary>Dilation per spatial dimension.</summary>
    public IReadOnlyList<int> Dilation { get; }

    /// <summary>Number of groups (C_in and C_out must be multiples).</summary>
    public int Groups { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool Bias { get; }

    /// <summary>The geometry for an input shape.</summary>
    internal Window Geometry(Shape input) => Window.Of(input, [.. Kernel], [.. Stride], [.. Padding], [.. Dilation], PaddingEnd?.ToArray());

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        var w = Geometry(inputs[0]);
        if (w.Channels % Groups != 0)
            throw new ArgumentException($"groups {Groups} does not divide the {w.Channels} input channels.");
        if (OutChannels % Groups != 0)
            throw new ArgumentException($"groups {Groups} does not divide the {OutChannels} output channels.");
        return new Shape([OutChannels, .. w.OutDims]);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs)
    {
        var w = Geometry(inputs[0]);
        var kernel = w.Kernel[(3 - w.Rank)..];
        var shape = new Shape([OutChannels, w.Channels / Groups, .. kernel]);
        var weight = new ParameterSpec("weight", shape, ParameterRole.Weight, Init.TorchDefault());
        if (!Bias) return [weight];
        double bound = 1 / Math.Sqrt(Fans.Of(shape).FanIn);
        return [weight, new ParameterSpec("bias", new Shape(OutChannels), ParameterRole.Bias, Init.Uniform(-bound, bound))];
    }

    private bool Direct(Window w) =>
        w.KernelSize == 1 && w.Stride.All(s => s == 1) && w.Pad.All(p => p == 0) && w.PadEnd.All(p => p == 0);

    /// <summary>How many workers process images side by side (each with serial GEMMs); 1: images in turn, GEMMs threaded.</summary>
    private static int Workers(int batch, int threads) => Math.Min(batch, threads <= 0 ? Parallelism.MaxThreads : threads);

    /// <summary>Runs body(first, last, gemmThreads) over contiguous chunks of images; each image's result is independent of the chunking.</summary>
    private static void Images(int batch, int threads, Action<int, int, int> body)
    {
        int workers = Workers(batch, threads);
        if (workers <= 1)
        {
            body(0, batch, threads);
            return;
        }
        Parallelism.For(workers, c => body(c * batch / workers, (c + 1) * batch / workers, 1), workers);
    }

    /// <summary>
    /// Output positions per im2col band in the forward pass (whole output lines): the band's columns (C_in / groups * kernel
    /// x band) are written and read back by the GEMM while they are in L2, instead of one image's columns going through
    /// memory (7 MiB for 64 channels at 56 x 56 with a 3 x 3 kernel). Each output element is the same dot product whatever
    /// the band, so the band size changes no bit.
    /// </summary>
    internal const int BandColumns = 512;

    /// <summary>Output lines (of Out[2] positions each) per band: BandColumns positions, at least one line.</summary>
    internal static int BandLines(Window w) => Math.Max(1, BandColumns / w.Out[2]);

    /// <inheritdoc/>
    /// <remarks>Per image and group, band by band of output lines: im2col of the band, then Y_g[:, band] = W_g cols_band.</remarks>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var w = Geometry(pass.InputShape(0));
        int cg = w.Channels / Groups, og = OutChannels / Groups, rowsK = cg * w.KernelSize, p = w.OutSize;
        var x = pass.Input(0);
        var weight = pass.Parameter(0);
        var bias = Bias ? pass.Parameter(1) : null;
        var y = pass.Output;
        bool direct = Direct(w);
        int inImage = w.Channels * w.InSize, outImage = OutChannels * p;
        if (typeof(T) == typeof(float) && WinogradConv.Applies(w, Groups, OutChannels))
        {
            WinogradConv.Forward(w, OutChannels, MemoryMarshal.Cast<T, float>(x.AsSpan()), MemoryMarshal.Cast<T, float>(weight.AsSpan()),
                MemoryMarshal.Cast<T, float>(y.AsSpan()), pass.Batch, pass.Threads);
            if (bias is not null)
                for (int b = 0; b < pass.Batch; b++) AddBias<T>(y.AsSpan(b * outImage, outImage), bias, p);
            return;
        }
        if (!direct && ImplicitConv.Applies(w, og))
        {
            ImplicitConv.Forward<T>(w, Groups, OutChannels, x, weight, y, pass.Batch, pass.Threads);
            if (bias is not null)
                for (int b = 0; b < pass.Batch; b++) AddBias<T>(y.AsSpan(b * outImage, outImage), bias, p);
            return;
        }
        int lines = w.Out[0] * w.Out[1], bandLines = Math.Min(lines, BandLines(w)), ow = w.Out[2];
        Images(pass.Batch, pass.Threads, (first, last, threads) =>
        {
            var cols = direct ? null : System.Buffers.ArrayPool<T>.Shared.Rent(rowsK * bandLines * ow);
            try
            {
                for (int b = first; b < last; b++)
                {
                    for (int g = 0; g < Groups; g++)
                    {
                        var yg = y.AsSpan(b * outImage + g * og * p);
                        if (direct)
                        {
                            Gemm.Core(false, false, og, p, rowsK, T.One, weight.AsSpan(g * og * rowsK), rowsK,
                                x.AsSpan(b * inImage + g * cg * w.InSize, rowsK * p), p, T.Zero, yg, p, threads, PackedGemm.IsThin(og, p));
                            continue;
                        }
                        for (int l0 = 0; l0 < lines; l0 += bandLines)
                        {
                            int count = Math.Min(bandLines, lines - l0), n = count * ow;
                            w.Im2ColLines<T>(x.AsSpan(b * inImage, inImage), g * cg, cg, l0, count, cols);
                            Gemm.Core(false, false, og, n, rowsK, T.One, weight.AsSpan(g * og * rowsK), rowsK, cols.AsSpan(0, rowsK * n), n,
                                T.Zero, yg.Slice(l0 * ow), p, threads, PackedGemm.IsThin(og, n));
                        }
                    }
                    if (bias is not null) AddBias<T>(y.AsSpan(b * outImage, outImage), bias, p);
                }
            }
            finally
            {
                if (cols is not null) System.Buffers.ArrayPool<T>.Shared.Return(cols);
            }
        });
    }

    /// <summary>Adds bias[c] to every position of channel c of one image (C_out planes of <paramref name="p"/> positions).</summary>
    private static void AddBias<T>(Span<T> image, T[] bias, int p) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int c = 0; c < bias.Length; c++)
        {
            var plane = image.Slice(c * p, p);
            var bc = bias[c];
            int i = 0;
            if (System.Numerics.Vector.IsHardwareAccelerated)
                for (var vb = new System.Numerics.Vector<T>(bc); i <= plane.Length - System.Numerics.Vector<T>.Count; i += System.Numerics.Vector<T>.Count)
                    (new System.Numerics.Vector<T>(plane.Slice(i)) + vb).CopyTo(plane.Slice(i));
            for (; i < plane.Length; i++) plane[i] += bc;
        }
    }

    /// <inheritdoc/>
    /// <remarks>dW is the sum over images of per-image products, added in image order, so it does not depend on the thread count.</remarks>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        var w = Geometry(pass.InputShape(0));
        int cg = w.Channels / Groups, og = OutChannels / Groups, rowsK = cg * w.KernelSize, p = w.OutSize;
        var x = pass.Input(0);
        var weight = pass.Parameter(0);
        var dy = pass.OutputGradient;
        var dw = pass.ParameterGradient(0);
        var dx = pass.InputGradient(0);
        bool direct = Direct(w);
        int inImage = w.Channels * w.InSize, outImage = OutChannels * p;
        bool parallel = Workers(pass.Batch, pass.Threads) > 1;
        var partials = new T[]?[pass.Batch];
        Images(pass.Batch, pass.Threads, (first, last, threads) =>
        {
            var cols = direct ? null : GC.AllocateUninitializedArray<T>(rowsK * p);
            var dcols = dx is null || direct ? null : GC.AllocateUninitializedArray<T>(rowsK * p);
            var scratch = parallel ? null : new T[dw.Length];
            for (int b = first; b < last; b++)
            {
                var dwb = b == 0 ? dw : scratch ?? (partials[b] = new T[dw.Length]);
                for (int g = 0; g < Groups; g++)
                {
                    ReadOnlySpan<T> source = cols;
                    if (direct) source = x.AsSpan(b * inImage + g * cg * w.InSize, rowsK * p);
                    else w.Im2Col<T>(x.AsSpan(b * inImage, inImage), g * cg, cg, cols);
                    var dyg = dy.AsSpan(b * outImage + g * og * p);
                    Gemm.Core(false, true, og, rowsK, p, T.One, dyg, p, source, p, T.Zero, dwb.AsSpan(g * og * rowsK), rowsK, threads);
                    if (dx is null) continue;
                    if (direct)
                        Gemm.Core(true, false, rowsK, p, og, T.One, weight.AsSpan(g * og * rowsK), rowsK, dyg, p, T.One, dx.AsSpan(b * inImage + g * cg * w.InSize), p, threads);
                    else
                    {
                        Gemm.Core(true, false, rowsK, p, og, T.One, weight.AsSpan(g * og * rowsK), rowsK, dyg, p, T.Zero, dcols, p, threads);
                        w.Col2Im<T>(dcols, g * cg, cg, dx.AsSpan(b * inImage, inImage));
                    }
                }
                if (b > 0 && scratch is not null) Work.Add<T>(dw, scratch);
            }
        });
        for (int b = 1; b < pass.Batch; b++)
            if (partials[b] is { } part) Work.Add<T>(dw, part);
        if (!Bias) return;
        var db = pass.ParameterGradient(1);
        for (int c = 0; c < OutChannels; c++)
        {
            T s = T.Zero;
            for (int b = 0; b < pass.Batch; b++)
                foreach (var v in dy.AsSpan(b * outImage + c * p, p)) s += v;
            db[c] = s;
        }
    }

    /// <inheritdoc/>
    /// <remarks>As linear: |W| * e_x + gamma_(K + 2) (|W| * |x| + |b|), K = C_in / groups * prod(kernel) terms per output. The
    /// convolutions that the float engine runs as Winograd F(2 x 2, 3 x 3) (<see cref="WinogradConv"/>):
    /// |W| * e_x + gamma_(C_in + 9) (16 max|W| * |x| + |b|), max|W| the 3 x 3 kernel filled with the largest |w| of each
    /// (output, input) channel pair (derived in docs/numerics.md, "Winograd convolution").</remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        var w = Geometry(pass.Node.InputShapes[0]);
        if (!WinogradConv.Applies(w, Groups, OutChannels))
        {
            LinearOp.DotProductBound(pass, (long)(w.Channels / Groups) * w.KernelSize);
            return;
        }
        var abs = pass.AbsParameters();
        var widest = new double[abs[0].Length];
        for (int pair = 0; pair < widest.Length / 9; pair++)
        {
            double largest = 0;
            for (int k = 0; k < 9; k++) largest = Math.Max(largest, abs[0][pair * 9 + k]);
            widest.AsSpan(pair * 9, 9).Fill(WinogradConv.BoundFactor * largest);
        }
        abs[0] = widest;
        var magnitude = pass.Run(pass.AbsInputs(), abs);
        var noBias = pass.AbsParameters().Select((q, k) => k == 0 ? q : new double[q.Length]).ToArray();
        var carried = pass.Run(pass.InputErrors(), noBias);
        double g = ErrorBoundPass.Gamma(WinogradConv.BoundRoundings(w.Channels) + 1);
        for (int i = 0; i < pass.Error.Length; i++) pass.Error[i] = carried[i] + g * magnitude[i];
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("out_channels", OutChannels);
        a.Set("kernel", Kernel);
        a.Set("stride", Stride);
        a.Set("padding", Padding);
        if (PaddingEnd is not null) a.Set("padding_end", PaddingEnd);
        a.Set("dilation", Dilation);
        a.Set("groups", Groups);
        a.Set("bias", Bias);
    }

    internal static Op Read(OpAttributes a) => new ConvOp(a.Integer("out_channels"), a.Integers("kernel"), a.Integers("stride", [1]),
        a.Integers("padding", [0]), a.Integers("dilation", [1]), a.Integer("groups", 1), a.Boolean("bias", true),
        a.Has("padding_end") ? a.Integers("padding_end") : null);

    // ---- moment rule ----

    /// <summary>
    /// Moments of a fresh random convolution (Xiao et al. 2018): per output position p, E[y^2](p) = sum over the taps that fall inside
    /// the input of TapGain(tap) E[x^2](p s - pad + tap dil) + E[b^2], TapGain = (C_in / groups) E[W^2] per tap for i.i.d. weights (all
    /// at the centre tap for delta-orthogonal and dirac kernels): zero padding loses the taps outside, so the field is exact at
    /// the borders too. Backward: E[(dL/dx)^2](i) = sum over the (p, tap) that read i of TapGain C_out / C_in E[(dL/dy)^2](p).
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        var x = context.Input(0, 0);
        var w = context.Law("weight");
        var geo = Geometry(context.Node.InputShapes[0]);
        int cin = geo.Channels / Groups, positions = geo.OutSize;
        var second = new double[positions];
        var meanSum = new double[positions];
        var meanSquares = new double[positions];
        var gain = new double[positions];
        var shared = new double[positions];
        var taps = w.TapGain;
        var (outs, tapOf, ins) = MomentRules.SharedStencil(context, geo);
        for (int k = 0; k < outs.Length; k++)
        {
            int o = outs[k], i = ins[k];
            double tg = taps[tapOf[k]], m = x.Mean[i], a = x.Offset[i];
            second[o] += tg * x.Second[i];
            meanSum[o] += cin * m;
            meanSquares[o] += cin * m * m;
            gain[o] += tg;
            shared[o] += tg * (m * m + a * a);
        }
        return MomentRules.Project(context, x, w, Bias ? context.Law("bias") : null, 0, second, meanSum, meanSquares, gain, shared);
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var x = context.Input(0, 0);
        var w = context.Law("weight");
        var geo = Geometry(context.Node.InputShapes[0]);
        int cin = geo.Channels / Groups;
        var taps = w.TapGain;
        double toInput = (double)OutChannels / geo.Channels;
        var g = gradients.Output;
        var dx = new double[x.Positions];
        double dw = 0, db = 0;
        var (outs, tapOf, ins) = MomentRules.SharedStencil(context, geo);
        for (int k = 0; k < outs.Length; k++)
        {
            int o = outs[k], i = ins[k];
            dx[i] += taps[tapOf[k]] * toInput * g[o];
            dw += g[o] * x.Second[i];
        }
        foreach (double v in g) db += v;
        gradients.Add(0, dx, 0);
        gradients.AddParameter((double)context.Batch * OutChannels * cin * dw);
        if (Bias) gradients.AddParameter((double)context.Batch * OutChannels * db);
    }

    bool IMomentRule.IsFresh(MomentContext context) => context.Law("weight").Fresh;
}
