namespace InitLab.Initializers;

/// <summary>The snake_case names of modes, distributions and layouts (as PyTorch, Keras and JAX spell them), and their parsers.</summary>
public static class Names
{
    /// <summary>Valid fan mode names: fan_in, fan_out, fan_avg.</summary>
    public static IReadOnlyList<string> FanModes { get; } = ["fan_in", "fan_out", "fan_avg"];

    /// <summary>Valid distribution names: normal, truncated_normal, uniform.</summary>
    public static IReadOnlyList<string> Distributions { get; } = ["normal", "truncated_normal", "uniform"];

    /// <summary>Valid layout names: torch, keras.</summary>
    public static IReadOnlyList<string> Layouts { get; } = ["torch", "keras"];

    /// <summary>Parses fan_in, fan_out or fan_avg (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other name; the message lists the valid ones.</exception>
    public static FanMode ParseFanMode(string mode) => (mode ?? "").Trim().ToLowerInvariant() switch
    {
        "fan_in" => FanMode.FanIn,
        "fan_out" => FanMode.FanOut,
        "fan_avg" => FanMode.FanAvg,
        _ => throw Unknown(nameof(mode), mode, FanModes),
    };

    /// <summary>Parses normal, truncated_normal or uniform (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other name; the message lists the valid ones.</exception>
    public static VarianceDistribution ParseDistribution(string distribution) => (distribution ?? "").Trim().ToLowerInvariant() switch
    {
        "normal" => VarianceDistribution.Normal,
        "truncated_normal" => VarianceDistribution.TruncatedNormal,
        "uniform" => VarianceDistribution.Uniform,
        _ => throw Unknown(nameof(distribution), distribution, Distributions),
    };

    /// <summary>Parses torch or keras (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other name; the message lists the valid ones.</exception>
    public static FanLayout ParseLayout(string layout) => (layout ?? "").Trim().ToLowerInvariant() switch
    {
        "torch" => FanLayout.Torch,
        "keras" => FanLayout.Keras,
        _ => throw Unknown(nameof(layout), layout, Layouts),
    };

    /// <summary>The snake_case name of a fan mode.</summary>
    public static string Of(FanMode mode) => FanModes[(int)mode];

    /// <summary>The snake_case name of a distribution.</summary>
    public static string Of(VarianceDistribution distribution) => Distributions[(int)distribution];

    /// <summary>The name of a layout.</summary>
    public static string Of(FanLayout layout) => Layouts[(int)layout];

    internal static ArgumentException Unknown(string parameter, string? value, IEnumerable<string> valid) =>
        new($"unknown {parameter} '{value}'; valid values: {string.Join(", ", valid)}.", parameter);
}
