using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>dropout</c> in training mode (Srivastava et al. 2014, inverted scaling as PyTorch): each element is kept with probability
/// 1 - p and scaled by 1 / (1 - p), else zeroed; the mask is a pure function of (seed, node). p = 0 is the identity.
/// dL/dx = dL/dy mask / (1 - p).
/// </summary>
public sealed class DropoutOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>Creates a dropout with drop probability <paramref name="p"/>.</summary>
    /// <exception cref="ArgumentException">p outside [0, 1).</exception>
    public DropoutOp(double p = 0.5)
    {
        Guard.NonNegative(p);
        if (p >= 1) throw new ArgumentException($"p must be in [0, 1), got {Guard.Fmt(p)}.", nameof(p));
        P = p;
    }

    /// <inheritdoc/>
    public override string Kind => "dropout";

    /// <summary>The drop probability.</summary>
    public double P { get; }

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs) => inputs[0];

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var x = pass.Input(0);
        var y = pass.Output;
        var u = new float[x.Length];
        pass.Random("dropout").Uniform(u, pass.Threads);
        var scale = new T[x.Length];
        T keep = T.CreateTruncating(1 / (1 - P));
        for (int i = 0; i < x.Length; i++)
        {
            scale[i] = u[i] >= P ? keep : T.Zero;
            y[i] = x[i] * scale[i];
        }
        if (pass.KeepState) pass.State = scale;
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is not { } dx) return;
        var scale = (T[])pass.State!;
        var dy = pass.OutputGradient;
        for (int i = 0; i < dx.Length; i++) dx[i] += dy[i] * scale[i];
    }

    /// <inheritdoc/>
    /// <remarks>p = 0 is a copy (the input errors); otherwise e_x / (1 - p) + u |y| for the rounded scaling, whatever the mask.</remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        var e = pass.InputError(0);
        var y = pass.Output;
        for (int i = 0; i < e.Length; i++)
            pass.Error[i] = P == 0 ? e[i] : e[i] / (1 - P) + ErrorBoundPass.Unit * Math.Abs(y[i]);
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a) => a.Set("p", P);

    internal static Op Read(OpAttributes a) => new DropoutOp(a.Number("p", 0.5));

    // ---- moment rule ----

    /// <summary>
    /// Moments: the mask is independent of x with E[mask] = 1 and E[mask^2] = 1/(1 - p): E[y] = E[x], E[y^2] = E[x^2]/(1 - p); two
    /// examples (positions) draw independent masks, so their covariance is x's. Not Gaussian for p &gt; 0 (an atom at 0).
    /// Backward: E[(dL/dx)^2] = E[(dL/dy)^2]/(1 - p).
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        var x = context.Input(0);
        if (P == 0) return x;
        double k = 1 / (1 - P);
        return new MomentState(x.Shape, x.FeatureAxis, x.Mean, x.Second.Select(q => q * k).ToArray(), x.Offset, x.ResidualExample, x.ResidualPosition, x.ResidualCross,
            MomentLaw.Other($"dropout (p = {P}) of {(x.Law.Kind == LawKind.Other ? x.Law.Note : "a Gaussian")}"));
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients) =>
        gradients.Add(0, gradients.Output.Select(v => v / (1 - P)).ToArray(), context.Output.FeatureAxis);

    /// <summary>E[a y] = E[a x] (the mask has mean 1 and is independent of everything else).</summary>
    double[]? IMomentRule.Cross(MomentContext context, int other) => context.CrossWithInput(other, 0, context.Output.FeatureAxis);
}
