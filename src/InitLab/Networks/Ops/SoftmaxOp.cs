using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>softmax</c> over the last dimension: y_j = exp(x_j - max x) / sum_k exp(x_k - max x). Backward: dL/dx = y (dL/dy - sum(dL/dy y)).
/// </summary>
public sealed class SoftmaxOp : Op
{
    /// <inheritdoc/>
    public override string Kind => "softmax";

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.Output;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        RequireRank(inputs, 1, "an input with a last dimension");
        return inputs[0];
    }

    /// <summary>Softmax of each row of n elements.</summary>
    internal static void Rows<T>(ReadOnlySpan<T> x, Span<T> y, int n) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int r = 0; r < x.Length / n; r++)
            Row(x.Slice(r * n, n), y.Slice(r * n, n));
    }

    internal static void Row<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T m = T.NegativeInfinity;
        foreach (var v in x) m = T.IsNaN(v) || v > m ? v : m;
        T s = T.Zero;
        for (int j = 0; j < x.Length; j++)
        {
            y[j] = T.Exp(x[j] - m);
            s += y[j];
        }
        T inv = T.One / s;
        for (int j = 0; j < x.Length; j++) y[j] *= inv;
    }

    /// <summary>dx += y (dy - sum(dy y)) for each row of n elements.</summary>
    internal static void RowsBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int n) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int r = 0; r < y.Length / n; r++)
        {
            var yr = y.Slice(r * n, n);
            var gr = dy.Slice(r * n, n);
            T dot = T.Zero;
            for (int j = 0; j < n; j++) dot += gr[j] * yr[j];
            var dr = dx.Slice(r * n, n);
            for (int j = 0; j < n; j++) dr[j] += yr[j] * (gr[j] - dot);
        }
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass) => Rows<T>(pass.Input(0), pass.Output, pass.InputShape(0)[-1]);

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is { } dx) RowsBackward<T>(pass.Output, pass.OutputGradient, dx, pass.InputShape(0)[-1]);
    }

    internal static Op Read(OpAttributes a) => new SoftmaxOp();
}
