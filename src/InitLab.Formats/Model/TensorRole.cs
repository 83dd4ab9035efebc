namespace InitLab.Formats;

/// <summary>
/// What a tensor does in its network, as far as the file's own graph or layer description says it. Readers set it only
/// from structure (an ONNX node's input slot, a TF.js layer's weight list), never from a guess at the name; a tensor
/// whose file says nothing is <see cref="Unknown"/>.
/// </summary>
public enum TensorRole
{
    /// <summary>The file does not say.</summary>
    Unknown,

    /// <summary>A weight matrix or convolution kernel (Gemm/MatMul B, Conv W, Dense/Conv kernel).</summary>
    Weight,

    /// <summary>An additive bias (Gemm C, Conv B, Dense/Conv bias).</summary>
    Bias,

    /// <summary>The multiplicative scale (gamma) of a normalization layer.</summary>
    NormScale,

    /// <summary>The additive shift (beta) of a normalization layer.</summary>
    NormShift,

    /// <summary>The running mean a normalization layer subtracts at inference (BatchNormalization input 3, Keras moving_mean).</summary>
    NormMean,

    /// <summary>The running variance a normalization layer divides by at inference (BatchNormalization input 4, Keras moving_variance).</summary>
    NormVariance,

    /// <summary>An embedding table (the data input of a Gather on token ids; a Keras Embedding's matrix).</summary>
    Embedding,

    /// <summary>Anything else the structure identifies: shape constants, counters, integer tensors.</summary>
    Other,
}
