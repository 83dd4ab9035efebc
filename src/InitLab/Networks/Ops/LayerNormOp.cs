using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>layer_norm</c> (Ba et al. 2016) over the last <see cref="NormalizedDims"/> dimensions (PyTorch's
/// <c>nn.LayerNorm(normalized_shape)</c>; default: the features of each token): y = gamma (x - mu) / sqrt(var + eps) + beta with
/// the mean and biased variance of each normalized slice; gamma = 1, beta = 0 of the normalized shape; eps = 1e-5.
/// </summary>
public sealed class LayerNormOp : Op, IMomentRule
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

    internal static Normalization Slices(Shape input, int normalizedDims, int batch, double eps, bool center)
    {
        int n = (int)new Shape(input.Dims[(input.Rank - normalizedDims)..].ToArray()).Size;
        int sets = (int)(batch * (input.Size / n));
        return new Normalization { Sets = sets, Runs = 1, RunLength = n, SetStride = n, AffineStep = 0, Epsilon = eps, Center = center };
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass) =>
        pass.State = Slices(pass.InputShape(0), NormalizedDims, pass.Batch, Epsilon, true).Forward(pass.Input(0), pass.Output,
            Affine ? pass.Parameter(0) : null, Affine ? pass.Parameter(1) : null, pass.Threads);

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass) =>
        Slices(pass.InputShape(0), NormalizedDims, pass.Batch, Epsilon, true).Backward(pass.Input(0), pass.OutputGradient, ((double[], double[]))pass.State!,
            Affine ? pass.Parameter(0) : null, pass.InputGradient(0), Affine ? pass.ParameterGradient(0) : null, Affine ? pass.ParameterGradient(1) : null, pass.Threads);

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("normalized_dims", NormalizedDims);
        a.Set("eps", Epsilon);
        a.Set("affine", Affine);
    }

    internal static Op Read(OpAttributes a) => new LayerNormOp(a.Integer("normalized_dims", 1), a.Number("eps", 1e-5), a.Boolean("affine", true));

    // ---- moment rule ----

    /// <summary>
    /// Moments: one set per token (per slice of the last <see cref="NormalizedDims"/> dimensions) and example (see
    /// <see cref="NormalizationMoments"/>): E[xhat^2] = v/(v + eps) with v = Var(x) (1 - 1/n) for n exchangeable features, so the
    /// output has second moment E[gamma^2] v/(v + eps) + E[beta^2] whatever the input's scale. Backward: E[gamma^2] (1 - 2/n)/(v + eps).
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context) => MomentRun(context).State;

    private (MomentState State, double[] InvVar, double[] XhatSecond, double SetSize, double[] SetMean, double[] MeanShare) MomentRun(MomentContext context) =>
        context.Memo("normalization", () => ComputeMomentRun(context));

    private (MomentState State, double[] InvVar, double[] XhatSecond, double SetSize, double[] SetMean, double[] MeanShare) ComputeMomentRun(MomentContext context)
    {
        var x = context.Input(0, -1);
        int rank = x.Shape.Rank;
        var layout = new NormalizationMoments
        {
            SetAxes = Enumerable.Range(0, rank).Select(a => a >= rank - NormalizedDims).ToArray(), AcrossBatch = false, Center = true, Epsilon = Epsilon,
        };
        return layout.Forward(x, context.Node.Index, context.Batch, Affine ? context.Law("weight") : null, Affine ? context.Law("bias") : null);
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var r = MomentRun(context);
        NormalizationMoments.Backward(context, gradients, -1, r.InvVar, r.XhatSecond, r.SetSize, true, Affine ? context.Law("weight") : null, Affine);
    }

    double[]? IMomentRule.Cross(MomentContext context, int other)
    {
        var r = MomentRun(context);
        return NormalizationMoments.Cross(context, other, context.Output.FeatureAxis, r.InvVar, r.SetMean, r.MeanShare, Affine ? context.Law("weight") : null, Affine ? context.Law("bias") : null);
    }
}
