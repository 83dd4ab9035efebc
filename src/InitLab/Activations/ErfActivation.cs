using System.Numerics;
using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>erf: phi(x) = erf(x), phi'(x) = 2 / sqrt(pi) e^(-x^2).</summary>
internal sealed class ErfActivation : Activation
{
    private const double TwoOverSqrtPi = 1.1283791670955125739;

    public override string Name => "erf";
    public override double Forward(double x) => SpecialFunctions.Erf(x);
    public override double Derivative(double x) => TwoOverSqrtPi * Math.Exp(-x * x);

    // Float spans need only float accuracy: the rational approximation costs one exp instead of a long series.
    private protected override void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y)
    {
        if (typeof(T) != typeof(float))
        {
            base.ForwardCore(x, y);
            return;
        }
        for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(FloatErf.Erf(double.CreateTruncating(x[i])));
    }
}
