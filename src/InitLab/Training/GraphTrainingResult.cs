using InitLab.Networks;

namespace InitLab.Training;

/// <summary>The outcome of training a network graph next to the lab's step-0 diagnosis of it.</summary>
/// <param name="Loss">The mini-batch loss at steps 0..K-1, each before that step's update; it ends at the first non-finite loss when training diverged.</param>
/// <param name="DivergedAtStep">The first step (0-based) whose loss was NaN or infinite, or null.</param>
/// <param name="TestAccuracy">Test accuracy after the last step; null when training diverged or there was no test set.</param>
/// <param name="InitialTrace">Every node of the first batch at step 0: forward statistics and, after the backward pass, gradient norms.</param>
/// <param name="Diagnosis">The graph diagnosis of that trace (verdict, worst node, advice).</param>
public sealed record GraphTrainingResult(IReadOnlyList<double> Loss, int? DivergedAtStep, double? TestAccuracy, GraphTrace InitialTrace,
    GraphDiagnosis Diagnosis);
