using System.Globalization;

namespace InitLab.Inspection;

/// <summary>
/// The p-values of the component tests of one scheme against one tensor (null where a test does not apply), and the
/// combined p-value: Bonferroni's min(1, K min_i p_i) over the K tests that apply.
/// </summary>
/// <param name="Ks">Kolmogorov-Smirnov against the scheme's exact element law (rounding-aware, see <see cref="GoodnessOfFit"/>).</param>
/// <param name="Mean">Mean of the standardized elements z = (x - mean) / std, two-sided.</param>
/// <param name="Variance">Mean of z^2, two-sided.</param>
/// <param name="FourthMoment">Mean of z^4 (the tails), two-sided.</param>
/// <param name="Extremes">The largest and smallest element under the law, two-sided.</param>
/// <param name="Spectral">The largest singular value against the Tracy-Widom law at the Marchenko-Pastur edge for the scheme's variance.</param>
/// <param name="Combined">min(1, K min p) with K = the number of non-null components.</param>
public sealed record FitComponents(double? Ks, double? Mean, double? Variance, double? FourthMoment, double? Extremes, double? Spectral, double Combined)
{
    /// <summary>The number of component tests that applied (the Bonferroni factor K).</summary>
    public int Tests => new[] { Ks, Mean, Variance, FourthMoment, Extremes, Spectral }.Count(p => p is not null);

    /// <summary>The name of the component with the smallest p-value (the one that decides the combined p-value).</summary>
    public string Weakest
    {
        get
        {
            var named = new (string Name, double? P)[]
            {
                ("ks", Ks), ("mean", Mean), ("variance", Variance), ("fourth_moment", FourthMoment), ("extremes", Extremes), ("spectral", Spectral),
            };
            return named.Where(c => c.P is not null).OrderBy(c => c.P!.Value).Select(c => c.Name).FirstOrDefault() ?? "none";
        }
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        static string F(double? p) => p is { } v ? v.ToString("G3", CultureInfo.InvariantCulture) : "-";
        return $"p = {F(Combined)} (ks {F(Ks)}, mean {F(Mean)}, variance {F(Variance)}, fourth {F(FourthMoment)}, extremes {F(Extremes)}, spectral {F(Spectral)})";
    }
}
