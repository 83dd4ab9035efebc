using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>group_norm</c> (Wu &amp; He 2018): the C channels of a (C, *spatial) input split into G groups of C/G; each image's group is
/// normalized by its own mean and biased variance, then y = gamma_c xhat + beta_c per channel; gamma = 1, beta = 0; eps = 1e-5.
/// One group is layer norm over (C, *spatial); C groups is instance norm.
/// </summary>
public sealed class GroupNormOp : Op, IMomentRule
{
    /// <summary>Creates a group norm with <paramref name="groups"/> groups.</summary>
    /// <exception cref="ArgumentException">groups &lt; 1 or eps &lt;= 0.</exception>
    public GroupNormOp(int groups, double epsilon = 1e-5, bool affine = true)
    {
        if (groups < 1) throw new ArgumentException($"groups must be >= 1, got {groups}.", nameof(groups));
        Guard.Positive(epsilon, "eps");
        Groups = groups;
        Epsilon = epsilon;
        Affine = affine;
    }

    /// <inheritdoc/>
    public override string Kind => "group_norm";

    /// <summary>Number of groups G.</summary>
    public int Groups { get; }

    /// <summary>eps added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether gamma and beta exist.</summary>
    public bool Affine { get; }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        RequireRank(inputs, 1, "an input (channels, *spatial)");
        if (inputs[0][0] % Groups != 0)
            throw new ArgumentException($"groups {Groups} does not divide the {inputs[0][0]} channels.");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs) => Affine
        ? [new("weight", new Shape(inputs[0][0]), ParameterRole.Scale, Init.Ones()), new("bias", new Shape(inputs[0][0]), ParameterRole.Shift, Init.Zeros())]
        : [];

    private Normalization Layout(Shape input, int batch)
    {
        int c = input[0], p = (int)(input.Size / c), n = c / Groups * p;
        return new Normalization { Sets = batch * Groups, Runs = 1, RunLength = n, SetStride = n, AffineModulus = Groups, AffineStep = c / Groups, AffineDivisor = p, Epsilon = Epsilon };
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
        a.Set("groups", Groups);
        a.Set("eps", Epsilon);
        a.Set("affine", Affine);
    }

    internal static Op Read(OpAttributes a) => new GroupNormOp(a.Integer("groups"), a.Number("eps", 1e-5), a.Boolean("affine", true));

    // ---- moment rule ----

    /// <summary>
    /// Moments: one set per example and group of C/G channels over every position (see <see cref="NormalizationMoments"/>); the
    /// per-channel offsets stay (a group's mean averages G/C of them). Backward: E[gamma^2] (1 - 2/(P C/G)) / (v + eps).
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context) => MomentRun(context).State;

    private (MomentState State, double[] InvVar, double[] XhatSecond, double SetSize, double[] SetMean, double[] MeanShare) MomentRun(MomentContext context) =>
        context.Memo("normalization", () => ComputeMomentRun(context));

    private (MomentState State, double[] InvVar, double[] XhatSecond, double SetSize, double[] SetMean, double[] MeanShare) ComputeMomentRun(MomentContext context)
    {
        var x = context.Input(0, 0);
        var layout = new NormalizationMoments
        {
            SetAxes = Enumerable.Repeat(true, x.Shape.Rank).ToArray(), AcrossBatch = false, Center = true, Epsilon = Epsilon,
            UnitsPerSet = x.Units / Groups,
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
