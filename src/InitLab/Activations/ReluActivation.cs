using System.Numerics;
using System.Numerics.Tensors;

namespace InitLab.Activations;

/// <summary>relu: phi(x) = max(x, 0); phi'(x) = 1 for x &gt; 0, 0 for x &lt;= 0 (PyTorch's value at the kink).</summary>
internal sealed class ReluActivation : Activation
{
    private static readonly double[] KinkAtZero = [0.0];

    public override string Name => "relu";
    public override IReadOnlyList<double> Kinks => KinkAtZero;

    // Math.Max propagates NaN (IEEE 754-2019 maximum), so NaN stays NaN.
    public override double Forward(double x) => Math.Max(x, 0.0);
    public override double Derivative(double x) => x > 0 ? 1.0 : x <= 0 ? 0.0 : x;

    private protected override void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Max(x, T.Zero, y);
}
