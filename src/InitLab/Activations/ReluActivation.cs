using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>relu: phi(x) = max(x, 0); phi'(x) = 1 for x &gt; 0, 0 for x &lt;= 0 (PyTorch's value at the kink).</summary>
internal sealed class ReluActivation() : KernelActivation<PiecewiseLinearKernel>(new(0.0))
{
    private static readonly double[] KinkAtZero = [0.0];

    public override string Name => "relu";
    public override IReadOnlyList<double> Kinks => KinkAtZero;
}

/// <summary>x for x &gt; 0, a x otherwise (relu: a = 0; the product is exact or rounded once); phi' = 1 or a.</summary>
internal readonly struct PiecewiseLinearKernel(double negativeSlope) : IActivationKernel
{
    private readonly double _a = negativeSlope;

    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct =>
        L.Select(L.LessThan(L.Splat(0.0), x), x, _a == 0 ? L.Splat(0.0) : L.Mul(x, L.Splat(_a)));

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct =>
        L.Select(L.LessThan(L.Splat(0.0), x), L.Splat(1.0), L.Splat(_a));
}
