namespace InitLab.LinearAlgebra;

/// <summary>
/// The result of power iteration on a rows x cols matrix A: the largest singular value estimate and its
/// singular vectors, related by the invariant u = A v / ||A v||, Sigma = u^T A v = ||A v||.
/// </summary>
/// <param name="Sigma">The estimate of sigma_max(A) (never above the true value, up to rounding).</param>
/// <param name="U">Left singular vector estimate (length rows, unit norm).</param>
/// <param name="V">Right singular vector estimate (length cols, unit norm).</param>
/// <param name="Iterations">Number of A v / A^T u pairs computed.</param>
/// <param name="Converged">True when the stopping test met the relative tolerance before the iteration limit.</param>
public sealed record SpectralNormEstimate(double Sigma, double[] U, double[] V, int Iterations, bool Converged)
{
    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"SpectralNormEstimate(sigma = {Sigma:G10}, iterations = {Iterations}, converged = {Converged})");
}
