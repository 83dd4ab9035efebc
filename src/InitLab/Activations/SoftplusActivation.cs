using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>softplus: phi(x) = ln(1 + e^x), phi'(x) = sigmoid(x).</summary>
internal sealed class SoftplusActivation() : KernelActivation<SoftplusKernel>(default)
{
    public override string Name => "softplus";
}

/// <summary>ln(1 + e^x) = max(x, 0) + ln(1 + t), t = e^(-|x|) in (0, 1]: e^x for x -&gt; -inf, x for x -&gt; +inf, both relative.</summary>
internal readonly struct SoftplusKernel : IActivationKernel
{
    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV t = DoubleLaneMath.Exp<L, TV>(L.Sub(L.Splat(0.0), L.Abs(x)));
        TV positive = L.Select(L.LessThan(L.Splat(0.0), x), x, L.Splat(0.0));
        return L.Add(positive, DoubleLaneMath.Log1pUnit<L, TV>(t));
    }

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct => default(SigmoidKernel).Forward<L, TV>(x);
}
