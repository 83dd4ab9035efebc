namespace InitLab.Initializers;

/// <summary>
/// Options for creating an initializer by name (<see cref="Schemes.Create"/>). Unset (null) options take the scheme's
/// default; an option the scheme does not use is an error, so a typo never passes silently.
/// </summary>
public sealed record InitializerOptions
{
    /// <summary>Variance multiplier of variance_scaling (std^2 = scale / fan), or the multiplier of delta_orthogonal.</summary>
    public double? Scale { get; init; }

    /// <summary>Multiplier of xavier_*, orthogonal and identity.</summary>
    public double? Gain { get; init; }

    /// <summary>The activation parameter of kaiming_* (the negative slope a of leaky_relu).</summary>
    public double? Param { get; init; }

    /// <summary>Mean of normal and trunc_normal.</summary>
    public double? Mean { get; init; }

    /// <summary>Std of normal, trunc_normal (before truncation) and of the non-zeros of sparse.</summary>
    public double? Std { get; init; }

    /// <summary>Lower bound of uniform, absolute lower bound a of trunc_normal.</summary>
    public double? Low { get; init; }

    /// <summary>Upper bound of uniform, absolute upper bound b of trunc_normal.</summary>
    public double? High { get; init; }

    /// <summary>Fraction of zeros per column of sparse, in [0, 1).</summary>
    public double? Sparsity { get; init; }

    /// <summary>The value of constant.</summary>
    public double? Value { get; init; }

    /// <summary>Groups of dirac.</summary>
    public int? Groups { get; init; }

    /// <summary>Fan mode of variance_scaling and kaiming_*.</summary>
    public FanMode? Mode { get; init; }

    /// <summary>Distribution of variance_scaling.</summary>
    public VarianceDistribution? Distribution { get; init; }

    /// <summary>Nonlinearity of kaiming_* (activation name, as Gain.Recommended).</summary>
    public string? Nonlinearity { get; init; }

    /// <summary>Tensor layout for fans, flattening and channel positions (default torch).</summary>
    public FanLayout Layout { get; init; } = FanLayout.Torch;

    /// <summary>The names of the options that are set (layout excluded: every scheme accepts it).</summary>
    public IEnumerable<string> SetNames()
    {
        if (Scale is not null) yield return "scale";
        if (Gain is not null) yield return "gain";
        if (Param is not null) yield return "param";
        if (Mean is not null) yield return "mean";
        if (Std is not null) yield return "std";
        if (Low is not null) yield return "low";
        if (High is not null) yield return "high";
        if (Sparsity is not null) yield return "sparsity";
        if (Value is not null) yield return "value";
        if (Groups is not null) yield return "groups";
        if (Mode is not null) yield return "mode";
        if (Distribution is not null) yield return "distribution";
        if (Nonlinearity is not null) yield return "nonlinearity";
    }
}
