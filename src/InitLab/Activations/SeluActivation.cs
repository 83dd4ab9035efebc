namespace InitLab.Activations;

/// <summary>
/// selu (Klambauer et al. 2017, eq. 2): phi(x) = lambda x for x &gt; 0 and lambda alpha (e^x - 1) otherwise;
/// phi'(x) = lambda, or lambda alpha e^x for x &lt;= 0. The constants are the paper's fixed point of the
/// mean/variance map for unit-variance inputs.
/// </summary>
internal sealed class SeluActivation() : KernelActivation<ExponentialLinearKernel>(new(Lambda, Alpha))
{
    /// <summary>lambda_01 of Klambauer et al. (the same digits as PyTorch's torch.nn.SELU).</summary>
    public const double Lambda = 1.0507009873554804934193349852946;

    /// <summary>alpha_01 of Klambauer et al.</summary>
    public const double Alpha = 1.6732632423543772848170429916717;

    private static readonly double[] KinkAtZero = [0.0];

    public override string Name => "selu";
    public override IReadOnlyList<double> Kinks => KinkAtZero;
}
