using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// The shared half of batch, layer, group and RMS norm: an op that splits its input into sets (<see cref="Layout"/>), normalizes
/// each, and applies parameter 0 as gamma (when <see cref="HasScale"/>) and the next as beta (when <see cref="HasShift"/>).
/// </summary>
public abstract class NormalizationOp : Op, IMomentRule, IErrorBoundRule
{
    private protected NormalizationOp() { }

    /// <summary>Whether gamma exists (the op's first parameter).</summary>
    private protected abstract bool HasScale { get; }

    /// <summary>Whether beta exists (the parameter after gamma).</summary>
    private protected abstract bool HasShift { get; }

    /// <summary>The sets an input of <paramref name="input"/> shape and <paramref name="batch"/> examples splits into.</summary>
    private protected abstract Normalization Layout(Shape input, int batch);

    /// <summary>The sets of the moment rule (see <see cref="NormalizationMoments"/>) for an input of <paramref name="input"/> shape.</summary>
    private protected abstract NormalizationMoments MomentLayout(Shape input);

    /// <summary>
    /// The index of the parameter holding each set's given mean (the next holds its variance), or -1 when the op normalizes by
    /// the measured statistics (batch norm in inference mode uses its running statistics).
    /// </summary>
    private protected virtual int StatisticsParameter => -1;

    private Normalization Layout<T>(Shape input, int batch, Func<int, T[]> parameter) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var layout = Layout(input, batch);
        if (StatisticsParameter >= 0)
            layout.Fixed = (Array.ConvertAll(parameter(StatisticsParameter), v => double.CreateTruncating(v)),
                Array.ConvertAll(parameter(StatisticsParameter + 1), v => double.CreateTruncating(v)));
        return layout;
    }

    /// <inheritdoc/>
    public sealed override void Forward<T>(ForwardPass<T> pass) =>
        pass.State = Layout<T>(pass.InputShape(0), pass.Batch, pass.Parameter).Forward(pass.Input(0), pass.Output,
            HasScale ? pass.Parameter(0) : null, HasShift ? pass.Parameter(HasScale ? 1 : 0) : null, pass.Threads);

    /// <inheritdoc/>
    /// <remarks>See <see cref="Normalization.ErrorBound"/>.</remarks>
    public void ErrorBound(ErrorBoundPass pass) =>
        Layout<double>(pass.Node.InputShapes[0], pass.Batch, pass.Parameter).ErrorBound(pass.Input(0), pass.InputError(0), pass.Output,
            HasScale ? pass.Parameter(0) : null, HasShift ? pass.Parameter(HasScale ? 1 : 0) : null, pass.Error);

    /// <inheritdoc/>
    public sealed override void Backward<T>(BackwardPass<T> pass)
    {
        Layout<T>(pass.InputShape(0), pass.Batch, pass.Parameter).Backward(pass.Input(0), pass.OutputGradient, ((double[], double[]))pass.State!,
            HasScale ? pass.Parameter(0) : null, pass.InputGradient(0), HasScale ? pass.ParameterGradient(0) : null,
            HasShift ? pass.ParameterGradient(HasScale ? 1 : 0) : null, pass.Threads);
        // Running statistics are buffers, not trained by gradient descent: their gradient is zero.
        if (StatisticsParameter >= 0)
        {
            Array.Clear(pass.ParameterGradient(StatisticsParameter));
            Array.Clear(pass.ParameterGradient(StatisticsParameter + 1));
        }
    }

    // ---- moment rule ----

    /// <summary>
    /// Moments: each set's mean and biased variance are replaced by their expectations under the input's means, offsets and
    /// residual covariances (<see cref="NormalizationMoments"/>): E[xhat^2] averages v/(v + eps) over a set, batch norm removes a
    /// channel's offset (up to its variation over the positions), layer norm keeps the units' offsets, and gamma, beta enter with
    /// their laws. Backward: E[(dL/dx)^2] = E[gamma^2] E[(dL/dy)^2] (1 - 2/|S|) / (v + eps) (1 - 1/|S| without centering).
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        if (StatisticsParameter >= 0)
            throw new ArgumentException($"the moments engine normalizes by the batch's statistics; this {Kind} normalizes by its stored running statistics (inference mode), which it does not treat.", nameof(context));
        return MomentRun(context).State;
    }

    private (MomentState State, double[] InvVar, double[] XhatSecond, double SetSize, double[] SetMean, double[] MeanShare) MomentRun(MomentContext context) =>
        context.Memo("normalization", () =>
        {
            var layout = MomentLayout(context.Node.InputShapes[0]);
            var x = context.Input(0, layout.FeatureAxis);
            if (layout.AcrossBatch) MomentRules.NoteRankOne(context, x);
            return layout.Forward(x, context.Node.Index, context.Batch, Gamma(context), Beta(context));
        });

    private ParameterLaw? Gamma(MomentContext context) => HasScale ? context.Law("weight") : null;

    private ParameterLaw? Beta(MomentContext context) => HasShift ? context.Law("bias") : null;

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var r = MomentRun(context);
        var layout = MomentLayout(context.Node.InputShapes[0]);
        NormalizationMoments.Backward(context, gradients, layout.FeatureAxis, r.InvVar, r.XhatSecond, r.SetSize, layout.Center, Gamma(context), HasShift);
    }

    double[]? IMomentRule.Cross(MomentContext context, int other)
    {
        var r = MomentRun(context);
        return NormalizationMoments.Cross(context, other, MomentLayout(context.Node.InputShapes[0]).FeatureAxis, r.InvVar, r.SetMean, r.MeanShare,
            Gamma(context), Beta(context));
    }
}
