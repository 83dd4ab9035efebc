using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>identity (linear): phi(x) = x, phi'(x) = 1.</summary>
internal sealed class IdentityActivation() : KernelActivation<IdentityKernel>(default)
{
    public override string Name => "identity";
}

/// <summary>phi(x) = x, phi'(x) = 1.</summary>
internal readonly struct IdentityKernel : IActivationKernel
{
    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct => x;

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct => L.Splat(1.0);
}
