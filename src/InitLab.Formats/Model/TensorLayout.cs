namespace InitLab.Formats;

/// <summary>
/// The axis order of a weight tensor, as its format or graph states it; fans follow from it
/// (see <see cref="InitLab.Initializers.Fans.Of(InitLab.Tensors.Shape, InitLab.Initializers.FanLayout)"/>).
/// </summary>
public enum TensorLayout
{
    /// <summary>The file does not say (a bare state_dict or .npz entry, a vector, a constant).</summary>
    Unknown,

    /// <summary>(out, in, k1, k2, ...): PyTorch Linear/Conv, ONNX Conv W, ONNX Gemm B with transB = 1.</summary>
    OutIn,

    /// <summary>(k1, k2, ..., in, out): Keras / TF.js Dense and Conv kernels, ONNX MatMul B, ONNX Gemm B with transB = 0.</summary>
    InOut,
}
