using System.Runtime.CompilerServices;
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

    public static bool HasFloatForward => true;

    /// <summary>
    /// The forward for float spans, in float lanes: x Phi(x) through Q(a) = e^(-a^2/2) R(a), a = |x|, with
    /// R(a) = t P(t - 1/2) / sqrt(2 pi), t = 1 / (1 + a/2), P of degree 12 fitted for relative error on a in [0, 14.6]
    /// (tools/fit_gelu_float.py: 7.0e-10), its coefficients rounded to float and evaluated by Horner's rule with FMA.
    /// a^2 = h + l exactly (l = fma(a, a, -h)), so e^(-a^2/2) has no error from the square
    /// (<see cref="FloatResultMath.ExpSplitTimes"/> of -h/2 - l/2, with x R(a) for x &lt; 0 multiplied in before the scaling 2^k, so
    /// the left tail keeps its relative accuracy down to the subnormals and is rounded once there). x &gt;= 0: x - x Q(a) in
    /// one FMA. Beyond a = 14.5 the result is x (x &gt; 0) or -0 (x &lt; 0: |gelu(x)| &lt; 7e-46, below half the least
    /// subnormal); gelu(+-0) = +-0, gelu(+inf) = +inf, gelu(-inf) = -0. Within <see cref="FloatUlps"/> ulp of gelu(x) on
    /// every float (the bound measured over all 2^32 floats against the double-precision form, see docs/numerics.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF FloatForward<F, TF>(TF x) where F : IFloatLanes<TF> where TF : struct
    {
        TF zero = F.Splat(0f);
        TF negative = F.LessThan(x, zero);
        TF a = F.Abs(x);
        TF t = F.Div(F.Splat(1f), F.Fma(a, F.Splat(0.5f), F.Splat(1f)));
        TF s = F.Sub(t, F.Splat(0.5f));
        TF p = F.Splat((float)(-0.08383473976133228 * InvSqrt2Pi));
        p = F.Fma(p, s, F.Splat((float)(0.22675759154378922 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(-0.16079630143335247 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(-0.11022973921426753 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(0.264416721625237 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(-0.12821042494653892 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(-0.15631309257983153 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(0.26982087263886884 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(-0.009425639472120103 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(-0.3681595692947498 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(0.14436867878725027 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(0.8307077615743133 * InvSqrt2Pi)));
        p = F.Fma(p, s, F.Splat((float)(0.8427384583341995 * InvSqrt2Pi)));
        TF h = F.Mul(a, a);
        TF l = F.Fma(a, a, F.Sub(zero, h));
        // x < 0: x Q(a) with x R(a) as the exponential's factor; x >= 0: Q(a) itself, then x (1 - Q(a)) in one rounding.
        TF q = FloatResultMath.ExpSplitTimes<F, TF>(F.Mul(h, F.Splat(-0.5f)), F.Mul(l, F.Splat(-0.5f)),
            F.Mul(F.Mul(t, p), F.Select(negative, x, F.Splat(1f))));
        TF y = F.Select(negative, q, F.Fma(F.Sub(zero, x), q, x));
        // -0 keeps its sign (-0 - (-0) q would be +0); past 14.5 (and at +-inf, where a^2 is inf) the limits.
        y = F.Select(F.Equal(x, zero), x, y);
        return F.Select(F.LessThan(F.Splat(FloatTail), a), F.Select(negative, F.Splat(-0f), x), y);
    }

    /// <summary>Beyond |x| = 14.5 the float gelu is x or -0 (gelu(-14.36) is already below half the least subnormal).</summary>
    internal const float FloatTail = 14.5f;

    /// <summary>The bound of the float-lane form in ulps of the correctly rounded gelu (measured worst: see docs/numerics.md).</summary>
    internal const double FloatUlps = 6;

    // The fit is of sqrt(2 pi) R(a) (the Mills ratio over t); its coefficients are scaled back by 1 / sqrt(2 pi) at compile time.
    private const double InvSqrt2Pi = DoubleLaneMath.InvSqrt2Pi;

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV negative = L.LessThan(x, L.Splat(0.0));
        TV pdf = DoubleLaneMath.NormalPdfTimes<L, TV>(x, L.Splat(1.0));
        TV q = DoubleLaneMath.NormalTail<L, TV>(L.Abs(x));
        TV y = L.Fma(x, pdf, L.Select(negative, q, L.Sub(L.Splat(1.0), q)));
        return L.Select(L.Equal(L.Abs(x), L.Splat(double.PositiveInfinity)), L.Select(negative, L.Splat(0.0), L.Splat(1.0)), y);
    }
}
