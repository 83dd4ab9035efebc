using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>rms_norm</c> (Zhang &amp; Sennrich 2019) over the last <see cref="NormalizedDims"/> dimensions: y = gamma x / sqrt(mean(x^2) + eps)
/// (+ beta with <c>bias</c>), no centering; gamma = 1 (and beta = 0) of the normalized shape; eps = 1e-6 (T5, LLaMA).
/// </summary>
/// <remarks>Backward with r = 1/sqrt(mean(x^2) + eps) and g = dL/dy gamma: dL/dx = r (g - x r^2 mean(g x)).</remarks>
public sealed class RmsNormOp : NormalizationOp
{
    /// <summary>Creates an RMS norm.</summary>
    /// <exception cref="ArgumentException">normalizedDims &lt; 1 or eps &lt;= 0.</exception>
    public RmsNormOp(int normalizedDims = 1, double epsilon = 1e-6, bool bias = false)
    {
        if (normalizedDims < 1) throw new ArgumentException($"normalized_dims must be >= 1, got {normalizedDims}.", nameof(normalizedDims));
        Guard.Positive(epsilon, "eps");
        NormalizedDims = normalizedDims;
        Epsilon = epsilon;
        Bias = bias;
    }

    /// <inheritdoc/>
    public override string Kind => "rms_norm";

    /// <summary>How many trailing dimensions each normalized slice spans.</summary>
    public int NormalizedDims { get; }

    /// <summary>eps added to the mean square.</summary>
    public double Epsilon { get; }

    /// <summary>Whether an additive beta exists.</summary>
    public bool Bias { get; }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        if (inputs[0].Rank < NormalizedDims)
            throw new ArgumentException($"normalizes the last {NormalizedDims} dimension(s) of an input of shape {inputs[0]}.");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs)
    {
        var shape = new Shape(inputs[0].Dims[(inputs[0].Rank - NormalizedDims)..].ToArray());
        var gamma = new ParameterSpec("weight", shape, ParameterRole.Scale, Init.Ones());
        return Bias ? [gamma, new("bias", shape, ParameterRole.Shift, Init.Zeros())] : [gamma];
    }

    private protected override Normalization Layout(Shape input, int batch) => LayerNormOp.Slices(input, NormalizedDims, batch, Epsilon, false);

    /// <summary>Moments: one set per example and slice of the last <see cref="NormalizedDims"/> dimensions, no centering.</summary>
    private protected override NormalizationMoments MomentLayout(Shape input) => new()
    {
        FeatureAxis = input.Rank - 1, SetAxes = Enumerable.Range(0, input.Rank).Select(a => a >= input.Rank - NormalizedDims).ToArray(),
        AcrossBatch = false, Center = false, Epsilon = Epsilon,
    };

    private protected override bool HasScale => true;

    private protected override bool HasShift => Bias;

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("normalized_dims", NormalizedDims);
        a.Set("eps", Epsilon);
        a.Set("bias", Bias);
    }

    internal static Op Read(OpAttributes a) => new RmsNormOp(a.Integer("normalized_dims", 1), a.Number("eps", 1e-6), a.Boolean("bias", false));
}
