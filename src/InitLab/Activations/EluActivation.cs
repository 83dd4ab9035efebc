using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>elu: phi(x) = x for x &gt; 0, alpha (e^x - 1) otherwise; phi'(x) = 1, or alpha e^x for x &lt;= 0.</summary>
internal sealed class EluActivation(double alpha) : KernelActivation<ExponentialLinearKernel>(new(1.0, alpha))
{
    private static readonly double[] KinkAtZero = [0.0];

    public override string Name => "elu";
    public override double? Parameter => alpha;
    private protected override string ParameterName => "alpha";
    public override IReadOnlyList<double> Kinks => KinkAtZero;
}

/// <summary>
/// scale x for x &gt; 0 and scale alpha (e^x - 1) otherwise (elu: scale 1; selu: lambda), e^x - 1 with full relative
/// accuracy near 0; phi' = scale, or scale alpha e^x for x &lt;= 0.
/// </summary>
internal readonly struct ExponentialLinearKernel(double scale, double alpha) : IActivationKernel
{
    private readonly double _scale = scale, _scaleAlpha = scale * alpha;

    public TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct =>
        L.Select(L.LessThan(L.Splat(0.0), x), L.Mul(x, L.Splat(_scale)), L.Mul(DoubleLaneMath.Expm1<L, TV>(x), L.Splat(_scaleAlpha)));

    public TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct =>
        L.Select(L.LessThan(L.Splat(0.0), x), L.Splat(_scale), L.Mul(DoubleLaneMath.Exp<L, TV>(x), L.Splat(_scaleAlpha)));
}
