using InitLab.Activations;
using InitLab.Numerics;
using InitLab.Theory;

namespace InitLab.Initializers;

/// <summary>
/// Gains: the factor g in std = g / sqrt(fan) that compensates an activation's effect on the second moment.
/// <see cref="Recommended(string, double?)"/> is PyTorch's <c>torch.nn.init.calculate_gain</c> table;
/// <see cref="Exact(Activation)"/> is 1 / sqrt(E[phi(z)^2]), z ~ N(0, 1), the gain that keeps the second moment of
/// the pre-activations at 1 from layer to layer when they are unit Gaussians (the mean-field variance map with
/// sigma_w = gain and sigma_b = 0 has q = 1 as its fixed point; Poole et al. 2016).
/// </summary>
/// <remarks>
/// The two agree for identity (1), relu (sqrt 2) and leaky_relu (sqrt(2 / (1 + a^2))), which are positively homogeneous.
/// They differ where PyTorch's table is a heuristic: tanh 5/3 versus exact 1.5925, sigmoid 1 versus exact 1.8467, and
/// selu 3/4 (PyTorch's choice, made for self-normalizing networks trained with Kaiming init) versus exact 1.0000,
/// which is why SELU self-normalizes at std = 1 / sqrt(fan_in) (Klambauer et al. 2017).
/// </remarks>
public static class Gain
{
    /// <summary>The names PyTorch's calculate_gain accepts (plus <c>identity</c>, our name for linear).</summary>
    public static IReadOnlyList<string> RecommendedNames { get; } =
    [
        "linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
        "sigmoid", "tanh", "relu", "leaky_relu", "selu",
    ];

    /// <summary>
    /// PyTorch's recommended gain: 1 for linear, identity, conv1d/2d/3d, conv_transpose1d/2d/3d and sigmoid; 5/3 for
    /// tanh; sqrt(2) for relu; sqrt(2 / (1 + a^2)) for leaky_relu with negative slope a (default 0.01); 3/4 for selu.
    /// As in PyTorch, <paramref name="param"/> is used only by leaky_relu.
    /// </summary>
    /// <param name="nonlinearity">A name from <see cref="RecommendedNames"/> (case-insensitive).</param>
    /// <param name="param">leaky_relu's negative slope a; null means 0.01.</param>
    /// <exception cref="ArgumentException">The name is not in PyTorch's table (e.g. gelu; the message lists the valid
    /// names), or leaky_relu's slope is NaN or infinite.</exception>
    public static double Recommended(string nonlinearity, double? param = null)
    {
        ArgumentNullException.ThrowIfNull(nonlinearity);
        string key = nonlinearity.Trim().ToLowerInvariant();
        switch (key)
        {
            case "linear" or "identity" or "conv1d" or "conv2d" or "conv3d"
                or "conv_transpose1d" or "conv_transpose2d" or "conv_transpose3d" or "sigmoid":
                return 1.0;
            case "tanh":
                return 5.0 / 3.0;
            case "relu":
                return Math.Sqrt(2.0);
            case "leaky_relu":
                double a = param ?? 0.01;
                if (!double.IsFinite(a))
                    throw new ArgumentException($"param (the leaky_relu negative slope) must be a finite number, got {Guard.Fmt(a)}.", nameof(param));
                return Math.Sqrt(2.0 / (1 + a * a));
            case "selu":
                return 3.0 / 4.0;
            default:
                throw new ArgumentException(
                    $"unsupported nonlinearity '{nonlinearity}' for the recommended (PyTorch calculate_gain) gain; valid names: " +
                    $"{string.Join(", ", RecommendedNames)}. Gain.Exact works for every activation.", nameof(nonlinearity));
        }
    }

    /// <summary>PyTorch's recommended gain for <paramref name="activation"/> (its name and parameter).</summary>
    /// <exception cref="ArgumentException">PyTorch's table has no entry for the activation (gelu, elu, custom ones...).</exception>
    public static double Recommended(Activation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return Recommended(activation.Name, activation.Parameter);
    }

    /// <summary>True and the gain when PyTorch's table has <paramref name="nonlinearity"/>; false otherwise.</summary>
    /// <exception cref="ArgumentException">leaky_relu's slope is NaN or infinite.</exception>
    public static bool TryRecommended(string nonlinearity, double? param, out double gain)
    {
        ArgumentNullException.ThrowIfNull(nonlinearity);
        gain = 0;
        if (!RecommendedNames.Contains(nonlinearity.Trim().ToLowerInvariant())) return false;
        gain = Recommended(nonlinearity, param);
        return true;
    }

    /// <summary>
    /// The exact gain 1 / sqrt(E[phi(z)^2]), z ~ N(0, 1), by adaptive quadrature split at the activation's kinks
    /// (<see cref="GaussianExpectation"/>), accurate to about 1e-12 relative.
    /// Examples: identity 1, relu sqrt(2), tanh 1.592537..., selu 1.0000 (to the precision of its constants).
    /// </summary>
    /// <exception cref="ArgumentException">E[phi(z)^2] is zero or not finite.</exception>
    public static double Exact(Activation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        double m2 = GaussianExpectation.NormalCore(x =>
        {
            double y = activation.Forward(x);
            return y * y;
        }, 0.0, 1.0, activation.Kinks);
        if (!double.IsFinite(m2) || !(m2 > 0))
            throw new ArgumentException(
                $"activation '{activation}' has E[phi(z)^2] = {Guard.Fmt(m2)}; the exact gain needs a finite positive second moment.",
                nameof(activation));
        return 1.0 / Math.Sqrt(m2);
    }

    /// <summary>
    /// The exact gain 1 / sqrt(E[phi(z)^2]) of the catalogue activation called <paramref name="activation"/> (a name of
    /// <see cref="ActivationRegistry.Names"/>, aliases included) with its parameter (leaky_relu's slope, elu's alpha):
    /// <c>Gain.Exact("tanh")</c> is <c>Gain.Exact(Activation.Tanh)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown name, or a bad parameter.</exception>
    public static double Exact(string activation, double? parameter = null)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return Exact(ActivationRegistry.Parse(activation, parameter));
    }

    /// <summary>The exact gain 1 / sqrt(E[phi(z)^2]) of a user function phi; give its kinks for full accuracy.</summary>
    /// <exception cref="ArgumentException">E[phi(z)^2] is zero or not finite.</exception>
    public static double Exact(Func<double, double> activation, IReadOnlyList<double>? kinks = null)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return Exact(Activation.Custom("custom", activation, kinks: kinks));
    }
}
