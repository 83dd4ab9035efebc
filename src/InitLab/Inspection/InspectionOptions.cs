using InitLab.Initializers;

namespace InitLab.Inspection;

/// <summary>How <see cref="TensorInspector"/> reads a tensor.</summary>
public sealed record InspectionOptions
{
    /// <summary>The tensor's role (default weight).</summary>
    public ParameterRole Role { get; init; } = ParameterRole.Weight;

    /// <summary>Where its input and output channels sit (default torch: (out, in, *k)).</summary>
    public FanLayout Layout { get; init; } = FanLayout.Torch;

    /// <summary>The fans of the layer the tensor belongs to; for a bias, those of its weight (the bias rule needs fan_in).</summary>
    public Fans? LayerFans { get; init; }

    /// <summary>
    /// Unit roundoff of the type the tensor was stored in: 2^-53 float64, 2^-24 float32, 2^-11 float16, 2^-8 bfloat16.
    /// Null: 2^-24 for float input, 2^-53 for double input.
    /// </summary>
    public double? UnitRoundoff { get; init; }

    /// <summary>
    /// Significance level of the verdict (default 1e-3): a fresh draw of a catalogue scheme is called anything but init
    /// with probability at most alpha, and a spike must exceed the Marchenko-Pastur edge by its upper-alpha Tracy-Widom
    /// fluctuation.
    /// </summary>
    public double Alpha { get; init; } = 1e-3;

    /// <summary>True for a tensor stored as integers or booleans (counters, ids, masks): only the constant verdict applies, anything else is unknown.</summary>
    public bool IntegerValued { get; init; }
}
