namespace InitLab.Theory;

/// <summary>What the variance map's iteration from the input variance does.</summary>
public enum FixedPointKind
{
    /// <summary>It converges to a finite q* &gt; 0.</summary>
    Finite,

    /// <summary>q* = 0: the signal dies out (phi(0) = 0, sigma_b = 0 and a contracting map, e.g. tanh with sigma_w &lt;= 1).</summary>
    Trivial,

    /// <summary>No finite fixed point: q grows without bound (e.g. relu with sigma_w &gt;= sqrt 2 and sigma_b &gt; 0).</summary>
    Divergent,
}

/// <summary>
/// The fixed point q* = sigma_w^2 E[phi(sqrt(q*) z)^2] + sigma_b^2 reached from the input variance, with its kind.
/// <see cref="QStar"/> is 0 for <see cref="FixedPointKind.Trivial"/> and +infinity for <see cref="FixedPointKind.Divergent"/>.
/// </summary>
/// <param name="QStar">The fixed point.</param>
/// <param name="Kind">Finite, trivial (0) or divergent (none).</param>
public sealed record VarianceFixedPoint(double QStar, FixedPointKind Kind);
