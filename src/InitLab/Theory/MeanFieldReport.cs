namespace InitLab.Theory;

/// <summary>
/// The mean-field summary of a (phi, sigma_w, sigma_b) network. Null means undefined here (c*, chi_c and xi_c when q* is
/// 0 or infinite; xi_q when q* is infinite); a depth scale of +infinity means criticality (or a non-contracting map).
/// </summary>
/// <param name="Activation">The activation, with its parameter.</param>
/// <param name="SigmaW">Weight standard deviation.</param>
/// <param name="SigmaB">Bias standard deviation.</param>
/// <param name="FixedPoint">q* and its kind.</param>
/// <param name="CStar">The attracting fixed point of the correlation map (1 in the ordered phase).</param>
/// <param name="Chi1">chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2].</param>
/// <param name="ChiC">chi_c, the slope of the correlation map at c*.</param>
/// <param name="XiQ">xi_q = -1 / ln F'(q*).</param>
/// <param name="XiC">xi_c = -1 / ln chi_c.</param>
/// <param name="Phase">Ordered, critical or chaotic, from chi_1.</param>
/// <param name="Note">Why a quantity is undefined, when one is.</param>
public sealed record MeanFieldReport(string Activation, double SigmaW, double SigmaB, VarianceFixedPoint FixedPoint,
    double? CStar, double Chi1, double? ChiC, double? XiQ, double? XiC, Phase Phase, string? Note)
{
    /// <summary>q* (0 when trivial, +infinity when divergent).</summary>
    public double QStar => FixedPoint.QStar;

    /// <summary>
    /// chi_1^L: the mean squared singular value of the input-output Jacobian of <paramref name="depth"/> layers whose
    /// inputs sit at q* (Pennington et al. 2017). Dynamical isometry needs it near 1, i.e. chi_1 = 1.
    /// </summary>
    /// <exception cref="ArgumentException">depth is negative.</exception>
    public double JacobianMeanSquaredSingularValue(int depth)
    {
        InitLab.Numerics.Guard.NonNegative(depth);
        return Math.Pow(Chi1, depth);
    }
}
