using System.Numerics;
using System.Numerics.Tensors;
using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>sigmoid: phi(x) = 1 / (1 + e^-x), phi'(x) = phi(x) (1 - phi(x)).</summary>
internal sealed class SigmoidActivation : Activation
{
    public override string Name => "sigmoid";
    public override double Forward(double x) => Elementary.Sigmoid(x);

    // s (1 - s) = s * sigmoid(-x): no cancellation for large x.
    public override double Derivative(double x) => Elementary.Sigmoid(x) * Elementary.Sigmoid(-x);

    private protected override void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y) => TensorPrimitives.Sigmoid(x, y);
}
