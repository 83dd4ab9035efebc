using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>erf: phi(x) = erf(x), phi'(x) = 2 / sqrt(pi) e^(-x^2).</summary>
internal sealed class ErfActivation() : KernelActivation<ErfKernel>(default)
{
    public override string Name => "erf";
}

/// <summary>
/// erf(x) by its Maclaurin series through x^31 for |x| &lt; 0.75 (truncation below 5e-18 relative, and relative
/// accuracy down to subnormal x), and 1 - 2 Q(sqrt 2 |x|) above (erf &gt; 0.71 there, so Q's error stays relative),
/// with the sign of x; phi' through the exact split of x^2.
/// </summary>
internal readonly struct ErfKernel : IActivationKernel
{
    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV a = L.Abs(x);
        TV z = L.Mul(a, a);
        // (2 / sqrt pi) sum_n (-1)^n x^(2n+1) / (n! (2n + 1)), coefficients rounded from 40-digit values.
        TV p = L.Splat(-2.7835162072109215e-14);
        p = L.Fma(p, z, L.Splat(4.4632242632864775e-13));
        p = L.Fma(p, z, L.Splat(-6.7113668551641105e-12));
        p = L.Fma(p, z, L.Splat(9.422759064650411e-11));
        p = L.Fma(p, z, L.Splat(-1.2290555301717928e-09));
        p = L.Fma(p, z, L.Splat(1.4807192815879218e-08));
        p = L.Fma(p, z, L.Splat(-1.6365844691234924e-07));
        p = L.Fma(p, z, L.Splat(1.6462114365889248e-06));
        p = L.Fma(p, z, L.Splat(-1.492565035840625e-05));
        p = L.Fma(p, z, L.Splat(0.00012055332981789664));
        p = L.Fma(p, z, L.Splat(-0.0008548327023450853));
        p = L.Fma(p, z, L.Splat(0.005223977625442188));
        p = L.Fma(p, z, L.Splat(-0.026866170645131252));
        p = L.Fma(p, z, L.Splat(0.11283791670955126));
        p = L.Fma(p, z, L.Splat(-0.37612638903183754));
        TV series = L.Fma(L.Mul(p, z), a, L.Mul(a, L.Splat(DoubleLaneMath.TwoOverSqrtPi)));
        TV tail = L.Sub(L.Splat(1.0), L.Mul(DoubleLaneMath.NormalTail<L, TV>(L.Mul(a, L.Splat(DoubleLaneMath.Sqrt2))), L.Splat(2.0)));
        return L.CopySign(L.Select(L.LessThan(a, L.Splat(0.75)), series, tail), x);
    }

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct =>
        DoubleLaneMath.GaussianTimes<L, TV>(x, L.Splat(DoubleLaneMath.TwoOverSqrtPi));
}
