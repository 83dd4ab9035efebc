using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>rms_norm</c> (Zhang &amp; Sennrich 2019) over the last <see cref="NormalizedDims"/> dimensions: y = gamma x / sqrt(mean(x^2) + eps)
/// (+ beta with <c>bias</c>), no centering; gamma = 1 (and beta = 0) of the normalized shape; eps = 1e-6 (T5, LLaMA).
/// </summary>
/// <remarks>Backward with r = 1/sqrt(mean(x^2) + eps) and g = dL/dy gamma: dL/dx = r (g - x r^2 mean(g x)).</remarks>
public sealed class RmsNormOp : Op, IMomentRule
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

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass) =>
        pass.State = LayerNormOp.Slices(pass.InputShape(0), NormalizedDims, pass.Batch, Epsilon, false).Forward(pass.Input(0), pass.Output,
            pass.Parameter(0), Bias ? pass.Parameter(1) : null, pass.Threads);

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass) =>
        LayerNormOp.Slices(pass.InputShape(0), NormalizedDims, pass.Batch, Epsilon, false).Backward(pass.Input(0), pass.OutputGradient, ((double[], double[]))pass.State!,
            pass.Parameter(0), pass.InputGradient(0), pass.ParameterGradient(0), Bias ? pass.ParameterGradient(1) : null, pass.Threads);

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("normalized_dims", NormalizedDims);
        a.Set("eps", Epsilon);
        a.Set("bias", Bias);
    }

    internal static Op Read(OpAttributes a) => new RmsNormOp(a.Integer("normalized_dims", 1), a.Number("eps", 1e-6), a.Boolean("bias", false));

    // ---- moment rule ----

    /// <summary>
    /// Moments: y = gamma x / sqrt(ms + eps) per slice, no centering (see <see cref="NormalizationMoments"/>): E[y] = E[gamma] E[x] /
    /// sqrt(ms + eps), E[y^2] = E[gamma^2] E[x^2] / (ms + eps) with ms the slice's mean square. Backward: E[gamma^2] (1 - 1/n) / (ms + eps).
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
            SetAxes = Enumerable.Range(0, rank).Select(a => a >= rank - NormalizedDims).ToArray(), AcrossBatch = false, Center = false, Epsilon = Epsilon,
        };
        return layout.Forward(x, context.Node.Index, context.Batch, context.Law("weight"), Bias ? context.Law("bias") : null);
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var r = MomentRun(context);
        NormalizationMoments.Backward(context, gradients, -1, r.InvVar, r.XhatSecond, r.SetSize, false, context.Law("weight"), Bias);
    }

    double[]? IMomentRule.Cross(MomentContext context, int other)
    {
        var r = MomentRun(context);
        return NormalizationMoments.Cross(context, other, context.Output.FeatureAxis, r.InvVar, r.SetMean, r.MeanShare, context.Law("weight"), Bias ? context.Law("bias") : null);
    }
}
