using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>layer_norm</c> (Ba et al. 2016) over the last <see cref="NormalizedDims"/> dimensions (PyTorch's
/// <c>nn.LayerNorm(normalized_shape)</c>; default: the features of each token): y = gamma (x - mu) / sqrt(var + eps) + beta with
/// the mean and biased variance of each normalized slice; gamma = 1, beta = 0 of the normalized shape; eps = 1e-5.
/// </summary>
public sealed class LayerNormOp : NormalizationOp
{
    /// <summary>Creates a layer norm over the last <paramref name="normalizedDims"/> dimensions.</summary>
    /// <exception cref="ArgumentException">normalizedDims &lt; 1 or eps &lt;= 0.</exception>
    public LayerNormOp(int normalizedDims = 1, double epsilon = 1e-5, bool affine = true)
    {
        if (normalizedDims < 1) throw new ArgumentException($"normalized_dims must be >= 1, got {normalizedDims}.", nameof(normalizedDims));
        Guard.Positive(epsilon, "eps");
        NormalizedDims = normalizedDims;
        Epsilon = epsilon;
        Affine = affine;
    }

    /// <inheritdoc/>
    public override string Kind => "layer_norm";

    /// <summary>How many trailing dimensions each normalized slice spans.</summary>
    public int NormalizedDims { get; }

    /// <summary>eps added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether gamma and beta exist.</summary>
    public bool Affine { get; }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        if (inputs[0].Rank < NormalizedDims)
            throw new ArgumentException($"normalizes the last {NormalizedDims} dimension(s) of an input of shape {inputs[0]}.");
        return inputs[0];
    }

    private Shape Normalized(Shape input) => new(input.Dims[(input.Rank - NormalizedDims)..].ToArray());

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs) => Affine
        ? [new("weight", Normalized(inputs[0]), ParameterRole.Scale, Init.Ones()), new("bias", Normalized(inputs[0]), ParameterRole.Shift, Init.Zeros())]
        : [];

    private protected override Normalization Layout(Shape input, int batch) => Slices(input, NormalizedDims, batch, Epsilon, true);

    internal static Normalization Slices(Shape input, int normalizedDims, int batch, double eps, bool center)
    {
        int n = (int)new Shape(input.Dims[(input.Rank - normalizedDims)..].ToArray()).Size;
        int sets = (int)(batch * (input.Size / n));
        return new Normalization { Sets = sets, Runs = 1, RunLength = n, SetStride = n, AffineStep = 0, Epsilon = eps, Center = center };
    }

    /// <summary>Moments: one set per example and slice of the last <see cref="NormalizedDims"/> dimensions.</summary>
    private protected override NormalizationMoments MomentLayout(Shape input) => new()
    {
        FeatureAxis = input.Rank - 1, SetAxes = Enumerable.Range(0, input.Rank).Select(a => a >= input.Rank - NormalizedDims).ToArray(),
        AcrossBatch = false, Center = true, Epsilon = Epsilon,
    };

    private protected override bool HasScale => Affine;

    private protected override bool HasShift => Affine;

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("normalized_dims", NormalizedDims);
        a.Set("eps", Epsilon);
        a.Set("affine", Affine);
    }

    internal static Op Read(OpAttributes a) => new LayerNormOp(a.Integer("normalized_dims", 1), a.Number("eps", 1e-5), a.Boolean("affine", true));
}
