using InitLab.Propagation;
using InitLab.Theory;

namespace InitLab.Training;

/// <summary>
/// What the lab predicts about training a network before it is trained: the explicit engine's verdict on the signal at
/// step 0, and mean-field theory's correlation depth scale xi_c with the trainable depth of about 6 xi_c
/// (Schoenholz et al. 2017, "Deep Information Propagation": networks deeper than ~6 xi_c did not train in their
/// MNIST and CIFAR-10 experiments).
/// </summary>
/// <param name="Verdict">The diagnosis of the step-0 forward pass on the first training batch (stable, exploding, vanishing).</param>
/// <param name="SigmaW">The sigma_w the theory used (exact for Gaussian and orthogonal weights, else measured from a hidden layer's weights).</param>
/// <param name="SigmaB">The bias std sigma_b.</param>
/// <param name="Phase">Ordered, critical or chaotic (chi_1 against 1).</param>
/// <param name="Chi1">chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2].</param>
/// <param name="XiC">xi_c = -1 / ln chi_c(c*) in layers (infinite at criticality; null when q* = 0 or diverges).</param>
public sealed record TrainabilityPrediction(Verdict Verdict, double SigmaW, double SigmaB, Phase Phase, double Chi1, double? XiC)
{
    /// <summary>The multiple of xi_c up to which Schoenholz et al. found networks trainable.</summary>
    public const double DepthScaleMultiple = 6;

    /// <summary>6 xi_c, or null when xi_c is undefined.</summary>
    public double? TrainableDepth => XiC * DepthScaleMultiple;

    /// <summary>The verdict as the lower-case JSON word.</summary>
    public string VerdictName => Verdict.ToString().ToLowerInvariant();

    /// <summary>The phase as the lower-case JSON word.</summary>
    public string PhaseName => Phase.ToString().ToLowerInvariant();

    /// <summary>
    /// Whether a network of <paramref name="depth"/> hidden layers is predicted to train: a stable signal and
    /// depth &lt;= 6 xi_c (null when xi_c is undefined and the signal is stable).
    /// </summary>
    public bool? Trainable(int depth) => Verdict != Verdict.Stable ? false : TrainableDepth is { } d ? depth <= d : null;

    /// <summary>The mean-field part of the prediction for an activation and (sigma_w, sigma_b), at input mean square 1 (standardized data).</summary>
    public static (Phase Phase, double Chi1, double? XiC) Theory(Activations.Activation activation, double sigmaW, double sigmaB)
    {
        var report = new MeanFieldModel(activation, sigmaW, sigmaB).Analyze(1.0);
        return (report.Phase, report.Chi1, report.XiC);
    }
}
