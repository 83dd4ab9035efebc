using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>gelu, exact form: phi(x) = x Phi(x), phi'(x) = Phi(x) + x phi_N(x), Phi and phi_N the standard normal CDF and density.</summary>
internal sealed class GeluActivation : Activation
{
    public override string Name => "gelu";
    public override double Forward(double x) => x * SpecialFunctions.NormalCdf(x);
    public override double Derivative(double x) => SpecialFunctions.NormalCdf(x) + x * SpecialFunctions.NormalPdf(x);
}
