using System.Collections.Concurrent;
using InitLab.Activations;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// An element-wise activation of the catalogue (<c>relu</c>, <c>tanh</c>, <c>gelu</c>, ...; its JSON op is the activation's
/// name, with <c>param</c> for leaky_relu's slope or elu's alpha): y = phi(x), dL/dx = dL/dy phi'(x).
/// </summary>
public sealed class ActivationOp : Op, IErrorBoundRule
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

    /// <summary>
    /// The accuracy assumed of a transcendental activation per implementation, in units of u (|y| + |x| + 1): InitLab's float
    /// forms are within 1 ulp of |y|; ONNX Runtime's (MLAS) Tanh, Sigmoid, Erf, Gelu, Elu, Selu, Softplus, Mish and Exp measured
    /// at most 2.5 such units on 2,000,001 points of [-20, 20] (the approximations are accurate in absolute terms near zero
    /// crossings and tails, hence |x| + 1, the size of the intermediate terms x Phi(x), 1 + e^-x, e^x - 1).
    /// </summary>
    internal const double TranscendentalUnits = 2;

    private static readonly ConcurrentDictionary<string, double> Lipschitz = new();

    /// <summary>
    /// sup |phi'(x)| over [-40, 40] on a grid of spacing 1/256 (and at the kinks' sides), times 1.001 for what the grid can miss of
    /// a smooth maximum (of order h^2 times the third derivative); beyond +-40 every catalogue activation is flat or linear.
    /// </summary>
    internal static double LipschitzOf(Activation activation) => Lipschitz.GetOrAdd(activation.Name + "#" + activation.Parameter, _ =>
    {
        double sup = 0;
        for (int i = -40 * 256; i <= 40 * 256; i++) sup = Math.Max(sup, Math.Abs(activation.Derivative(i / 256.0)));
        foreach (double k in activation.Kinks)
            sup = Math.Max(sup, Math.Max(Math.Abs(activation.Derivative(k - 1e-9)), Math.Abs(activation.Derivative(k + 1e-9))));
        return double.IsFinite(sup) ? sup * 1.001 : double.PositiveInfinity;
    });

    /// <inheritdoc/>
    /// <remarks>
    /// L e_x (L = sup |phi'|) plus the function's own error: 0 for identity and relu (exact), u |y| for leaky_relu (one product),
    /// <see cref="TranscendentalUnits"/> u (|y| + |x| + 1) for the others.
    /// </remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        var x = pass.Input(0);
        var e = pass.InputError(0);
        var y = pass.Output;
        double u = ErrorBoundPass.Unit;
        string name = Activation.Name;
        double lipschitz = name is "identity" or "relu" ? 1 : LipschitzOf(Activation);
        for (int i = 0; i < y.Length; i++)
        {
            double own = name switch
            {
                "identity" or "relu" => 0,
                "leaky_relu" => u * Math.Abs(y[i]),
                _ => TranscendentalUnits * u * (Math.Abs(y[i]) + Math.Abs(x[i]) + 1),
            };
            pass.Error[i] = lipschitz * e[i] + own;
        }
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        if (Activation.Parameter is { } p) a.Set("param", p);
    }

    internal static Op Read(OpAttributes a, string name) =>
        new ActivationOp(ActivationRegistry.Parse(name, a.Has("param") ? a.Number("param") : null));
}
