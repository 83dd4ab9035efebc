using InitLab.Numerics;

namespace InitLab.Training;

/// <summary>How to train: the number of steps, the mini-batch size and the optimizer.</summary>
/// <param name="Steps">Number of parameter updates K (&gt;= 1).</param>
/// <param name="BatchSize">Examples per step B (&gt;= 1, at most the training-set size).</param>
/// <param name="Optimizer">SGD with momentum or Adam, with its learning rate.</param>
public sealed record TrainingOptions(int Steps, int BatchSize, Optimizer Optimizer)
{
    /// <summary>Checks the settings; every message names the setting and its value.</summary>
    /// <exception cref="ArgumentException">Steps or BatchSize is not positive.</exception>
    public void Validate()
    {
        Guard.Positive(Steps, "steps");
        Guard.Positive(BatchSize, "batch size");
        ArgumentNullException.ThrowIfNull(Optimizer);
    }
}
