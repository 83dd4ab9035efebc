using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>
/// mish: phi(x) = x tanh(sp(x)), sp = softplus; phi'(x) = tanh(sp(x)) + x sech(sp(x))^2 sigmoid(x),
/// since sp'(x) = sigmoid(x).
/// </summary>
internal sealed class MishActivation : Activation
{
    public override string Name => "mish";
    public override double Forward(double x) => x * Math.Tanh(Elementary.Softplus(x));

    public override double Derivative(double x)
    {
        double sp = Elementary.Softplus(x);
        double c = Math.Cosh(sp);
        return Math.Tanh(sp) + x * Elementary.Sigmoid(x) / (c * c);
    }
}
