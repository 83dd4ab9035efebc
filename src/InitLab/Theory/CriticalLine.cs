using InitLab.Activations;
using InitLab.Numerics;

namespace InitLab.Theory;

/// <summary>A point on the critical line (the edge of chaos): chi_1(sigma_w, sigma_b) = 1.</summary>
/// <param name="SigmaW">The critical weight standard deviation.</param>
/// <param name="SigmaB">The given bias standard deviation.</param>
/// <param name="FixedPoint">q* at the critical point (trivial for odd activations at sigma_b = 0).</param>
/// <param name="Chi1">chi_1 there (1 up to the root finder's precision, unless <paramref name="Note"/> says it jumps).</param>
/// <param name="Note">Null for a true root; otherwise why chi_1 = 1 is not attained (chi_1 jumps across 1 where q*
/// changes branch, e.g. gelu or silu with sigma_b &gt; 0, whose bounded fixed point disappears as sigma_w grows).</param>
public sealed record CriticalPoint(double SigmaW, double SigmaB, VarianceFixedPoint FixedPoint, double Chi1, string? Note = null);

/// <summary>
/// The critical line of Poole et al. 2016 / Schoenholz et al. 2017: for an activation and sigma_b, the sigma_w at which
/// chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2] = 1. Examples: tanh at sigma_b = 0 gives 1, erf gives sqrt(pi) / 2, relu sqrt 2.
/// </summary>
public static class CriticalLine
{
    /// <summary>Upper end of the bracket search for sigma_w.</summary>
    public const double MaxSigmaW = 1e4;

    // A genuine root has |chi_1 - 1| at the level of the quadrature error; a jump leaves a gap of order 1e-2 or more.
    private const double JumpTolerance = 1e-6;

    /// <summary>
    /// The critical sigma_w: chi_1(0) = 0 &lt; 1; sigma_w is doubled from 1/4 until chi_1 &gt; 1, which brackets a root that
    /// Brent's method refines to ~1e-15 relative. For odd activations at sigma_b = 0, chi_1 - 1 touches 0 quadratically on
    /// the chaotic side (q* grows from 0 like sigma_w - 1), so there the root is only resolved to ~1e-7.
    /// </summary>
    /// <exception cref="ArgumentException">sigma_b is negative or not finite, or chi_1 stays below 1 up to sigma_w = 1e4
    /// (e.g. the zero function): no critical point.</exception>
    public static CriticalPoint SigmaW(Activation activation, double sigmaB, double initialVariance = 1.0)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return SigmaWOf(activation, sigmaB, initialVariance);
    }

    /// <summary>
    /// The critical sigma_w of the catalogue activation called <paramref name="activation"/> (with its parameter),
    /// as <see cref="SigmaW(Activation, double, double)"/>: <c>CriticalLine.SigmaW("tanh", 0.1)</c> is
    /// <c>CriticalLine.SigmaW(Activation.Tanh, 0.1)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown activation name or bad parameter, or as the overload for an object.</exception>
    public static CriticalPoint SigmaW(string activation, double sigmaB, double initialVariance = 1.0, double? activationParameter = null)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return SigmaWOf(ActivationRegistry.Parse(activation, activationParameter), sigmaB, initialVariance);
    }

    private static CriticalPoint SigmaWOf(Activation activation, double sigmaB, double initialVariance)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Guard.FiniteSquare(sigmaB, "sigma_b");
        Guard.Positive(initialVariance);
        Func<double, double> excess = sw =>
        {
            return new MeanFieldModel(activation, sw, sigmaB).FindChi1(initialVariance).Chi1 - 1;
        };
        double lo = 0, flo = -1;
        for (double hi = 0.25; hi <= MaxSigmaW; hi *= 2)
        {
            double fhi = excess(hi);
            if (fhi >= 0)
            {
                double root = RootFinding.Brent(excess, lo, hi, flo, fhi, 1e-15);
                var (fixedPoint, chi1) = new MeanFieldModel(activation, root, sigmaB).FindChi1(initialVariance);
                if (Math.Abs(chi1 - 1) <= JumpTolerance) return WithPole(new CriticalPoint(root, sigmaB, fixedPoint, chi1));
                // Brent converged onto a discontinuity of chi_1(sigma_w), not a root: report both sides.
                double below = excess(root * (1 - 1e-9)) + 1, above = excess(root * (1 + 1e-9)) + 1;
                return new CriticalPoint(root, sigmaB, fixedPoint, chi1,
                    $"chi_1 jumps across 1 at this sigma_w (from {Guard.Fmt(below)} to {Guard.Fmt(above)}): the fixed point reached " +
                    $"from q0 = {Guard.Fmt(initialVariance)} changes branch, so no sigma_w gives chi_1 = 1 exactly; this is the order-to-chaos boundary.");
            }
            lo = hi;
            flo = fhi;
        }
        throw new ArgumentException(
            $"activation '{activation}' has chi_1 < 1 for every sigma_w <= {MaxSigmaW} at sigma_b = {Guard.Fmt(sigmaB)}: no critical point.",
            nameof(activation));
    }

    /// <summary>
    /// The critical point as <see cref="SigmaW(Activation, double, double)"/> finds it, or null where there is none (chi_1 &lt; 1 for every sigma_w):
    /// what a plot of the critical line draws, point for point the answer of <c>initlab theory critical</c>.
    /// </summary>
    /// <exception cref="ArgumentException">sigma_b or the initial variance is invalid.</exception>
    public static CriticalPoint? TrySigmaW(Activation activation, double sigmaB, double initialVariance = 1.0)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Guard.FiniteSquare(sigmaB, "sigma_b");
        Guard.Positive(initialVariance);
        try
        {
            return SigmaW(activation, sigmaB, initialVariance);
        }
        catch (ArgumentException)
        {
            return null; // validated above: the only remaining failure is "no critical point"
        }
    }

    // q* of a positively homogeneous activation (relu, leaky_relu) is sigma_b^2 / (1 - chi_1), with a pole on the critical
    // line: the root finder stops just below it, where q* is finite only by rounding (~1e13 and up). Report it as divergent.
    private static CriticalPoint WithPole(CriticalPoint point) =>
        point.FixedPoint.QStar > 1e8 * Math.Max(1.0, point.SigmaB * point.SigmaB) && point.Note is null
            ? point with
            {
                FixedPoint = new VarianceFixedPoint(double.PositiveInfinity, FixedPointKind.Divergent),
                Note = "q* diverges as sigma_w approaches this critical value: there is no finite fixed point on the critical line",
            }
            : point;
}
