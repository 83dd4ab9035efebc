using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>tanh: phi(x) = tanh(x), phi'(x) = 1 / cosh(x)^2.</summary>
/// <remarks>
/// Not <c>TensorPrimitives.Tanh</c>: in System.Numerics.Tensors 10.0 its float form returns tanh(0) = -5.96e-8 and an
/// absolute error of about 6e-8 for small |x| (tanh(1e-3) off by 2.7e-5 relative), and its scalar tail differs from its
/// vector body, which made deep tanh networks level off at std 3.5e-8 instead of vanishing.
/// </remarks>
internal sealed class TanhActivation() : KernelActivation<TanhKernel>(default)
{
    public override string Name => "tanh";
}

/// <summary>
/// tanh(x) = sign(x) m / (m + 2), m = e^(2|x|) - 1 (relative accuracy down to subnormal x; |x| &gt; 20 gives +-1 to
/// double precision). phi'(x) = 4 t / (1 + t)^2, t = e^(-2|x|): the sech^2 form, with no cancellation for large |x|
/// (1 - tanh^2 would be 0 in float beyond |x| = 9).
/// </summary>
internal readonly struct TanhKernel : IActivationKernel
{
    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV m = DoubleLaneMath.Expm1<L, TV>(DoubleLaneMath.AtMost<L, TV>(L.Mul(L.Abs(x), L.Splat(2.0)), 40.0));
        return L.CopySign(L.Div(m, L.Add(m, L.Splat(2.0))), x);
    }

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV t = DoubleLaneMath.Exp<L, TV>(L.Mul(L.Abs(x), L.Splat(-2.0)));
        TV d = L.Add(L.Splat(1.0), t);
        return L.Div(L.Mul(t, L.Splat(4.0)), L.Mul(d, d));
    }
}
