using System.Numerics;
using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>
/// An element-wise nonlinearity phi with its derivative phi', in two forms: scalar <see cref="double"/> for quadrature
/// (the mean-field theory and <c>Gain.Exact</c> integrate phi against a Gaussian), and spans of float or double for
/// networks. Every built-in activation runs one SIMD kernel in double precision for all forms: the scalar form is its
/// one-lane instance, double spans are within a few ulp, and float spans are evaluated on the exactly widened input and
/// rounded once (within 1 float ulp; gelu's float forward runs a cheaper form of its own, within 0.52 ulp), in relative
/// terms over the whole range (0, subnormals, both tails, large arguments; docs/numerics.md lists the bounds). The bits
/// of an element depend only on its value: not on the SIMD width, the span length or the element's position. The span
/// forms accept <c>x</c> and <c>y</c> being the same span (in place). NaN inputs give NaN outputs; infinite inputs give the limits. Instances are immutable and thread-safe.
/// </summary>
/// <remarks>
/// Create activations with the factories below, by name with <see cref="ActivationRegistry.Parse"/>, or from a delegate
/// with <see cref="Custom"/>. At a kink (x = 0 for relu) the derivative takes the value each activation documents
/// (PyTorch's convention); a single point has measure zero under a Gaussian, so it changes no expectation.
/// </remarks>
public abstract class Activation
{
    private protected Activation() { }

    /// <summary>The canonical name from design.md (e.g. <c>leaky_relu</c>), or the user's name for a custom activation.</summary>
    public abstract string Name { get; }

    /// <summary>The parameter (the slope a of leaky_relu, alpha of elu), or null for activations without one.</summary>
    public virtual double? Parameter => null;

    /// <summary>
    /// Points where phi or phi' is not smooth (relu, leaky_relu, elu: x = 0). Quadrature splits the domain there so
    /// that piecewise activations are integrated exactly (to rounding), not with the slow convergence of a kink.
    /// </summary>
    public virtual IReadOnlyList<double> Kinks => [];

    /// <summary>phi(x) in double precision (the form quadrature uses).</summary>
    public abstract double Forward(double x);

    /// <summary>phi'(x) in double precision.</summary>
    public abstract double Derivative(double x);

    /// <summary>y[i] = phi(x[i]) for every i; <paramref name="y"/> may be <paramref name="x"/> itself.</summary>
    /// <exception cref="ArgumentException">The spans have different lengths.</exception>
    public void Forward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Length(y.Length, x.Length);
        if (x.IsEmpty) return; // TensorPrimitives rejects empty spans in some operations
        ForwardCore(x, y);
    }

    /// <summary>y[i] = phi'(x[i]) for every i; <paramref name="y"/> may be <paramref name="x"/> itself.</summary>
    /// <exception cref="ArgumentException">The spans have different lengths.</exception>
    public void Derivative<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Length(y.Length, x.Length);
        if (x.IsEmpty) return;
        DerivativeCore(x, y);
    }

    /// <summary>Span form of <see cref="Forward(double)"/>; the default rounds the double result once per element.</summary>
    private protected virtual void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(Forward(double.CreateTruncating(x[i])));
    }

    /// <summary>Span form of <see cref="Derivative(double)"/>; the default rounds the double result once per element.</summary>
    private protected virtual void DerivativeCore<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(Derivative(double.CreateTruncating(x[i])));
    }

    /// <summary>
    /// The span forms at a chosen SIMD lane width, for tests that every width gives the same bits; activations without
    /// lane kernels (custom ones) ignore the width.
    /// </summary>
    internal virtual void ApplyAt<T>(bool derivative, ReadOnlySpan<T> x, Span<T> y, LaneWidth width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (derivative) Derivative(x, y);
        else Forward(x, y);
    }

    /// <summary>The name, with the parameter when there is one: <c>leaky_relu(a = 0.01)</c>.</summary>
    public override string ToString() => Parameter is { } p ? $"{Name}({ParameterName} = {Guard.Fmt(p)})" : Name;

    /// <summary>The parameter's name in <see cref="ToString"/>.</summary>
    private protected virtual string ParameterName => "param";

    // ---- factories --------------------------------------------------------------------------------

    /// <summary>identity (also called linear): phi(x) = x, phi'(x) = 1.</summary>
    public static Activation Identity { get; } = new IdentityActivation();

    /// <summary>relu: phi(x) = max(x, 0); phi'(x) = 1 for x &gt; 0, else 0 (PyTorch's convention at 0). Kink at 0.</summary>
    public static Activation Relu { get; } = new ReluActivation();

    /// <summary>tanh: phi(x) = tanh(x), phi'(x) = 1 / cosh(x)^2.</summary>
    public static Activation Tanh { get; } = new TanhActivation();

    /// <summary>sigmoid: phi(x) = 1 / (1 + e^-x), phi'(x) = phi(x) (1 - phi(x)).</summary>
    public static Activation Sigmoid { get; } = new SigmoidActivation();

    /// <summary>erf: phi(x) = erf(x), phi'(x) = 2 / sqrt(pi) e^(-x^2). Its Gaussian kernels have closed forms (Williams 1997).</summary>
    public static Activation Erf { get; } = new ErfActivation();

    /// <summary>gelu, exact (erf) form of Hendrycks and Gimpel 2016: phi(x) = x Phi(x), phi'(x) = Phi(x) + x phi_N(x).</summary>
    public static Activation Gelu { get; } = new GeluActivation();

    /// <summary>silu (swish, Ramachandran et al. 2017): phi(x) = x sigmoid(x), phi'(x) = s (1 + x (1 - s)), s = sigmoid(x).</summary>
    public static Activation Silu { get; } = new SiluActivation();

    /// <summary>
    /// selu (Klambauer et al. 2017): phi(x) = lambda x for x &gt; 0, lambda alpha (e^x - 1) otherwise, with
    /// lambda = 1.0507009873554804934 and alpha = 1.6732632423543772848. Kink at 0.
    /// </summary>
    public static Activation Selu { get; } = new SeluActivation();

    /// <summary>softplus: phi(x) = ln(1 + e^x), phi'(x) = sigmoid(x).</summary>
    public static Activation Softplus { get; } = new SoftplusActivation();

    /// <summary>mish (Misra 2019): phi(x) = x tanh(softplus(x)).</summary>
    public static Activation Mish { get; } = new MishActivation();

    /// <summary>leaky_relu: phi(x) = x for x &gt; 0, a x otherwise; phi'(x) = 1 or a. Kink at 0.</summary>
    /// <param name="negativeSlope">The slope a for x &lt;= 0 (PyTorch default 0.01); any finite number.</param>
    /// <exception cref="ArgumentException"><paramref name="negativeSlope"/> is NaN or infinite.</exception>
    public static Activation LeakyRelu(double negativeSlope = 0.01)
    {
        Guard.Finite(negativeSlope);
        return new LeakyReluActivation(negativeSlope);
    }

    /// <summary>elu (Clevert et al. 2015): phi(x) = x for x &gt; 0, alpha (e^x - 1) otherwise. Kink at 0 unless alpha = 1.</summary>
    /// <param name="alpha">The saturation value -alpha for x -&gt; -inf (default 1); finite.</param>
    /// <exception cref="ArgumentException"><paramref name="alpha"/> is NaN or infinite.</exception>
    public static Activation Elu(double alpha = 1.0)
    {
        Guard.Finite(alpha);
        return new EluActivation(alpha);
    }

    /// <summary>
    /// A user-supplied activation phi with an optional derivative. Without one, phi' is a five-point central difference
    /// (phi(x - 2h) - 8 phi(x - h) + 8 phi(x + h) - phi(x + 2h)) / (12 h), h = 1e-3 max(1, |x|), whose truncation error
    /// h^4 phi^(5) / 30 plus rounding 3 eps |phi| / (2 h) is about 1e-12 for activations with bounded derivatives.
    /// </summary>
    /// <param name="name">A label for reports; not empty.</param>
    /// <param name="function">phi in double precision.</param>
    /// <param name="derivative">phi', or null for the numerical derivative.</param>
    /// <param name="kinks">Points where phi is not smooth, so quadrature can split there (empty if none).</param>
    /// <exception cref="ArgumentException">The name is empty or a kink is not finite.</exception>
    public static Activation Custom(string name, Func<double, double> function, Func<double, double>? derivative = null,
        IReadOnlyList<double>? kinks = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("name must not be empty.", nameof(name));
        var k = kinks?.ToArray() ?? [];
        foreach (double point in k)
            if (!double.IsFinite(point))
                throw new ArgumentException($"kinks must be finite, got {Guard.Fmt(point)}.", nameof(kinks));
        Array.Sort(k);
        return new CustomActivation(name, function, derivative, k);
    }
}
