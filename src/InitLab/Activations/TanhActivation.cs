using System.Numerics;
using System.Numerics.Tensors;

namespace InitLab.Activations;

/// <summary>tanh: phi(x) = tanh(x), phi'(x) = 1 / cosh(x)^2 (= 1 - tanh(x)^2, without its cancellation for large |x|).</summary>
internal sealed class TanhActivation : Activation
{
    public override string Name => "tanh";
    public override double Forward(double x) => Math.Tanh(x);

    public override double Derivative(double x)
    {
        double c = Math.Cosh(x);
        return 1.0 / (c * c);
    }

    private protected override void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Tanh(x, y);

    // y = 1 - tanh(x)^2; in float the cancellation for |x| > 9 is far below float's own resolution of phi'.
    private protected override void DerivativeCore<T>(ReadOnlySpan<T> x, Span<T> y)
    {
        TensorPrimitives.Tanh(x, y);
        TensorPrimitives.Multiply(y, y, y);
        TensorPrimitives.Subtract(T.One, y, y);
    }
}
