using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>silu (swish): phi(x) = x s(x), phi'(x) = s(x) (1 + x (1 - s(x))), s the logistic sigmoid.</summary>
internal sealed class SiluActivation() : KernelActivation<SiluKernel>(default)
{
    public override string Name => "silu";
}

/// <summary>
/// x s(x) with s from <see cref="SigmoidKernel"/>'s two-sided form; phi'(x) = s(x) (1 + x s(-x)), where s(-x) = 1 - s(x)
/// without the cancellation. Below x = -40, 1 + e^x = 1 to double precision, so phi = x e^x and phi' = (1 + x) e^x,
/// evaluated as one scaled exponential (<see cref="DoubleLaneMath.ExpTimes"/>) so that a subnormal result is rounded
/// once instead of being rounded and then multiplied by |x|. The limits at +-inf are returned as such.
/// </summary>
internal readonly struct SiluKernel : IActivationKernel
{
    private const double FarLeft = -40.0;

    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV far = L.LessThan(x, L.Splat(FarLeft));
        // t = e^-|x|, or directly x e^x where 1 + e^x rounds to 1.
        TV t = DoubleLaneMath.ExpTimes<L, TV>(L.Sub(L.Splat(0.0), L.Abs(x)), L.Select(far, x, L.Splat(1.0)));
        TV d = L.Add(L.Splat(1.0), t);
        TV near = L.Div(L.Select(L.LessThan(x, L.Splat(0.0)), L.Mul(x, t), x), d);
        TV y = L.Select(far, t, near);
        return L.Select(L.Equal(x, L.Splat(double.NegativeInfinity)), L.Splat(-0.0), y);
    }

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV far = L.LessThan(x, L.Splat(FarLeft));
        TV t = DoubleLaneMath.ExpTimes<L, TV>(L.Sub(L.Splat(0.0), L.Abs(x)), L.Select(far, L.Add(x, L.Splat(1.0)), L.Splat(1.0)));
        TV d = L.Add(L.Splat(1.0), t);
        TV high = L.Div(L.Splat(1.0), d), low = L.Div(t, d);
        TV negative = L.LessThan(x, L.Splat(0.0));
        TV s = L.Select(negative, low, high), sMinus = L.Select(negative, high, low);
        TV y = L.Select(far, t, L.Mul(s, L.Fma(x, sMinus, L.Splat(1.0))));
        return L.Select(L.Equal(L.Abs(x), L.Splat(double.PositiveInfinity)), L.Select(negative, L.Splat(0.0), L.Splat(1.0)), y);
    }
}
