namespace InitLab.Initializers;

/// <summary>Which fan a variance-scaling initializer divides by.</summary>
public enum FanMode
{
    /// <summary>fan_in = in * receptive field: preserves the variance of activations in the forward pass.</summary>
    FanIn,

    /// <summary>fan_out = out * receptive field: preserves the variance of gradients in the backward pass.</summary>
    FanOut,

    /// <summary>(fan_in + fan_out) / 2: the Glorot &amp; Bengio (2010) compromise.</summary>
    FanAvg,
}
