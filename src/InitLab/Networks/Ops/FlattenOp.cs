using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary><c>flatten</c>: (d1, ..., dk) -&gt; (d1 ... dk), every non-batch dimension into one (PyTorch <c>nn.Flatten()</c>).</summary>
public sealed class FlattenOp : Op, IMomentRule, IErrorBoundRule
{
    /// <inheritdoc/>
    public override string Kind => "flatten";

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs) => new(checked((int)inputs[0].Size));

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass) => pass.Input(0).CopyTo(pass.Output, 0);

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is { } dx) Work.Add<T>(dx, pass.OutputGradient);
    }

    /// <inheritdoc/>
    /// <remarks>A copy: the input errors, moved as the values are.</remarks>
    public void ErrorBound(ErrorBoundPass pass) => pass.Run(pass.InputErrors(), []).CopyTo(pass.Error, 0);

    internal static Op Read(OpAttributes a) => new FlattenOp();

    // ---- moment rule ----

    /// <summary>Moments: the same elements (see <see cref="MomentRules.Reshaped"/>).</summary>
    MomentState IMomentRule.Forward(MomentContext context) => MomentRules.Reshaped(context);

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients) => MomentRules.ReshapedBackward(context, gradients);

    double[]? IMomentRule.Cross(MomentContext context, int other) => null;
}
