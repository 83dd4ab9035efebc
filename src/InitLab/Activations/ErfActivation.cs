using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>erf: phi(x) = erf(x), phi'(x) = 2 / sqrt(pi) e^(-x^2).</summary>
internal sealed class ErfActivation : Activation
{
    private const double TwoOverSqrtPi = 1.1283791670955125739;

    public override string Name => "erf";
    public override double Forward(double x) => SpecialFunctions.Erf(x);
    public override double Derivative(double x) => TwoOverSqrtPi * Math.Exp(-x * x);
}
