namespace InitLab.Initializers;

/// <summary>
/// How frameworks initialize a layer's bias. PyTorch's <c>nn.Linear</c> and <c>nn.ConvNd</c> draw it from
/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the fan_in of the layer's weight (<c>reset_parameters</c>; 0 when fan_in = 0);
/// Keras and Flax layers start it at zero, and so do the recipes that re-initialize weights with kaiming, xavier,
/// orthogonal or trunc_normal (torchvision's ResNet, timm's ViT, Hugging Face's <c>_init_weights</c>).
/// </summary>
public static class BiasRule
{
    /// <summary>PyTorch's layer default: U(-b, b) with b = 1 / sqrt(fan_in); zeros when fan_in = 0.</summary>
    /// <exception cref="ArgumentException">fanIn is negative.</exception>
    public static Initializer TorchDefault(long fanIn)
    {
        if (fanIn < 0) throw new ArgumentException($"fanIn must be >= 0, got {fanIn}.", nameof(fanIn));
        if (fanIn == 0) return Init.Zeros();
        double bound = 1 / Math.Sqrt(fanIn);
        return Init.Uniform(-bound, bound);
    }

    /// <summary>
    /// The bias a fresh layer gets when its weight is initialized by <paramref name="scheme"/>: PyTorch's rule for
    /// <c>torch_default</c> (the layer default, which needs the weight's fans), zeros for every other scheme.
    /// </summary>
    /// <exception cref="ArgumentException">The scheme is torch_default and <paramref name="layerFans"/> is null.</exception>
    public static Initializer For(string scheme, Fans? layerFans)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        if (!scheme.Trim().Equals("torch_default", StringComparison.OrdinalIgnoreCase)) return Init.Zeros();
        if (layerFans is null)
            throw new ArgumentException("torch_default's bias rule needs the fans of the layer's weight.", nameof(layerFans));
        return TorchDefault(layerFans.FanIn);
    }
}
