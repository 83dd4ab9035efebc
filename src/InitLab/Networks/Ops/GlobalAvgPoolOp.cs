using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>global_avg_pool</c>: the mean of each channel over all spatial positions, (C, *spatial) -&gt; (C) (PyTorch's
/// <c>AdaptiveAvgPool2d(1)</c> followed by flatten). dL/dx = dL/dy / P for each of the P positions.
/// </summary>
public sealed class GlobalAvgPoolOp : Op
{
    /// <inheritdoc/>
    public override string Kind => "global_avg_pool";

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        RequireRank(inputs, 2, "an input (channels, *spatial)");
        return new Shape(inputs[0][0]);
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

    internal static Op Read(OpAttributes a) => new GlobalAvgPoolOp();
}
