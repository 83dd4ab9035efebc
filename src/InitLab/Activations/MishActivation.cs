using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>
/// mish: phi(x) = x tanh(sp(x)), sp = softplus; phi'(x) = tanh(sp(x)) + x sech(sp(x))^2 sigmoid(x),
/// since sp'(x) = sigmoid(x).
/// </summary>
internal sealed class MishActivation() : KernelActivation<MishKernel>(default)
{
    public override string Name => "mish";
}

/// <summary>
/// tanh(ln(1 + u)) = u (u + 2) / (u (u + 2) + 2) with u = e^x; with w = e^(-|x|) that is n / (n + 2), n = w (w + 2),
/// for x &lt;= 0 and n / (n + 2 w^2), n = 1 + 2 w, for x &gt; 0: one exponential, no cancellation, relative accuracy in
/// both tails (mish(x) = x e^x as x -&gt; -inf). phi' uses sech^2 = 1 - tanh^2 = 4 (1 + w)^2 w^2 / d^2 (x &gt; 0) or
/// 4 (1 + w)^2 / d^2 (x &lt;= 0), d the denominator, so x sech^2 sigmoid(x) = 4 x w^2 (1 + w) / d^2 or 4 x w (1 + w) / d^2.
/// Below x = -40 (w^2 negligible beside 2 w), phi = x e^x and phi' = (1 + x) e^x as one scaled exponential, as silu.
/// </summary>
internal readonly struct MishKernel : IActivationKernel
{
    private const double FarLeft = -40.0;

    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV far = L.LessThan(x, L.Splat(FarLeft));
        Parts<L, TV>(x, out TV numerator, out TV denominator, out TV w, out _);
        TV y = L.Select(far, DoubleLaneMath.ExpTimes<L, TV>(x, x), L.Mul(x, L.Div(numerator, denominator)));
        return L.Select(L.Equal(x, L.Splat(double.NegativeInfinity)), L.Splat(-0.0), y);
    }

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV far = L.LessThan(x, L.Splat(FarLeft));
        Parts<L, TV>(x, out TV numerator, out TV denominator, out TV w, out TV positive);
        TV onePlusW = L.Add(L.Splat(1.0), w);
        TV factor = L.Mul(L.Select(positive, L.Mul(w, w), w), L.Mul(onePlusW, L.Splat(4.0)));
        TV y = L.Fma(x, L.Div(factor, L.Mul(denominator, denominator)), L.Div(numerator, denominator));
        y = L.Select(far, DoubleLaneMath.ExpTimes<L, TV>(x, L.Add(x, L.Splat(1.0))), y);
        TV limit = L.Select(positive, L.Splat(1.0), L.Splat(0.0));
        return L.Select(L.Equal(L.Abs(x), L.Splat(double.PositiveInfinity)), limit, y);
    }

    private static void Parts<L, TV>(TV x, out TV numerator, out TV denominator, out TV w, out TV positive)
        where L : IDoubleLanes<TV> where TV : struct
    {
        w = DoubleLaneMath.Exp<L, TV>(L.Sub(L.Splat(0.0), L.Abs(x)));
        positive = L.LessThan(L.Splat(0.0), x);
        TV twoW = L.Mul(w, L.Splat(2.0));
        TV nNegative = L.Fma(w, w, twoW);
        TV nPositive = L.Add(L.Splat(1.0), twoW);
        numerator = L.Select(positive, nPositive, nNegative);
        denominator = L.Select(positive, L.Fma(L.Mul(w, w), L.Splat(2.0), nPositive), L.Add(nNegative, L.Splat(2.0)));
    }
}
