namespace InitLab.Initializers;

/// <summary>The element distribution of a variance-scaling initializer; every choice has the same target std.</summary>
public enum VarianceDistribution
{
    /// <summary>N(0, std^2).</summary>
    Normal,

    /// <summary>N(0, sigma^2) truncated to [-2 sigma, 2 sigma] with sigma = std / 0.87962566103423978, so the std after truncation is std.</summary>
    TruncatedNormal,

    /// <summary>U(-sqrt(3) std, sqrt(3) std).</summary>
    Uniform,
}
