namespace InitLab.Propagation;

/// <summary>Statistics of the pre-activations h = x W^T + b of one layer.</summary>
/// <param name="Mean">mean(h).</param>
/// <param name="Std">Unbiased std of h.</param>
/// <param name="MeanSquare">mean(h^2): the q of mean-field theory.</param>
public sealed record PreActivationStats(double Mean, double Std, double MeanSquare);

/// <summary>
/// One layer of a propagation trace. The top-level statistics describe the layer's output after the activation (what
/// the classic loop measures); <see cref="Pre"/> describes h before it (design.md). Quantities an engine cannot
/// measure are NaN (e.g. min and max for the mean-field engine) or null.
/// </summary>
/// <param name="Layer">Layer number k (1-based: the output after k matrix products).</param>
/// <param name="Mean">mean(x_k).</param>
/// <param name="Std">Unbiased std of x_k.</param>
/// <param name="MeanSquare">mean(x_k^2).</param>
/// <param name="Min">min(x_k).</param>
/// <param name="Max">max(x_k).</param>
/// <param name="ZeroFraction">Fraction of exact zeros in x_k (dead ReLUs).</param>
/// <param name="NonFinite">Number of NaN or Inf entries in x_k.</param>
/// <param name="Pre">Statistics of h_k.</param>
/// <param name="Correlation">Correlation q12 / sqrt(q11 q22) of the pre-activations of the first two inputs (order vs chaos), or null with one input.</param>
/// <param name="GradNorm">||dL/dx_k||_F for a random unit-variance gradient at the top, with a backward pass; else null.</param>
/// <param name="WeightGradNorm">||dL/dW_k||_F, with a backward pass; else null.</param>
/// <param name="Histogram">The distribution of |x_k| in quarter-octave bins (the column of the layer in a "colorful
/// dimension" plot), measured by the sampling engines; null for the mean-field engine, which has no samples.</param>
public sealed record LayerTrace(
    int Layer, double Mean, double Std, double MeanSquare, double Min, double Max, double ZeroFraction, long NonFinite,
    PreActivationStats Pre, double? Correlation = null, double? GradNorm = null, double? WeightGradNorm = null,
    Tensors.MagnitudeHistogram? Histogram = null);
