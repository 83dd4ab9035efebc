using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>softplus: phi(x) = ln(1 + e^x), phi'(x) = sigmoid(x).</summary>
internal sealed class SoftplusActivation : Activation
{
    public override string Name => "softplus";
    public override double Forward(double x) => Elementary.Softplus(x);
    public override double Derivative(double x) => Elementary.Sigmoid(x);
}
