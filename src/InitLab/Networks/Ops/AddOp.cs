using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>add</c>: y = sum_i s_i x_i over inputs of one shape, with a scale s_i per input (default 1): a residual connection
/// x + alpha f(x) is add(x, f) with scales (1, alpha). dL/dx_i = s_i dL/dy.
/// </summary>
public sealed class AddOp : Op, IErrorBoundRule
{
    /// <summary>Creates an add; <paramref name="scales"/> null means 1 for every input.</summary>
    /// <exception cref="ArgumentException">A scale is not finite.</exception>
    public AddOp(IReadOnlyList<double>? scales = null)
    {
        if (scales is not null)
            for (int i = 0; i < scales.Count; i++)
                if (!double.IsFinite(scales[i]))
                    throw new ArgumentException($"scales[{i}] must be finite, got {scales[i]}.", nameof(scales));
        Scales = scales?.ToArray();
    }

    /// <inheritdoc/>
    public override string Kind => "add";

    /// <summary>The scale per input (null: all 1).</summary>
    public IReadOnlyList<double>? Scales { get; }

    /// <summary>The scale of input <paramref name="i"/>.</summary>
    public double Scale(int i) => Scales?[i] ?? 1.0;

    /// <inheritdoc/>
    public override int MinInputs => 2;

    /// <inheritdoc/>
    public override int MaxInputs => int.MaxValue;

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        if (Scales is not null && Scales.Count != inputs.Count)
            throw new ArgumentException($"has {Scales.Count} scales for {inputs.Count} inputs.");
        for (int i = 1; i < inputs.Count; i++)
            if (inputs[i] != inputs[0])
                throw new ArgumentException($"inputs must have one shape, got {inputs[0]} and {inputs[i]}.");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var y = pass.Output;
        var x0 = pass.Input(0);
        T s0 = T.CreateTruncating(Scale(0));
        for (int j = 0; j < y.Length; j++) y[j] = s0 * x0[j];
        for (int i = 1; i < pass.Node.Inputs.Count; i++)
            Work.AddScaled<T>(y, T.CreateTruncating(Scale(i)), pass.Input(i));
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        for (int i = 0; i < pass.Node.Inputs.Count; i++)
            if (pass.InputGradient(i) is { } dx)
                Work.AddScaled<T>(dx, T.CreateTruncating(Scale(i)), pass.OutputGradient);
    }

    /// <inheritdoc/>
    /// <remarks>sum |s_i| e_i + gamma_(n + 1) sum |s_i x_i| (n scaled terms, n - 1 sums).</remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        int n = pass.Node.Inputs.Count;
        double g = ErrorBoundPass.Gamma(n + 1);
        for (int k = 0; k < n; k++)
        {
            double s = Math.Abs(Scale(k));
            var x = pass.Input(k);
            var e = pass.InputError(k);
            for (int i = 0; i < pass.Error.Length; i++) pass.Error[i] += s * (e[i] + g * Math.Abs(x[i]));
        }
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        if (Scales is not null) a.Set("scales", Scales);
    }

    internal static Op Read(OpAttributes a) => new AddOp(a.Has("scales") ? a.Numbers("scales") : null);
}
