namespace InitLab.Inspection;

/// <summary>
/// What a tensor does in its network, which decides the schemes it is compared with: weights and embeddings against
/// every variance-scaling preset and fixed law, biases against the bias rules, normalization parameters against their
/// constants. JSON names: weight, bias, norm (scale and shift), embedding, other.
/// </summary>
public enum ParameterRole
{
    /// <summary>A weight matrix or convolution kernel (fans defined by its layout).</summary>
    Weight,

    /// <summary>An additive bias of a layer; its bias rule uses the fan_in of the layer's weight.</summary>
    Bias,

    /// <summary>The multiplicative scale (gamma) of a normalization layer: initialized to 1.</summary>
    NormScale,

    /// <summary>The additive shift (beta) of a normalization layer: initialized to 0.</summary>
    NormShift,

    /// <summary>The running mean a normalization layer subtracts at inference (PyTorch running_mean, Keras moving_mean): initialized to 0.</summary>
    RunningMean,

    /// <summary>The running variance a normalization layer divides by at inference (running_var, moving_variance): initialized to 1.</summary>
    RunningVariance,

    /// <summary>An embedding table (rows are tokens).</summary>
    Embedding,

    /// <summary>Anything else: running statistics, counters, unknown tensors.</summary>
    Other,
}

/// <summary>The JSON names of <see cref="ParameterRole"/> values.</summary>
public static class ParameterRoles
{
    /// <summary>weight, bias, norm (scale, shift and running statistics), embedding or other.</summary>
    public static string JsonName(ParameterRole role) => role switch
    {
        ParameterRole.Weight => "weight",
        ParameterRole.Bias => "bias",
        ParameterRole.NormScale or ParameterRole.NormShift or ParameterRole.RunningMean or ParameterRole.RunningVariance => "norm",
        ParameterRole.Embedding => "embedding",
        _ => "other",
    };
}
