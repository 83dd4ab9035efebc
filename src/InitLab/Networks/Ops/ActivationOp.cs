using InitLab.Activations;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// An element-wise activation of the catalogue (<c>relu</c>, <c>tanh</c>, <c>gelu</c>, ...; its JSON op is the activation's
/// name, with <c>param</c> for leaky_relu's slope or elu's alpha): y = phi(x), dL/dx = dL/dy phi'(x).
/// </summary>
public sealed class ActivationOp : Op
{
    /// <summary>Wraps <paramref name="activation"/>.</summary>
    public ActivationOp(Activation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Activation = activation;
    }

    /// <summary>The nonlinearity phi.</summary>
    public Activation Activation { get; }

    /// <inheritdoc/>
    public override string Kind => Activation.Name;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs) => inputs[0];

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass) => Activation.Forward<T>(pass.Input(0), pass.Output);

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is not { } dx) return;
        var d = new T[dx.Length];
        Activation.Derivative<T>(pass.Input(0), d);
        var dy = pass.OutputGradient;
        for (int i = 0; i < d.Length; i++) dx[i] += dy[i] * d[i];
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        if (Activation.Parameter is { } p) a.Set("param", p);
    }

    internal static Op Read(OpAttributes a, string name) =>
        new ActivationOp(ActivationRegistry.Parse(name, a.Has("param") ? a.Number("param") : null));
}
