using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>global_avg_pool</c>: the mean of each channel over all spatial positions, (C, *spatial) -&gt; (C) (PyTorch's
/// <c>AdaptiveAvgPool2d(1)</c> followed by flatten), or (C, 1, ..., 1) with <c>keep_dims</c> (ONNX's GlobalAveragePool,
/// PyTorch's <c>AdaptiveAvgPool2d(1)</c> alone). dL/dx = dL/dy / P for each of the P positions.
/// </summary>
public sealed class GlobalAvgPoolOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>Creates a global average pool; <paramref name="keepDims"/> keeps the spatial dimensions as 1s.</summary>
    public GlobalAvgPoolOp(bool keepDims = false) => KeepDims = keepDims;

    /// <summary>Whether the output keeps the spatial dimensions (as 1s).</summary>
    public bool KeepDims { get; }

    /// <inheritdoc/>
    public override string Kind => "global_avg_pool";

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        RequireRank(inputs, 2, "an input (channels, *spatial)");
        return KeepDims ? new Shape([inputs[0][0], .. Enumerable.Repeat(1, inputs[0].Rank - 1)]) : new Shape(inputs[0][0]);
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var x = pass.Input(0);
        var y = pass.Output;
        int p = (int)(pass.InputShape(0).Size / pass.InputShape(0)[0]);
        T n = T.CreateTruncating(p);
        for (int plane = 0; plane < y.Length; plane++)
        {
            T s = T.Zero;
            foreach (var v in x.AsSpan(plane * p, p)) s += v;
            y[plane] = s / n;
        }
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is not { } dx) return;
        var dy = pass.OutputGradient;
        int p = (int)(pass.InputShape(0).Size / pass.InputShape(0)[0]);
        T n = T.CreateTruncating(p);
        for (int plane = 0; plane < dy.Length; plane++)
        {
            T g = dy[plane] / n;
            foreach (ref var v in dx.AsSpan(plane * p, p)) v += g;
        }
    }

    /// <inheritdoc/>
    /// <remarks>The mean of the errors plus gamma_(P + 1) times the mean of |x| over the P positions.</remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        var carried = pass.Run(pass.InputErrors(), []);
        var magnitude = pass.Run(pass.AbsInputs(), []);
        double g = ErrorBoundPass.Gamma(pass.Node.InputShapes[0].Size / pass.Node.InputShapes[0][0] + 1);
        for (int i = 0; i < pass.Error.Length; i++) pass.Error[i] = carried[i] + g * magnitude[i];
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        if (KeepDims) a.Set("keep_dims", true);
    }

    internal static Op Read(OpAttributes a) => new GlobalAvgPoolOp(a.Boolean("keep_dims", false));

    // ---- moment rule ----

    /// <summary>
    /// Moments: the mean over P positions, E[y] = mean m, E[y^2] = (sum E[x^2] + sum_(p != p') (m m' + A A' + R_w)) / P^2 with A the
    /// offsets and R_w the residual covariance of two positions of one example; the offset is mean A and two examples' remainders
    /// are covariant by (R_b + (P - 1) R_x) / P. Backward: E[(dL/dx)^2] = E[(dL/dy)^2] / P^2.
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        var x = context.Input(0, 0);
        int n = x.Positions;
        MomentRules.NoteRankOne(context, x);
        double sq = x.Second.Sum(), sm = x.Mean.Sum(), sm2 = x.Mean.Sum(m => m * m), sa = x.Offset.Sum(), sa2 = x.Offset.Sum(a => a * a);
        double second = (sq + sm * sm - sm2 + sa * sa - sa2 + n * (n - 1.0) * x.ResidualPosition) / ((double)n * n);
        var law = n == 1 ? x.Law : x.Law.IsGaussian ? MomentLaw.Gaussian(context.Node.Index)
            : MomentLaw.Other($"an average of {n} values of {(x.Law.Kind == LawKind.Other ? x.Law.Note : "a non-Gaussian law")}");
        double residual = (x.ResidualExample + (n - 1) * x.ResidualCross) / n;
        return new MomentState(context.Node.Shape, 0, [sm / n], [second], [sa / n], residual, 0, residual, law);
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        int n = context.Input(0, 0).Positions;
        gradients.Add(0, Fields.Constant(n, gradients.Output[0] / ((double)n * n)), 0);
    }
}
