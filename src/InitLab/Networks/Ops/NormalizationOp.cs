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
    MomentState IMomentRule.Forward(MomentContext context) => StatisticsParameter >= 0 ? Running(context).State : MomentRun(context).State;

    /// <summary>
    /// Running statistics (inference mode): y = a_c (x - m_c) + b_c with a_c = gamma_c / sqrt(v_c + eps), m_c, v_c the stored
    /// running mean and variance of channel c and b_c = beta_c: an affine map per channel, so its moments are exact. Averaged over the
    /// channels (gamma, beta by their values when given or constant, else by their i.i.d. laws, independent of each other):
    /// E[y] = mean_c (E[gamma_c] s_c (mu - m_c) + E[b_c]), E[y^2] = mean_c (E[gamma_c^2] s_c^2 (q - 2 mu m_c + m_c^2)
    /// + 2 E[gamma_c] E[b_c] s_c (mu - m_c) + E[b_c^2]) with s_c = 1/sqrt(v_c + eps), mu, q the input's mean and second moment; the
    /// residual covariances scale by E[a^2] = mean_c E[gamma_c^2] s_c^2, and the offset (what every example shares) is
    /// E[a^2] A^2 plus the variance over channels of the per-channel constant a_c (mu - m_c) + b_c. With one (a, b) for every channel
    /// y is that affine map of x (its law kept); else a per-channel mixture (law not tracked). Backward: E[(dL/dx)^2] = E[a^2] E[g^2].
    /// </summary>
    private (MomentState State, double Scale2, double[] MeanScale, double[] MeanShift, double[] XhatSecond) Running(MomentContext context) =>
        context.Memo("running", () =>
        {
            var layout = MomentLayout(context.Node.InputShapes[0]);
            var x = context.Input(0, layout.FeatureAxis);
            int channels = context.Node.InputShapes[0][layout.FeatureAxis];
            var rm = Values(context, context.Law("running_mean"), channels, random: null);
            var rv = Values(context, context.Law("running_var"), channels, random: null);
            var gamma = Gamma(context);
            var beta = Beta(context);
            double[] g1 = Values(context, gamma, channels, random: l => l.Mean, one: 1), g2 = Values(context, gamma, channels, random: l => l.Second, one: 1, square: true);
            double[] b1 = Values(context, beta, channels, random: l => l.Mean, one: 0), b2 = Values(context, beta, channels, random: l => l.Second, one: 0, square: true);
            var s = new double[channels];
            for (int c = 0; c < channels; c++)
            {
                if (!(rv[c] + layout.Epsilon > 0))
                    throw new ArgumentException($"node '{context.Node.Name}': running_var[{c}] + eps = {rv[c] + layout.Epsilon:G4} is not positive.", nameof(context));
                s[c] = 1 / Math.Sqrt(rv[c] + layout.Epsilon);
            }
            double scale2 = 0;
            for (int c = 0; c < channels; c++) scale2 += g2[c] * s[c] * s[c] / channels;
            int positions = x.Positions;
            var mean = new double[positions];
            var second = new double[positions];
            var offset = new double[positions];
            var meanScale = new double[positions];
            var meanShift = new double[positions];
            var xhat2 = new double[positions];
            for (int p = 0; p < positions; p++)
            {
                double mu = x.Mean[p], q = x.Second[p], m1 = 0, m2 = 0, k2 = 0, a1 = 0;
                for (int c = 0; c < channels; c++) xhat2[p] += s[c] * s[c] * (q - 2 * mu * rm[c] + rm[c] * rm[c]) / channels;
                for (int c = 0; c < channels; c++)
                {
                    double d = mu - rm[c];
                    m1 += (g1[c] * s[c] * d + b1[c]) / channels;
                    m2 += (g2[c] * s[c] * s[c] * (q - 2 * mu * rm[c] + rm[c] * rm[c]) + 2 * g1[c] * b1[c] * s[c] * d + b2[c]) / channels;
                    k2 += (g2[c] * s[c] * s[c] * d * d + 2 * g1[c] * b1[c] * s[c] * d + b2[c]) / channels;
                    a1 += g1[c] * s[c] / channels;
                }
                mean[p] = m1;
                second[p] = m2;
                offset[p] = (a1 * x.Offset[p] < 0 ? -1 : 1) * Math.Sqrt(Math.Max(0, scale2 * x.Offset[p] * x.Offset[p] + k2 - m1 * m1));
                meanScale[p] = a1;
                meanShift[p] = m1 - a1 * mu;
            }
            // One affine map for every channel: the law of a x + b is tracked exactly.
            bool uniform = Enumerable.Range(1, channels - 1).All(c => g1[c] == g1[0] && g2[c] == g1[0] * g1[0] && b2[c] == b1[0] * b1[0] && b1[c] == b1[0]
                && s[c] == s[0] && rm[c] == rm[0]) && g2[0] == g1[0] * g1[0] && b2[0] == b1[0] * b1[0];
            var law = uniform ? MomentRules.Affine(x.Law, g1[0] * s[0], b1[0] - g1[0] * s[0] * rm[0]) : null;
            law ??= MomentLaw.Other(uniform ? "an affine map of a law the engine does not track" : "a per-channel affine map (running statistics that differ between channels)");
            var state = new MomentState(context.Node.Shape, layout.FeatureAxis, mean, second, offset, scale2 * x.ResidualExample,
                scale2 * x.ResidualPosition, scale2 * x.ResidualCross, law);
            return (state, scale2, meanScale, meanShift, xhat2);
        });

    /// <summary>
    /// Per channel: the values of a constant or given parameter (squared when <paramref name="square"/>); for an i.i.d. random one
    /// <paramref name="random"/>(law) for every channel (refused when <paramref name="random"/> is null: running statistics must be
    /// known values); <paramref name="one"/> for every channel when the parameter is absent.
    /// </summary>
    private static double[] Values(MomentContext context, ParameterLaw? law, int channels, Func<ParameterLaw, double>? random, double one = 0, bool square = false)
    {
        if (law is null) return Fields.Constant(channels, square ? one * one : one);
        if (law.Parameter.Initializer is Initializers.GivenInitializer given)
        {
            var v = given.Values;
            var r = new double[channels];
            for (int c = 0; c < channels; c++) r[c] = square ? (double)v[c] * v[c] : v[c];
            return r;
        }
        if (law.Variance == 0) return Fields.Constant(channels, square ? law.Mean * law.Mean : law.Mean);
        if (random is null)
            throw new ArgumentException($"node '{context.Node.Name}': the moments engine treats running statistics of known values (constants or given tensors); '{law.Parameter.Name}' is drawn by {law.Parameter.Initializer.Name}.", nameof(context));
        return Fields.Constant(channels, random(law));
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
        if (StatisticsParameter >= 0)
        {
            // dL/dx = a_c dL/dy: E[(dL/dx)^2] = E[a^2] E[g^2]; dL/dgamma_c = sum g (x - m_c) s_c, dL/dbeta_c = sum g.
            var run = Running(context);
            var g = gradients.Output;
            double units = context.Output.Units, b = context.Batch, dGamma = 0, dBeta = 0;
            for (int p = 0; p < g.Length; p++)
            {
                dGamma += g[p] * run.XhatSecond[p];
                dBeta += g[p];
            }
            gradients.Add(0, g.Select(v => v * run.Scale2).ToArray(), run.State.FeatureAxis);
            if (HasScale) gradients.AddParameter(b * units * dGamma);
            if (HasShift) gradients.AddParameter(b * units * dBeta);
            return;
        }
        var r = MomentRun(context);
        var layout = MomentLayout(context.Node.InputShapes[0]);
        NormalizationMoments.Backward(context, gradients, layout.FeatureAxis, r.InvVar, r.XhatSecond, r.SetSize, layout.Center, Gamma(context), HasShift);
    }

    double[]? IMomentRule.Cross(MomentContext context, int other)
    {
        if (StatisticsParameter >= 0)
        {
            // E[a y] = E[a_c] E[a x] + E[b_c - a_c m_c] E[a] (the channel's constants independent of the other node).
            var run = Running(context);
            var ax = context.CrossWithInput(other, 0, run.State.FeatureAxis);
            var a = context.StateOf(other).ToLayout(run.State.FeatureAxis);
            return ax.Select((v, p) => run.MeanScale[p] * v + run.MeanShift[p] * a.Mean[p]).ToArray();
        }
        var r = MomentRun(context);
        return NormalizationMoments.Cross(context, other, MomentLayout(context.Node.InputShapes[0]).FeatureAxis, r.InvVar, r.SetMean, r.MeanShare,
            Gamma(context), Beta(context));
    }
}
