using System.Globalization;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>One check of an audit: a measured value, what the scheme claims, the tolerance, and whether it passed.</summary>
/// <param name="Name">Short name: finite, support, mean, std, ks, constant, gram, zeros_per_column, off_centre_zeros.</param>
/// <param name="Value">The measured value.</param>
/// <param name="Expected">The claimed value (for ks: the significance level alpha, the p-value must be at least that).</param>
/// <param name="Tolerance">The allowed deviation (0 where the check is a count or a p-value).</param>
/// <param name="Passed">Whether the check passed.</param>
/// <param name="Description">What the check means, in words.</param>
public sealed record AuditCheck(string Name, double Value, double Expected, double Tolerance, bool Passed, string Description)
{
    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {Value:G6} vs {Expected:G6} (tol {Tolerance:G3}) {(Passed ? "pass" : "FAIL")}");
}

/// <summary>The result of testing a tensor against the distribution or structure an initializer claims.</summary>
/// <param name="Scheme">The initializer's name.</param>
/// <param name="Claim">The claimed law or structure, in words.</param>
/// <param name="Shape">The tensor shape.</param>
/// <param name="Count">Number of elements.</param>
/// <param name="Checks">Every check made.</param>
/// <param name="KsPValue">The KS p-value against the claimed law (null for structured schemes).</param>
/// <param name="MeasuredStd">Unbiased sample std of all elements.</param>
/// <param name="ExpectedStd">The std the scheme implies (NaN when undefined).</param>
/// <param name="BoundRatio">max |x - centre| / half-width of the support for bounded laws (1 would touch the bound), else null.</param>
public sealed record AuditReport(string Scheme, string Claim, Shape Shape, long Count, IReadOnlyList<AuditCheck> Checks,
    double? KsPValue, double MeasuredStd, double ExpectedStd, double? BoundRatio)
{
    /// <summary>True when every check passed.</summary>
    public bool Passed => Checks.All(c => c.Passed);

    /// <summary>measured std / expected std.</summary>
    public double StdRatio => MeasuredStd / ExpectedStd;

    /// <summary>"pass" or "fail".</summary>
    public string Verdict => Passed ? "pass" : "fail";
}
