using System.Numerics;

namespace InitLab.Activations;

/// <summary>identity (linear): phi(x) = x, phi'(x) = 1.</summary>
internal sealed class IdentityActivation : Activation
{
    public override string Name => "identity";
    public override double Forward(double x) => x;
    public override double Derivative(double x) => double.IsNaN(x) ? x : 1.0;

    private protected override void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y) => x.CopyTo(y);
}
