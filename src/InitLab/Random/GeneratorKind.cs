namespace InitLab.Random;

/// <summary>Which random generator an experiment or engine draws from.</summary>
public enum GeneratorKind
{
    /// <summary>InitLab's counter-based Philox4x32-10 streams (<see cref="Generator"/>): the same bits on any thread count and SIMD width.</summary>
    Philox,

    /// <summary>PyTorch 1.13's CPU generator (<see cref="TorchGenerator"/>): the numbers a PyTorch script with the same seed draws.</summary>
    Torch,
}
