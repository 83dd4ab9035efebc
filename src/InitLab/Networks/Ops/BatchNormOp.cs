using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>batch_norm</c> with batch statistics (training mode, as at the first training step; Ioffe &amp; Szegedy 2015): for each
/// channel c (the first dimension of a (C, *spatial) or (C) input), mean and biased variance over the batch and the spatial
/// positions, y = gamma_c (x - mu_c) / sqrt(var_c + eps) + beta_c. gamma = 1, beta = 0 by default (PyTorch), eps = 1e-5.
/// </summary>
/// <remarks>Backward: the batch statistics are differentiated through (see <see cref="Normalization"/>).</remarks>
public sealed class BatchNormOp : Op, IMomentRule
{
    /// <summary>Creates a batch norm.</summary>
    /// <exception cref="ArgumentException">eps &lt;= 0.</exception>
    public BatchNormOp(double epsilon = 1e-5, bool affine = true)
    {
        Guard.Positive(epsilon, "eps");
        Epsilon = epsilon;
        Affine = affine;
    }

    /// <inheritdoc/>
    public override string Kind => "batch_norm";

    /// <summary>eps added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether gamma and beta exist.</summary>
    public bool Affine { get; }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        RequireRank(inputs, 1, "an input (channels, *spatial)");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs) => Affine
        ? [new("weight", new Shape(inputs[0][0]), ParameterRole.Scale, Init.Ones()), new("bias", new Shape(inputs[0][0]), ParameterRole.Shift, Init.Zeros())]
        : [];

    private Normalization Layout(Shape input, int batch)
    {
        int c = input[0], p = (int)(input.Size / c);
        return new Normalization { Sets = c, Runs = batch, RunLength = p, SetStride = p, RunStride = c * p, AffineModulus = c, AffineStep = 1, AffineDivisor = p, Epsilon = Epsilon };
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass) =>
        pass.State = Layout(pass.InputShape(0), pass.Batch).Forward(pass.Input(0), pass.Output,
            Affine ? pass.Parameter(0) : null, Affine ? pass.Parameter(1) : null, pass.Threads);

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass) =>
        Layout(pass.InputShape(0), pass.Batch).Backward(pass.Input(0), pass.OutputGradient, ((double[], double[]))pass.State!,
            Affine ? pass.Parameter(0) : null, pass.InputGradient(0), Affine ? pass.ParameterGradient(0) : null, Affine ? pass.ParameterGradient(1) : null, pass.Threads);

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("eps", Epsilon);
        a.Set("affine", Affine);
    }

    internal static Op Read(OpAttributes a) => new BatchNormOp(a.Number("eps", 1e-5), a.Boolean("affine", true));

    // ---- moment rule ----

    /// <summary>
    /// Moments: per channel, one set over the batch and the spatial positions (see <see cref="NormalizationMoments"/>): the output has
    /// mean E[beta] and second moment E[gamma^2] v/(v + eps) + E[beta^2] (plus the spread of the position means at the borders),
    /// and the per-channel offsets that make two examples covariant are removed. Backward: E[gamma^2] (1 - 2/(B P)) / (v + eps).
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context) => MomentRun(context).State;

    private (MomentState State, double[] InvVar, double[] XhatSecond, double SetSize, double[] SetMean, double[] MeanShare) MomentRun(MomentContext context) =>
        context.Memo("normalization", () => ComputeMomentRun(context));

    private (MomentState State, double[] InvVar, double[] XhatSecond, double SetSize, double[] SetMean, double[] MeanShare) ComputeMomentRun(MomentContext context)
    {
        var x = context.Input(0, 0);
        MomentRules.NoteRankOne(context, x);
        var layout = new NormalizationMoments
        {
            SetAxes = Enumerable.Range(0, x.Shape.Rank).Select(a => a != 0).ToArray(), AcrossBatch = true, Center = true, Epsilon = Epsilon,
        };
        return layout.Forward(x, context.Node.Index, context.Batch, Affine ? context.Law("weight") : null, Affine ? context.Law("bias") : null);
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var r = MomentRun(context);
        NormalizationMoments.Backward(context, gradients, 0, r.InvVar, r.XhatSecond, r.SetSize, true, Affine ? context.Law("weight") : null, Affine);
    }

    double[]? IMomentRule.Cross(MomentContext context, int other)
    {
        var r = MomentRun(context);
        return NormalizationMoments.Cross(context, other, 0, r.InvVar, r.SetMean, r.MeanShare, Affine ? context.Law("weight") : null, Affine ? context.Law("bias") : null);
    }
}
