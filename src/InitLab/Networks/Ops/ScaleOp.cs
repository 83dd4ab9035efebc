using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>scale</c>: y = factor x + offset element-wise, with constant scalars (an ONNX Mul, Div, Add or Sub by a scalar constant,
/// e.g. the 1/sqrt(2) and 0.5 of an exported exact GELU, or attention's 1/sqrt(d)). dL/dx = factor dL/dy.
/// </summary>
public sealed class ScaleOp : Op, IErrorBoundRule
{
    /// <summary>Creates y = <paramref name="factor"/> x + <paramref name="offset"/>.</summary>
    /// <exception cref="ArgumentException">A value is not finite.</exception>
    public ScaleOp(double factor = 1, double offset = 0)
    {
        Guard.Finite(factor, "factor");
        Guard.Finite(offset, "offset");
        Factor = factor;
        Offset = offset;
    }

    /// <inheritdoc/>
    public override string Kind => "scale";

    /// <summary>The multiplier.</summary>
    public double Factor { get; }

    /// <summary>The addend.</summary>
    public double Offset { get; }

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs) => inputs[0];

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var x = pass.Input(0);
        var y = pass.Output;
        T a = T.CreateTruncating(Factor), b = T.CreateTruncating(Offset);
        for (int i = 0; i < y.Length; i++) y[i] = a * x[i] + b;
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is { } dx) Work.AddScaled<T>(dx, T.CreateTruncating(Factor), pass.OutputGradient);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// |a| e_x + 2u |a x| + u |y|: the product (and a factor that is itself rounded, such as 1/c for a division by c) and the sum
    /// each round once.
    /// </remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        var x = pass.Input(0);
        var e = pass.InputError(0);
        var y = pass.Output;
        double a = Math.Abs(Factor), u = ErrorBoundPass.Unit;
        for (int i = 0; i < y.Length; i++) pass.Error[i] = a * e[i] + 2 * u * a * Math.Abs(x[i]) + u * Math.Abs(y[i]);
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("factor", Factor);
        a.Set("offset", Offset);
    }

    internal static Op Read(OpAttributes a) => new ScaleOp(a.Number("factor", 1), a.Number("offset", 0));
}
