using System.Numerics;
using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>gelu, exact form: phi(x) = x Phi(x), phi'(x) = Phi(x) + x phi_N(x), Phi and phi_N the standard normal CDF and density.</summary>
internal sealed class GeluActivation : Activation
{
    public override string Name => "gelu";
    public override double Forward(double x) => x * SpecialFunctions.NormalCdf(x);
    public override double Derivative(double x) => SpecialFunctions.NormalCdf(x) + x * SpecialFunctions.NormalPdf(x);

    private const double InvSqrt2 = 0.70710678118654752440;

    // Float spans: Phi(x) = erfc(-x / sqrt 2) / 2 to float accuracy (relative in both tails), one exp per element.
    private protected override void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y)
    {
        if (typeof(T) != typeof(float))
        {
            base.ForwardCore(x, y);
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            y[i] = T.CreateTruncating(v * 0.5 * FloatErf.Erfc(-v * InvSqrt2));
        }
    }

    private protected override void DerivativeCore<T>(ReadOnlySpan<T> x, Span<T> y)
    {
        if (typeof(T) != typeof(float))
        {
            base.DerivativeCore(x, y);
            return;
        }
        for (int i = 0; i < x.Length; i++)
        {
            double v = double.CreateTruncating(x[i]);
            y[i] = T.CreateTruncating(0.5 * FloatErf.Erfc(-v * InvSqrt2) + v * SpecialFunctions.NormalPdf(v));
        }
    }
}
