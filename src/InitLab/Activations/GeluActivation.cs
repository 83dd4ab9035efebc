using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>gelu, exact form: phi(x) = x Phi(x), phi'(x) = Phi(x) + x phi_N(x), Phi and phi_N the standard normal CDF and density.</summary>
internal sealed class GeluActivation() : KernelActivation<GeluKernel>(default)
{
    public override string Name => "gelu";
}

/// <summary>
/// Phi(x) = Q(-x) for x &lt; 0 (relative accuracy through the left tail, gelu(-30) = -1.5e-197 is not 0) and 1 - Q(x)
/// for x &gt;= 0, Q from <see cref="DoubleLaneMath.NormalTail"/>; phi_N through the exact split of x^2. The limits at
/// +-inf are returned as such (gelu(-inf) = 0, phi'(+inf) = 1, phi'(-inf) = 0).
/// </summary>
internal readonly struct GeluKernel : IActivationKernel
{
    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV negative = L.LessThan(x, L.Splat(0.0));
        // x < 0: x Q(|x|) with x folded into Q's exponential (one rounding, also for a subnormal result).
        TV q = DoubleLaneMath.NormalTailTimes<L, TV>(L.Abs(x), L.Select(negative, x, L.Splat(1.0)));
        TV y = L.Select(negative, q, L.Mul(x, L.Sub(L.Splat(1.0), q)));
        return L.Select(L.Equal(x, L.Splat(double.NegativeInfinity)), L.Splat(-0.0), y);
    }

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV negative = L.LessThan(x, L.Splat(0.0));
        TV pdf = DoubleLaneMath.NormalPdfTimes<L, TV>(x, L.Splat(1.0));
        TV q = DoubleLaneMath.NormalTail<L, TV>(L.Abs(x));
        TV y = L.Fma(x, pdf, L.Select(negative, q, L.Sub(L.Splat(1.0), q)));
        return L.Select(L.Equal(L.Abs(x), L.Splat(double.PositiveInfinity)), L.Select(negative, L.Splat(0.0), L.Splat(1.0)), y);
    }
}
