using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>
/// Activations by name, as design.md spells them: identity (alias linear), relu, leaky_relu (param a, default 0.01),
/// tanh, sigmoid, erf, gelu, silu (alias swish), selu, elu (param alpha, default 1), softplus, mish.
/// Names are case-insensitive; <c>-</c> is read as <c>_</c>.
/// </summary>
public static class ActivationRegistry
{
    /// <summary>The canonical names, in design.md's order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["identity", "relu", "leaky_relu", "tanh", "sigmoid", "erf", "gelu", "silu", "selu", "elu", "softplus", "mish"];

    /// <summary>Accepted aliases and the canonical name each stands for.</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } =
        new Dictionary<string, string> { ["linear"] = "identity", ["swish"] = "silu" };

    /// <summary>The activation called <paramref name="name"/>.</summary>
    /// <param name="name">A name from <see cref="Names"/> or <see cref="Aliases"/>.</param>
    /// <param name="parameter">leaky_relu's slope a (default 0.01) or elu's alpha (default 1); null for the default.
    /// Other activations take no parameter.</param>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the valid names), a parameter is given
    /// to an activation without one, or the parameter is NaN or infinite.</exception>
    public static Activation Parse(string name, double? parameter = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        string canonical = Canonical(name);
        if (parameter is { } p) Guard.Finite(p, nameof(parameter));
        switch (canonical)
        {
            case "leaky_relu": return Activation.LeakyRelu(parameter ?? 0.01);
            case "elu": return Activation.Elu(parameter ?? 1.0);
        }
        if (parameter is { } given)
            throw new ArgumentException(
                $"activation '{canonical}' takes no parameter, got parameter = {Guard.Fmt(given)} (only leaky_relu and elu have one).",
                nameof(parameter));
        return canonical switch
        {
            "identity" => Activation.Identity,
            "relu" => Activation.Relu,
            "tanh" => Activation.Tanh,
            "sigmoid" => Activation.Sigmoid,
            "erf" => Activation.Erf,
            "gelu" => Activation.Gelu,
            "silu" => Activation.Silu,
            "selu" => Activation.Selu,
            "softplus" => Activation.Softplus,
            "mish" => Activation.Mish,
            _ => throw new InvalidOperationException($"unreachable: {canonical}"),
        };
    }

    /// <summary>The canonical name for <paramref name="name"/> (aliases resolved, lower case).</summary>
    /// <exception cref="ArgumentException">The name is unknown; the message lists the valid names.</exception>
    public static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant().Replace('-', '_');
        if (Aliases.TryGetValue(key, out var target)) return target;
        if (Names.Contains(key)) return key;
        throw new ArgumentException(
            $"unknown activation '{name}'; valid names: {string.Join(", ", Names)} (aliases: linear = identity, swish = silu).",
            nameof(name));
    }
}
