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
    /// The forward for float spans: x Phi(x) through Q(a) = e^(-a^2/2) R(a), a = |x|, with R(a) = t P(t - 1/2) / sqrt(2 pi),
    /// t = 1 / (1 + a/2), P of degree 12 fitted for relative error on a in [0, 14.6] (tools/fit_gelu_float.py: 7.0e-10;
    /// beyond, x Q(a) is below half the least float subnormal and 1 - Q(a) rounds to 1), and the exponential of
    /// <see cref="FloatResultMath.ExpTimes"/> (a^2 is exact in double for a float a). The double result is within 7.1e-10
    /// relative of gelu(x), so the float rounded from it is within 0.52 ulp (a test compares 300,000 floats with the
    /// double-precision form).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV FloatForward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV negative = L.LessThan(x, L.Splat(0.0));
        TV a = L.Abs(x);
        TV t = L.Div(L.Splat(1.0), L.Fma(a, L.Splat(0.5), L.Splat(1.0)));
        TV s = L.Sub(t, L.Splat(0.5));
        TV p = L.Splat(-0.08383473976133228 * InvSqrt2Pi);
        p = L.Fma(p, s, L.Splat(0.22675759154378922 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(-0.16079630143335247 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(-0.11022973921426753 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(0.264416721625237 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(-0.12821042494653892 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(-0.15631309257983153 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(0.26982087263886884 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(-0.009425639472120103 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(-0.3681595692947498 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(0.14436867878725027 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(0.8307077615743133 * InvSqrt2Pi));
        p = L.Fma(p, s, L.Splat(0.8427384583341995 * InvSqrt2Pi));
        // x < 0: x Q(a) with x folded into the exponential's factor; x >= 0: x (1 - Q(a)) in one rounding.
        TV q = FloatResultMath.ExpTimes<L, TV>(L.Mul(L.Mul(a, a), L.Splat(-0.5)), L.Mul(L.Mul(t, p), L.Select(negative, x, L.Splat(1.0))));
        TV y = L.Select(negative, q, L.Fma(L.Sub(L.Splat(0.0), x), q, x));
        // -0 keeps its sign (-0 - (-0) q would be +0); gelu(+-inf) = +inf, -0 (t = 0 would make inf * 0 of them).
        y = L.Select(L.Equal(x, L.Splat(0.0)), x, y);
        return L.Select(L.Equal(a, L.Splat(double.PositiveInfinity)), L.Select(negative, L.Splat(-0.0), x), y);
    }

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
