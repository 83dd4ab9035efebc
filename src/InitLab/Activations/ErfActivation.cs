using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>erf: phi(x) = erf(x), phi'(x) = 2 / sqrt(pi) e^(-x^2).</summary>
internal sealed class ErfActivation() : KernelActivation<ErfKernel>(default)
{
    public override string Name => "erf";
}

/// <summary>erf(x) by <see cref="DoubleLaneMath.Erf"/>; phi'(x) = 2 / sqrt(pi) e^(-x^2) through the exact split of x^2.</summary>
internal readonly struct ErfKernel : IActivationKernel
{
    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct => DoubleLaneMath.Erf<L, TV>(x);

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct =>
        DoubleLaneMath.GaussianTimes<L, TV>(x, L.Splat(DoubleLaneMath.TwoOverSqrtPi));
}
