namespace InitLab.Activations;

/// <summary>leaky_relu: phi(x) = x for x &gt; 0, a x otherwise; phi'(x) = 1 for x &gt; 0, a otherwise.</summary>
internal sealed class LeakyReluActivation(double negativeSlope) : KernelActivation<PiecewiseLinearKernel>(new(negativeSlope))
{
    private static readonly double[] KinkAtZero = [0.0];

    public override string Name => "leaky_relu";
    public override double? Parameter => negativeSlope;
    private protected override string ParameterName => "a";
    public override IReadOnlyList<double> Kinks => KinkAtZero;
}
