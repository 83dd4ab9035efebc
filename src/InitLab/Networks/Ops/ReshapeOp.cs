using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>reshape</c>: the same elements in row-major order under another shape without the batch; one dimension may be -1 (inferred).
/// </summary>
public sealed class ReshapeOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>Creates a reshape to <paramref name="shape"/> (at most one -1).</summary>
    /// <exception cref="ArgumentException">Empty, more than one -1, or a dimension &lt; -1 or 0.</exception>
    public ReshapeOp(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0) throw new ArgumentException("shape needs at least one dimension.", nameof(shape));
        if (shape.Count(d => d == -1) > 1 || shape.Any(d => d == 0 || d < -1))
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] may hold positive dimensions and at most one -1.", nameof(shape));
        Target = [.. shape];
    }

    /// <inheritdoc/>
    public override string Kind => "reshape";

    /// <summary>The requested shape (may hold one -1).</summary>
    public IReadOnlyList<int> Target { get; }

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        long size = inputs[0].Size, known = 1;
        foreach (int d in Target) if (d > 0) known *= d;
        var dims = Target.ToArray();
        int free = Array.IndexOf(dims, -1);
        if (free >= 0)
        {
            if (size % known != 0) throw new ArgumentException($"cannot reshape {inputs[0]} ({size} elements) to [{string.Join(", ", Target)}].");
            dims[free] = (int)(size / known);
        }
        else if (known != size) throw new ArgumentException($"cannot reshape {inputs[0]} ({size} elements) to [{string.Join(", ", Target)}] ({known} elements).");
        return new Shape(dims);
    }

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

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a) => a.Set("shape", Target);

    internal static Op Read(OpAttributes a) => new ReshapeOp(a.Integers("shape"));

    // ---- moment rule ----

    /// <summary>Moments: the same elements (see <see cref="MomentRules.Reshaped"/>).</summary>
    MomentState IMomentRule.Forward(MomentContext context) => MomentRules.Reshaped(context);

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients) => MomentRules.ReshapedBackward(context, gradients);

    double[]? IMomentRule.Cross(MomentContext context, int other) => null;
}
