using System.Globalization;
using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Inspection;

/// <summary>A scheme matched to a tensor.</summary>
/// <param name="Name">The scheme, as a catalogue call (e.g. <c>kaiming_normal(mode=fan_out)</c>, <c>orthogonal(gain=1.41421)</c>, <c>dirac(groups=1)</c>).</param>
/// <param name="PValue">The combined p-value of the tensor under the scheme (<see cref="GoodnessOfFit"/>); 1 for a
/// structure that holds exactly (constants, eye, dirac, delta_orthogonal, orthogonal: the defining identity holds to
/// rounding, and no sampling test applies).</param>
/// <param name="Equivalents">Other schemes with the same law at this shape and their aliases (how ties are reported).</param>
/// <param name="Components">The component p-values, for schemes tested by law; null for structures.</param>
public sealed record SchemeMatch(string Name, double PValue, IReadOnlyList<string> Equivalents, FitComponents? Components)
{
    /// <summary>
    /// Other schemes, with different laws, that the tensor also fits at level alpha (most likely first): a small tensor
    /// cannot tell apart laws whose std differ by a few standard errors, and this says so instead of hiding it.
    /// </summary>
    public IReadOnlyList<string> AlsoFits { get; init; } = [];

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} (p = {PValue:G3})");
}

/// <summary>
/// The spectral summary of a tensor as a matrix (torch layout: (shape[0], rest), the (out, in * k) reshape of a conv
/// kernel; keras layout: (rest, shape[-1])).
/// </summary>
/// <param name="Rows">Rows of the matrix.</param>
/// <param name="Cols">Columns of the matrix.</param>
/// <param name="SigmaMax">The largest singular value.</param>
/// <param name="StableRank">||W||_F^2 / sigma_max^2 (between 1 and min(rows, cols)).</param>
/// <param name="MpEdge">The Marchenko-Pastur upper edge s (sqrt rows + sqrt cols) for the tensor's own mean square s^2 = ||W||_F^2 / (rows cols).</param>
/// <param name="MpSpikes">Singular values whose square exceeds <see cref="MarchenkoPastur.SpikeThreshold"/> at level alpha
/// (the edge plus the Tracy-Widom fluctuation); 0 when min(rows, cols) &lt; <see cref="MarchenkoPastur.MinDimension"/>.</param>
/// <param name="SpikePValue">The Tracy-Widom p-value of sigma_max against that edge (null for small matrices).</param>
/// <param name="SampledRows">Rows of the evenly strided submatrix whose singular values were counted, when the matrix
/// has more than <see cref="TensorInspector.MaxSpectralDimension"/> rows and columns; else equal to Rows.</param>
/// <param name="SampledCols">Columns of that submatrix; else equal to Cols.</param>
public sealed record SpectralSummary(int Rows, int Cols, double SigmaMax, double StableRank, double MpEdge, int MpSpikes,
    double? SpikePValue, int SampledRows, int SampledCols);

/// <summary>Everything <see cref="TensorInspector.Inspect(ReadOnlySpan{double}, Shape, InspectionOptions)"/> finds about one tensor.</summary>
/// <param name="Shape">The shape.</param>
/// <param name="Role">The role it was inspected as.</param>
/// <param name="Fans">Its fans in its layout (null for rank &lt; 2).</param>
/// <param name="Count">Number of elements.</param>
/// <param name="NonFinite">Number of NaN or infinite elements.</param>
/// <param name="Mean">Mean of the elements.</param>
/// <param name="Std">Unbiased sample standard deviation (n - 1).</param>
/// <param name="Kurtosis">m4 / m2^2 with central sample moments: 3 for a normal law, 1.8 for a uniform one (NaN for a constant).</param>
/// <param name="MaxAbs">The largest |x|.</param>
/// <param name="Spectrum">The spectral summary (null for rank &lt; 2 or non-finite elements).</param>
/// <param name="Verdict">What the tensor looks like.</param>
/// <param name="BestScheme">The matched scheme; for trained and unknown tensors the closest scheme (largest p-value), whatever its p; null when nothing was tested.</param>
/// <param name="Reason">Why, in one sentence.</param>
/// <param name="Matches">Every law-tested scheme group with its p-value, best first (empty for structures).</param>
public sealed record TensorInspection(Shape Shape, ParameterRole Role, Fans? Fans, long Count, long NonFinite, double Mean, double Std,
    double Kurtosis, double MaxAbs, SpectralSummary? Spectrum, Verdict Verdict, SchemeMatch? BestScheme, string Reason,
    IReadOnlyList<SchemeMatch> Matches)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Shape} {ParameterRoles.JsonName(Role)}: {Verdicts.JsonName(Verdict)} ({Reason})";
}
