namespace InitLab.Initializers;

/// <summary>Where the output and input channels sit in a weight tensor.</summary>
public enum FanLayout
{
    /// <summary>PyTorch: (out, in, k1, k2, ...); a linear layer is (out, in).</summary>
    Torch,

    /// <summary>Keras / TensorFlow / JAX: (k1, k2, ..., in, out); a dense layer is (in, out).</summary>
    Keras,
}
