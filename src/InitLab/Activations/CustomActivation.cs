namespace InitLab.Activations;

/// <summary>A user-supplied phi, with phi' from the user or from a five-point central difference.</summary>
internal sealed class CustomActivation(string name, Func<double, double> function, Func<double, double>? derivative,
    double[] kinks) : Activation
{
    public override string Name => name;
    public override IReadOnlyList<double> Kinks => kinks;
    public override double Forward(double x) => function(x);
    public override double Derivative(double x) => derivative is null ? NumericalDerivative(x) : derivative(x);

    // Five-point stencil, error h^4 f^(5) / 30; h = 1e-3 max(1, |x|) balances it against rounding eps |f| / h.
    private double NumericalDerivative(double x)
    {
        double h = 1e-3 * Math.Max(1.0, Math.Abs(x));
        return (function(x - 2 * h) - 8 * function(x - h) + 8 * function(x + h) - function(x + 2 * h)) / (12 * h);
    }
}
