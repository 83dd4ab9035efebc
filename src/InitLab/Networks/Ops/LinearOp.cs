using InitLab.Initializers;
using InitLab.LinearAlgebra;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>linear</c>: y = x W^T + b over the last dimension (PyTorch <c>nn.Linear</c>): an input (..., in) gives (..., out),
/// W of shape (out, in), b of shape (out). Defaults as PyTorch's <c>reset_parameters</c>: W ~ kaiming_uniform(a = sqrt 5), i.e.
/// U(-1/sqrt(in), 1/sqrt(in)) (<see cref="Init.TorchDefault"/>), and b ~ U(-1/sqrt(in), 1/sqrt(in)).
/// </summary>
/// <remarks>Backward: dL/dx = dL/dy W, dL/dW = (dL/dy)^T x, dL/db = column sums of dL/dy; every product through <see cref="Gemm"/>.</remarks>
public sealed class LinearOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>Creates a linear layer with <paramref name="outFeatures"/> outputs.</summary>
    /// <exception cref="ArgumentException">outFeatures &lt; 1.</exception>
    public LinearOp(int outFeatures, bool bias = true)
    {
        if (outFeatures < 1) throw new ArgumentException($"out_features must be >= 1, got {outFeatures}.", nameof(outFeatures));
        OutFeatures = outFeatures;
        Bias = bias;
    }

    /// <inheritdoc/>
    public override string Kind => "linear";

    /// <summary>Number of outputs.</summary>
    public int OutFeatures { get; }

    /// <summary>Whether the layer adds a bias.</summary>
    public bool Bias { get; }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        RequireRank(inputs, 1, "an input with a feature dimension");
        var dims = inputs[0].Dims.ToArray();
        dims[^1] = OutFeatures;
        return new Shape(dims);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs)
    {
        int fanIn = inputs[0][-1];
        var weight = new ParameterSpec("weight", new Shape(OutFeatures, fanIn), ParameterRole.Weight, Init.TorchDefault());
        if (!Bias) return [weight];
        double bound = 1 / Math.Sqrt(fanIn);
        return [weight, new ParameterSpec("bias", new Shape(OutFeatures), ParameterRole.Bias, Init.Uniform(-bound, bound))];
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        int nIn = pass.InputShape(0)[-1], nOut = OutFeatures;
        int rows = (int)(pass.Input(0).Length / nIn);
        Project(rows, nOut, nIn, pass.Input(0), pass.Parameter(0), Bias ? pass.Parameter(1) : null, pass.Output, pass.Threads);
    }

    /// <summary>
    /// y = x W^T + b over <paramref name="rows"/> rows of <paramref name="nIn"/> features (W is nOut x nIn): b is added to each
    /// block of y as soon as the product finished it (<see cref="BlockDone"/>), while the block is in cache, instead of in a
    /// pass over y afterwards; every element is fl(fl(x W^T) + b_j) either way.
    /// </summary>
    internal static void Project<T>(int rows, int nOut, int nIn, ReadOnlySpan<T> x, ReadOnlySpan<T> w, T[]? b, T[] y, int threads)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        BlockDone? done = b is null ? null : (row, count, col, cols) =>
        {
            var bias = b.AsSpan(col, cols);
            for (int r = row; r < row + count; r++) Work.Add<T>(y.AsSpan(r * nOut + col, cols), bias);
        };
        PackedGemm.Run(false, true, rows, nOut, nIn, T.One, x, nIn, w, nIn, T.Zero, y, nOut, threads, done: done);
    }

    /// <summary>y[r, j] += b[j] for every row r of n columns.</summary>
    internal static void AddBias<T>(T[] y, T[] b, int rows, int n) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++) Work.Add<T>(y.AsSpan(r * n, n), b.AsSpan(0, n));
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        int nIn = pass.InputShape(0)[-1], nOut = OutFeatures;
        var x = pass.Input(0);
        int rows = x.Length / nIn;
        var dy = pass.OutputGradient;
        if (pass.InputGradient(0) is { } dx)
            Gemm.Core(false, false, rows, nIn, nOut, T.One, dy, nOut, pass.Parameter(0), nIn, T.One, dx, nIn, pass.Threads);
        Gemm.Core(true, false, nOut, nIn, rows, T.One, dy, nOut, x, nIn, T.Zero, pass.ParameterGradient(0), nIn, pass.Threads);
        if (Bias) Work.ColumnSums<T>(dy, rows, nOut, pass.ParameterGradient(1));
    }

    /// <inheritdoc/>
    /// <remarks>|W| e_x + gamma_(in + 2) (|W| |x| + |b|): in products and sums, the bias, and one more rounding for a weight that was
    /// scaled on import (ONNX Gemm's alpha).</remarks>
    public void ErrorBound(ErrorBoundPass pass) => DotProductBound(pass, pass.Node.InputShapes[0][-1]);

    /// <summary>The rule of ops whose outputs are dot products of K terms plus a bias (linear, conv): the op itself on |x|, |W|, |b| and on e_x, |W|, 0.</summary>
    internal static void DotProductBound(ErrorBoundPass pass, long terms)
    {
        var abs = pass.AbsParameters();
        var magnitude = pass.Run(pass.AbsInputs(), abs);
        var noBias = abs.Select((p, k) => k == 0 ? p : new double[p.Length]).ToArray();
        var carried = pass.Run(pass.InputErrors(), noBias);
        double g = ErrorBoundPass.Gamma(terms + 2);
        for (int i = 0; i < pass.Error.Length; i++) pass.Error[i] = carried[i] + g * magnitude[i];
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("out_features", OutFeatures);
        a.Set("bias", Bias);
    }

    internal static Op Read(OpAttributes a) => new LinearOp(a.Integer("out_features"), a.Boolean("bias", true));

    // ---- moment rule ----

    /// <summary>
    /// Moments of a fresh random projection (Poole et al. 2016): per position E[y] = E[b] (+ mu_W n_in E[x]) and
    /// E[y^2] = n_in E[W^2] E[x^2] + E[b^2] (+ mu_W^2 n_in (n_in - 1) E[x]^2 + 2 mu_W mu_b n_in E[x] for a weight of mean mu_W);
    /// with a zero-mean W, y is Gaussian and independent of every node it does not feed (infinite width). Backward (gradient
    /// independence): E[(dL/dx)^2] = (sum_i E[W_ij^2]) E[(dL/dy)^2], E||dW||^2 = n_out n_in B sum_p E[g^2] E[x^2], E||db||^2 = n_out B sum_p E[g^2].
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        var x = context.Input(0, -1);
        var w = context.Law("weight");
        int n = x.Units, positions = x.Positions;
        var second = new double[positions];
        var meanSum = new double[positions];
        var meanSquares = new double[positions];
        var gain = Fields.Constant(positions, w.Gain);
        var shared = new double[positions];
        for (int p = 0; p < positions; p++)
        {
            second[p] = w.Gain * x.Second[p];
            meanSum[p] = n * x.Mean[p];
            meanSquares[p] = n * x.Mean[p] * x.Mean[p];
            shared[p] = w.Gain * (x.Mean[p] * x.Mean[p] + x.Offset[p] * x.Offset[p]);
        }
        return MomentRules.Project(context, x, w, Bias ? context.Law("bias") : null, context.Node.Shape.Rank - 1, second, meanSum, meanSquares, gain, shared);
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var x = context.Input(0, -1);
        var w = context.Law("weight");
        double back = w.Gain * OutFeatures / x.Units;
        var g = gradients.Output;
        gradients.Add(0, g.Select(v => v * back).ToArray(), -1);
        double dw = 0, db = 0;
        for (int p = 0; p < g.Length; p++)
        {
            dw += g[p] * x.Second[p];
            db += g[p];
        }
        gradients.AddParameter((double)context.Batch * OutFeatures * x.Units * dw);
        if (Bias) gradients.AddParameter((double)context.Batch * OutFeatures * db);
    }

    bool IMomentRule.IsFresh(MomentContext context) => context.Law("weight").Fresh;
}
