using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Networks.Ops;

/// <summary>Which reduction a <see cref="PoolOp"/> applies.</summary>
public enum PoolKind
{
    /// <summary>max_pool: the largest value of each window (padding never wins).</summary>
    Max,

    /// <summary>avg_pool: the mean of each window.</summary>
    Average,
}

/// <summary>
/// <c>max_pool</c> and <c>avg_pool</c> over 1 to 3 spatial dimensions of a (C, *spatial) input, each channel alone, as PyTorch's
/// <c>nn.MaxPoolNd</c> / <c>nn.AvgPoolNd</c>: stride defaults to the kernel, padding to 0 and must be at most half the kernel;
/// <c>padding_end</c> pads after each dimension (default: the same as before it; ONNX's asymmetric pads); <c>ceil_mode</c>
/// rounds the output size up (a last window that would start in the end padding is dropped). avg_pool divides by the window's
/// cells inside the padded input (count_include_pad = true, PyTorch's default; in floor mode the whole window) or by those
/// inside the input (false).
/// </summary>
/// <remarks>
/// Backward: max routes each window's gradient to its (first, in scan order) largest input; average spreads it evenly over the
/// window. Max-pooling of k i.i.d. N(0, 1) inputs has mean E[max] &gt; 0 (1.0294 for k = 4): pooling shifts the mean.
/// </remarks>
public sealed class PoolOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>Creates a pooling op.</summary>
    /// <exception cref="ArgumentException">An empty kernel.</exception>
    public PoolOp(PoolKind pool, int[] kernel, int[]? stride = null, int[]? padding = null, bool countIncludePad = true,
        int[]? paddingEnd = null, bool ceilMode = false)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (kernel.Length is < 1 or > 3) throw new ArgumentException($"kernel needs 1 to 3 values, got {kernel.Length}.", nameof(kernel));
        Pool = pool;
        Kernel = [.. kernel];
        Stride = stride is null ? [.. kernel] : [.. stride];
        Padding = padding is null ? [0] : [.. padding];
        PaddingEnd = paddingEnd is null ? null : [.. paddingEnd];
        CountIncludePad = countIncludePad;
        CeilMode = ceilMode;
    }

    /// <summary>Max or average.</summary>
    public PoolKind Pool { get; }

    /// <inheritdoc/>
    public override string Kind => Pool == PoolKind.Max ? "max_pool" : "avg_pool";

    /// <summary>Window size per spatial dimension.</summary>
    public IReadOnlyList<int> Kernel { get; }

    /// <summary>Stride per spatial dimension (default: the kernel).</summary>
    public IReadOnlyList<int> Stride { get; }

    /// <summary>Padding per spatial dimension (before it, and after it unless <see cref="PaddingEnd"/> is set).</summary>
    public IReadOnlyList<int> Padding { get; }

    /// <summary>Padding after each spatial dimension; null: the same as <see cref="Padding"/>.</summary>
    public IReadOnlyList<int>? PaddingEnd { get; }

    /// <summary>Round the output size up instead of down.</summary>
    public bool CeilMode { get; }

    /// <summary>avg_pool: divide by the whole window (true) or by its part inside the input (false).</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc/>
    public override BackwardNeeds Needs => Pool == PoolKind.Max ? BackwardNeeds.Inputs : BackwardNeeds.None;

    internal Window Geometry(Shape input)
    {
        var w = Window.Of(input, [.. Kernel], [.. Stride], [.. Padding], [1], PaddingEnd?.ToArray(), CeilMode);
        for (int i = 0; i < 3; i++)
            if (Math.Max(w.Pad[i], w.PadEnd[i]) * 2 > w.Kernel[i])
                throw new ArgumentException($"padding {Math.Max(w.Pad[i], w.PadEnd[i])} must be at most half the kernel {w.Kernel[i]}.");
        return w;
    }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        var w = Geometry(inputs[0]);
        return new Shape([w.Channels, .. w.OutDims]);
    }

    /// <summary>
    /// Calls visit(outputIndex, inputIndex) for every window element in scan order: -1 for padding, -2 beyond the end padding
    /// (ceil mode's overhang).
    /// </summary>
    private static void Windows(Window w, Action<int, int> visit)
    {
        int o = 0;
        for (int od = 0; od < w.Out[0]; od++)
            for (int oh = 0; oh < w.Out[1]; oh++)
                for (int ow = 0; ow < w.Out[2]; ow++, o++)
                    for (int kd = 0; kd < w.Kernel[0]; kd++)
                    {
                        int id = od * w.Stride[0] - w.Pad[0] + kd;
                        for (int kh = 0; kh < w.Kernel[1]; kh++)
                        {
                            int ih = oh * w.Stride[1] - w.Pad[1] + kh;
                            for (int kw = 0; kw < w.Kernel[2]; kw++)
                            {
                                int iw = ow * w.Stride[2] - w.Pad[2] + kw;
                                bool inside = (uint)id < (uint)w.In[0] && (uint)ih < (uint)w.In[1] && (uint)iw < (uint)w.In[2];
                                bool padded = id < w.In[0] + w.PadEnd[0] && ih < w.In[1] + w.PadEnd[1] && iw < w.In[2] + w.PadEnd[2];
                                visit(o, inside ? (id * w.In[1] + ih) * w.In[2] + iw : padded ? -1 : -2);
                            }
                        }
                    }
    }

    /// <summary>Per output element: the input indices of its window (-1 for padding, -2 beyond it), K per output.</summary>
    private static int[] Table(Window w)
    {
        var table = new int[w.OutSize * w.KernelSize];
        int k = 0;
        Windows(w, (_, i) => table[k++] = i);
        return table;
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var w = Geometry(pass.InputShape(0));
        var table = Table(w);
        int K = w.KernelSize, planes = pass.Batch * w.Channels;
        var x = pass.Input(0);
        var y = pass.Output;
        int[]? argmax = Pool == PoolKind.Max && pass.KeepState ? new int[y.Length] : null;
        Parallelism.For(planes, plane =>
        {
            var xp = x.AsSpan(plane * w.InSize, w.InSize);
            for (int o = 0; o < w.OutSize; o++)
            {
                var cells = table.AsSpan(o * K, K);
                if (Pool == PoolKind.Max)
                {
                    int best = -1;
                    T m = T.NegativeInfinity;
                    foreach (int i in cells)
                        if (i >= 0 && (best < 0 || xp[i] > m || T.IsNaN(xp[i]) && !T.IsNaN(m)))
                        {
                            best = i;
                            m = xp[i];
                        }
                    y[plane * w.OutSize + o] = m;
                    if (argmax is not null) argmax[plane * w.OutSize + o] = best;
                }
                else
                {
                    T s = T.Zero;
                    foreach (int i in cells)
                        if (i >= 0) s += xp[i];
                    y[plane * w.OutSize + o] = s / T.CreateTruncating(Divisor(cells));
                }
            }
        }, pass.Threads);
        pass.State = argmax;
    }

    /// <summary>avg_pool's divisor: the window's cells inside the padded input (count_include_pad) or inside the input.</summary>
    private int Divisor(ReadOnlySpan<int> cells)
    {
        int n = 0;
        foreach (int i in cells)
            if (i >= 0 || CountIncludePad && i == -1) n++;
        return n;
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is not { } dx) return;
        var w = Geometry(pass.InputShape(0));
        var dy = pass.OutputGradient;
        int K = w.KernelSize, planes = pass.Batch * w.Channels;
        if (Pool == PoolKind.Max)
        {
            var argmax = (int[])pass.State!;
            Parallelism.For(planes, plane =>
            {
                for (int o = 0; o < w.OutSize; o++)
                    dx[plane * w.InSize + argmax[plane * w.OutSize + o]] += dy[plane * w.OutSize + o];
            }, pass.Threads);
            return;
        }
        var table = Table(w);
        Parallelism.For(planes, plane =>
        {
            for (int o = 0; o < w.OutSize; o++)
            {
                var cells = table.AsSpan(o * K, K);
                T g = dy[plane * w.OutSize + o] / T.CreateTruncating(Divisor(cells));
                foreach (int i in cells) if (i >= 0) dx[plane * w.InSize + i] += g;
            }
        }, pass.Threads);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// max: the largest input error of the window (|max a - max b| &lt;= max |a_i - b_i|), nothing rounded; average: the average of
    /// the errors plus gamma_(K + 1) times the average of |x| (K - 1 sums and a division).
    /// </remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        var carried = pass.Run(pass.InputErrors(), []);
        if (Pool == PoolKind.Max)
        {
            carried.CopyTo(pass.Error, 0);
            return;
        }
        var magnitude = pass.Run(pass.AbsInputs(), []);
        double g = ErrorBoundPass.Gamma(Geometry(pass.Node.InputShapes[0]).KernelSize + 1);
        for (int i = 0; i < pass.Error.Length; i++) pass.Error[i] = carried[i] + g * magnitude[i];
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("kernel", Kernel);
        a.Set("stride", Stride);
        a.Set("padding", Padding);
        if (PaddingEnd is not null) a.Set("padding_end", PaddingEnd);
        if (CeilMode) a.Set("ceil_mode", true);
        if (Pool == PoolKind.Average) a.Set("count_include_pad", CountIncludePad);
    }

    internal static Op Read(OpAttributes a, PoolKind pool)
    {
        var kernel = a.Integers("kernel");
        return new PoolOp(pool, kernel, a.Integers("stride", kernel), a.Integers("padding", [0]),
            pool == PoolKind.Average ? a.Boolean("count_include_pad", true) : true,
            a.Has("padding_end") ? a.Integers("padding_end") : null, a.Boolean("ceil_mode", false));
    }

    // ---- moment rule ----

    /// <summary>
    /// Moments. avg_pool: the mean of the window's k valid inputs over the divisor D (K or k): E[y^2] = (sum E[x^2] + sum_(i != j)
    /// (m_i m_j + A_i A_j + R_w)) / D^2 with A the offsets and R_w the remainders' covariance of two positions; the offset is sum A / D.
    /// max_pool: the largest of k equicorrelated Gaussians by exact integrals (<see cref="OrderStatistics"/>, correlation = the
    /// covariance of two positions over the variance, 0 for independent positions); through a non-decreasing element-wise map f, max f(g_i) = f(max g_i) stays exact (a relu before the
    /// pool). Backward: avg spreads E[g^2]/D^2 to each input of a window; max routes the window's gradient to its argmax, which is
    /// any of the k inputs with probability 1/k by exchangeability.
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        var x = context.Input(0, 0);
        var geo = Geometry(context.Node.InputShapes[0]);
        var cells = Cells(geo);
        return Pool == PoolKind.Average ? AverageMoments(context, x, geo, cells) : MaxMoments(context, x, cells);
    }

    private static List<int>[] Cells(Window geo)
    {
        var cells = new List<int>[geo.OutSize];
        for (int o = 0; o < cells.Length; o++) cells[o] = [];
        MomentRules.Stencil(geo, (o, _, i) => cells[o].Add(i));
        return cells;
    }

    private double Divisor(Window geo, List<int> window) => CountIncludePad ? geo.KernelSize : window.Count;

    private MomentState AverageMoments(MomentContext context, MomentState x, Window geo, List<int>[] cells)
    {
        if (geo.KernelSize > 1) MomentRules.NoteRankOne(context, x);
        int outs = cells.Length;
        var mean = new double[outs];
        var second = new double[outs];
        var offset = new double[outs];
        double rw = x.ResidualPosition, rb = x.ResidualExample, rx = x.ResidualCross, resExample = 0, k2 = 0, div2 = 0;
        for (int o = 0; o < outs; o++)
        {
            var w = cells[o];
            double d = Divisor(geo, w), sm = 0, sq = 0, sm2 = 0, sa = 0, sa2 = 0;
            foreach (int i in w)
            {
                sm += x.Mean[i];
                sq += x.Second[i];
                sm2 += x.Mean[i] * x.Mean[i];
                sa += x.Offset[i];
                sa2 += x.Offset[i] * x.Offset[i];
            }
            mean[o] = sm / d;
            offset[o] = sa / d;
            second[o] = (sq + sm * sm - sm2 + sa * sa - sa2 + w.Count * (w.Count - 1.0) * rw) / (d * d);
            // Two examples, one window: k pairs at one position (R_b) and k (k - 1) at two (R_x).
            resExample += (w.Count * rb + w.Count * (w.Count - 1.0) * rx) / (d * d) / outs;
            k2 += w.Count * (double)w.Count / outs;
            div2 += d * d / outs;
        }
        // Two windows share |W n W'| inputs: their remainders' covariance is (|W n W'| (Var(r) - R_w) + k k' R_w) / D^2, averaged over
        // the pairs of windows (and with R_b, R_x for two examples).
        var readers = new int[x.Positions];
        foreach (var w in cells) foreach (int i in w) readers[i]++;
        double overlap = outs > 1 ? (readers.Sum(r => (double)r * r) - cells.Sum(w => (double)w.Count)) / ((double)outs * (outs - 1)) : 0;
        double residualVariance = Enumerable.Range(0, x.Positions).Average(p => Math.Max(0, x.VarianceAt(p) - x.Offset[p] * x.Offset[p]));
        double resPosition = outs > 1 ? (overlap * (residualVariance - rw) + k2 * rw) / div2 : 0;
        double resCross = outs > 1 ? (overlap * (rb - rx) + k2 * rx) / div2 : resExample;
        var law = geo.KernelSize == 1 ? x.Law
            : x.Law.IsGaussian ? MomentLaw.Gaussian(context.Node.Index)
            : MomentLaw.Other($"an average of {geo.KernelSize} values of {(x.Law.Kind == LawKind.Other ? x.Law.Note : "a non-Gaussian law")}");
        return new MomentState(context.Node.Shape, 0, mean, second, offset, resExample, resPosition, resCross, law);
    }

    private static MomentState MaxMoments(MomentContext context, MomentState x, List<int>[] cells)
    {
        var source = MomentRules.Origin(context, x, "max_pool");
        var map = source.Map;
        if (map is not null && !map.Monotone)
        {
            context.Assume($"max_pool: its input {map.Description} is not monotone in its Gaussian, so the maximum is taken over a Gaussian with the input's moments");
            source = MomentRules.Own(x);
            map = null;
        }
        // Two positions of one example are covariant by A A' + R_w: equicorrelated at their average.
        double vBar = source.AverageVariance;
        double rho = vBar > 0 ? Math.Clamp((source.OffsetPairs + source.ResidualPosition) / vBar, 0, 1) : 0;
        int outs = cells.Length;
        var mean = new double[outs];
        var second = new double[outs];
        var memo = new Dictionary<(int, double, double), (double, double)>();
        bool mixed = false;
        for (int o = 0; o < outs; o++)
        {
            var w = cells[o];
            double m = w.Average(i => source.Mean[i]), v = w.Average(i => source.Variance[i]);
            mixed |= w.Any(i => Math.Abs(source.Variance[i] - v) > 1e-9 * (v + 1e-300) || Math.Abs(source.Mean[i] - m) > 1e-9 * (1 + Math.Abs(m)));
            if (!memo.TryGetValue((w.Count, m, v), out var r))
                memo[(w.Count, m, v)] = r = OrderStatistics.Max(w.Count, m, v, rho, map?.F, map?.Kinks);
            (mean[o], second[o]) = r;
        }
        if (mixed) context.Assume("max_pool: windows mix positions of different moments (at the borders); the maximum is taken over their average mean and variance");
        // Offsets and remainders after the max: the input's correlations kept (an approximation when they are not zero).
        var y = MomentState.Independent(context.Node.Shape, 0, mean, second, MomentLaw.Other("a maximum of Gaussians"));
        double scale = x.AverageVariance > 0 ? y.AverageVariance / x.AverageVariance : 0;
        if (Math.Abs(x.CovExample) + Math.Abs(x.CovPosition) + Math.Abs(x.CovCross) > 1e-12 * x.AverageVariance)
            context.Assume("max_pool: covariances across examples and positions scaled with the variance (correlation kept)");
        double offsetRms = Math.Sqrt(MomentState.Squares(x.Offset) * scale);
        return new MomentState(context.Node.Shape, 0, mean, second, Fields.Constant(outs, offsetRms), x.ResidualExample * scale,
            x.ResidualPosition * scale, x.ResidualCross * scale, cells.All(w => w.Count == 1) ? x.Law : MomentLaw.Other("a maximum of Gaussians"));
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var geo = Geometry(context.Node.InputShapes[0]);
        var cells = Cells(geo);
        var g = gradients.Output;
        var dx = new double[context.Input(0, 0).Positions];
        for (int o = 0; o < cells.Length; o++)
        {
            var w = cells[o];
            double d = Pool == PoolKind.Average ? Divisor(geo, w) : 1;
            double share = Pool == PoolKind.Average ? g[o] / (d * d) : g[o] / w.Count;
            foreach (int i in w) dx[i] += share;
        }
        gradients.Add(0, dx, 0);
    }
}
