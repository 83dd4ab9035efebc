using InitLab.Propagation;

namespace InitLab.Training;

/// <summary>The outcome of a training run next to what the lab predicted for it.</summary>
/// <param name="Loss">The mini-batch loss at steps 0..K-1, each before that step's update; it ends at the first non-finite loss when training diverged.</param>
/// <param name="DivergedAtStep">The first step (0-based) whose loss was NaN or infinite; training stopped there. Null when it did not diverge.</param>
/// <param name="TestAccuracy">Fraction of the test set classified correctly after the last step; null when training diverged or there was no test set.</param>
/// <param name="InitialTrace">
/// The explicit engine's trace of the first batch at step 0: per hidden layer the forward statistics, ||dL/dx_l|| and
/// ||dL/dW_l|| for the training loss, and the diagnosis.
/// </param>
/// <param name="SigmaW">The sigma_w of the initial weights that the prediction uses (<see cref="Trainer.EffectiveSigmaW"/>).</param>
public sealed record TrainingResult(IReadOnlyList<double> Loss, int? DivergedAtStep, double? TestAccuracy, PropagationTrace InitialTrace, double SigmaW)
{
    private TrainabilityPrediction? _prediction;

    /// <summary>
    /// The lab's prediction (verdict, phase, xi_c, 6 xi_c), computed on first use: the mean-field analysis costs tens of
    /// milliseconds of quadrature, which a grid of training runs that only needs the accuracies should not pay.
    /// </summary>
    public TrainabilityPrediction Prediction => _prediction ??= Predict();

    private TrainabilityPrediction Predict()
    {
        var (phase, chi1, xiC) = TrainabilityPrediction.Theory(Activation, SigmaW, SigmaB);
        return new TrainabilityPrediction(InitialTrace.Diagnosis.Verdict, SigmaW, SigmaB, phase, chi1, xiC);
    }

    /// <summary>The activation of the trained network.</summary>
    public required Activations.Activation Activation { get; init; }

    /// <summary>The bias std sigma_b of the trained network.</summary>
    public required double SigmaB { get; init; }

    /// <summary>
    /// Least-squares growth factor per layer of ||dL/dx_l|| going from the output towards the input at step 0
    /// (above 1: gradients explode backwards, below 1: they vanish); NaN with fewer than two finite, positive norms.
    /// </summary>
    public double GradientGrowthPerLayer
    {
        get
        {
            var points = InitialTrace.Layers
                .Where(l => l.GradNorm is > 0 and < double.PositiveInfinity)
                .Select(l => ((double)-l.Layer, Math.Log10(l.GradNorm!.Value))).ToList();
            double slope = Diagnoser.Slope(points);
            return double.IsFinite(slope) ? Math.Pow(10, slope) : double.NaN;
        }
    }
}
