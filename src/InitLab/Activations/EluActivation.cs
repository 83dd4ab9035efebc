using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>elu: phi(x) = x for x &gt; 0, alpha (e^x - 1) otherwise; phi'(x) = 1, or alpha e^x for x &lt;= 0.</summary>
internal sealed class EluActivation(double alpha) : Activation
{
    private static readonly double[] KinkAtZero = [0.0];

    public override string Name => "elu";
    public override double? Parameter => alpha;
    private protected override string ParameterName => "alpha";
    public override IReadOnlyList<double> Kinks => KinkAtZero;
    public override double Forward(double x) => x > 0 ? x : x <= 0 ? alpha * Elementary.ExpM1(x) : x;
    public override double Derivative(double x) => x > 0 ? 1.0 : x <= 0 ? alpha * Math.Exp(x) : x;
}
