using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>sigmoid: phi(x) = 1 / (1 + e^-x), phi'(x) = phi(x) (1 - phi(x)).</summary>
internal sealed class SigmoidActivation() : KernelActivation<SigmoidKernel>(default)
{
    public override string Name => "sigmoid";
}

/// <summary>
/// With t = e^(-|x|): sigmoid(|x|) = 1 / (1 + t) and sigmoid(-|x|) = t / (1 + t), so both tails keep their relative
/// accuracy (sigmoid(-100) = 3.7e-44 is not 0); phi'(x) = sigmoid(x) sigmoid(-x) = t / (1 + t)^2.
/// </summary>
internal readonly struct SigmoidKernel : IActivationKernel
{
    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV t = DoubleLaneMath.Exp<L, TV>(L.Sub(L.Splat(0.0), L.Abs(x)));
        TV d = L.Add(L.Splat(1.0), t);
        return L.Select(L.LessThan(x, L.Splat(0.0)), L.Div(t, d), L.Div(L.Splat(1.0), d));
    }

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV t = DoubleLaneMath.Exp<L, TV>(L.Sub(L.Splat(0.0), L.Abs(x)));
        TV d = L.Add(L.Splat(1.0), t);
        return L.Div(t, L.Mul(d, d));
    }
}
