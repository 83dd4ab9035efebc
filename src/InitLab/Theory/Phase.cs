namespace InitLab.Theory;

/// <summary>
/// The mean-field phase of a deep random network (Poole et al. 2016; Schoenholz et al. 2017), set by chi_1:
/// ordered (chi_1 &lt; 1: inputs converge, gradients vanish), critical (chi_1 = 1: the edge of chaos, where depth
/// scales diverge and deep networks train), chaotic (chi_1 &gt; 1: nearby inputs decorrelate, gradients explode).
/// </summary>
public enum Phase
{
    /// <summary>chi_1 &lt; 1.</summary>
    Ordered,

    /// <summary>|chi_1 - 1| &lt;= <see cref="MeanFieldModel.CriticalTolerance"/>.</summary>
    Critical,

    /// <summary>chi_1 &gt; 1.</summary>
    Chaotic,
}
