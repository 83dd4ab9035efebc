using InitLab.Theory;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>add</c>: y = sum_i s_i x_i over inputs of one shape, with a scale s_i per input (default 1): a residual connection
/// x + alpha f(x) is add(x, f) with scales (1, alpha). dL/dx_i = s_i dL/dy.
/// </summary>
public sealed class AddOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>Creates an add; <paramref name="scales"/> null means 1 for every input.</summary>
    /// <exception cref="ArgumentException">A scale is not finite.</exception>
    public AddOp(IReadOnlyList<double>? scales = null)
    {
        if (scales is not null)
            for (int i = 0; i < scales.Count; i++)
                if (!double.IsFinite(scales[i]))
                    throw new ArgumentException($"scales[{i}] must be finite, got {scales[i]}.", nameof(scales));
        Scales = scales?.ToArray();
    }

    /// <inheritdoc/>
    public override string Kind => "add";

    /// <summary>The scale per input (null: all 1).</summary>
    public IReadOnlyList<double>? Scales { get; }

    /// <summary>The scale of input <paramref name="i"/>.</summary>
    public double Scale(int i) => Scales?[i] ?? 1.0;

    /// <inheritdoc/>
    public override int MinInputs => 2;

    /// <inheritdoc/>
    public override int MaxInputs => int.MaxValue;

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        if (Scales is not null && Scales.Count != inputs.Count)
            throw new ArgumentException($"has {Scales.Count} scales for {inputs.Count} inputs.");
        for (int i = 1; i < inputs.Count; i++)
            if (inputs[i] != inputs[0])
                throw new ArgumentException($"inputs must have one shape, got {inputs[0]} and {inputs[i]}.");
        return inputs[0];
    }

    /// <inheritdoc/>
    /// <remarks>Element-wise, so large tensors run in chunks on the pass's threads with the same bits as one serial call.</remarks>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var y = pass.Output;
        int n = pass.Node.Inputs.Count;
        var inputs = new T[n][];
        var scales = new T[n];
        for (int i = 0; i < n; i++)
        {
            inputs[i] = pass.Input(i);
            scales[i] = T.CreateTruncating(Scale(i));
        }
        Work.ElementChunks(y.Length, pass.Threads, (start, count) => Sum(y.AsSpan(start, count), scales, inputs, start));
    }

    /// <summary>y = s0 x0, then y += s_i x_i input by input (each product and each sum rounded once, in that order); the first
    /// two inputs in one vector pass. The inputs are read from <paramref name="offset"/> on.</summary>
    private static void Sum<T>(Span<T> y, T[] scales, T[][] inputs, int offset) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var x0 = inputs[0].AsSpan(offset, y.Length);
        int start = 1;
        if (inputs.Length >= 2)
        {
            ScaledSum(y, scales[0], x0, scales[1], inputs[1].AsSpan(offset, y.Length));
            start = 2;
        }
        else
            for (int j = 0; j < y.Length; j++) y[j] = scales[0] * x0[j];
        for (int i = start; i < inputs.Length; i++)
            Work.AddScaled<T>(y, scales[i], inputs[i].AsSpan(offset, y.Length));
    }

    /// <summary>y = s0 x0 + s1 x1 element-wise (both products rounded, then the sum: the bits of y = s0 x0; y += s1 x1).</summary>
    private static void ScaledSum<T>(Span<T> y, T s0, ReadOnlySpan<T> x0, T s1, ReadOnlySpan<T> x1) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (x0.Length < y.Length || x1.Length < y.Length) throw new ArgumentException("an input is shorter than the output.");
        int j = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var v0 = new System.Numerics.Vector<T>(s0);
            var v1 = new System.Numerics.Vector<T>(s1);
            for (; j <= y.Length - System.Numerics.Vector<T>.Count; j += System.Numerics.Vector<T>.Count)
                (v0 * new System.Numerics.Vector<T>(x0.Slice(j)) + v1 * new System.Numerics.Vector<T>(x1.Slice(j))).CopyTo(y.Slice(j));
        }
        for (; j < y.Length; j++)
        {
            T a = s0 * x0[j];
            y[j] = a + s1 * x1[j];
        }
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        for (int i = 0; i < pass.Node.Inputs.Count; i++)
            if (pass.InputGradient(i) is { } dx)
                Work.AddScaled<T>(dx, T.CreateTruncating(Scale(i)), pass.OutputGradient);
    }

    /// <inheritdoc/>
    /// <remarks>sum |s_i| e_i + gamma_(n + 1) sum |s_i x_i| (n scaled terms, n - 1 sums).</remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        int n = pass.Node.Inputs.Count;
        double g = ErrorBoundPass.Gamma(n + 1);
        for (int k = 0; k < n; k++)
        {
            double s = Math.Abs(Scale(k));
            var x = pass.Input(k);
            var e = pass.InputError(k);
            for (int i = 0; i < pass.Error.Length; i++) pass.Error[i] += s * (e[i] + g * Math.Abs(x[i]));
        }
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        if (Scales is not null) a.Set("scales", Scales);
    }

    internal static Op Read(OpAttributes a) => new AddOp(a.Has("scales") ? a.Numbers("scales") : null);

    // ---- moment rule ----

    /// <summary>
    /// Moments: E[y] = sum s_i E[x_i], E[y^2] = sum_ij s_i s_j E[x_i x_j], where E[x_i x_j] = E[x_i] E[x_j] for inputs that share no
    /// fresh random source (an identity shortcut and a branch that starts with a fresh weight) and the inputs' own cross moment
    /// otherwise (exact when both are element-wise maps of one Gaussian, e.g. x + relu(x)). A sum of independent Gaussians is
    /// Gaussian; a sum of maps of one Gaussian is a map of it. Backward: E[(dL/dx_i)^2] = s_i^2 E[(dL/dy)^2].
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        int n = context.InputCount, axis = context.Input(0).FeatureAxis;
        var xs = Enumerable.Range(0, n).Select(i => context.Input(i, axis)).ToArray();
        int positions = xs[0].Positions;
        var mean = new double[positions];
        var second = new double[positions];
        var offsetSquare = new double[positions];
        var offsetSum = new double[positions];
        double resExample = 0, resPosition = 0, resCross = 0;
        for (int i = 0; i < n; i++)
        {
            double si = Scale(i);
            for (int p = 0; p < positions; p++)
            {
                mean[p] += si * xs[i].Mean[p];
                second[p] += si * si * xs[i].Second[p];
                offsetSquare[p] += si * si * xs[i].Offset[p] * xs[i].Offset[p];
                offsetSum[p] += si * xs[i].Offset[p];
            }
            resExample += si * si * xs[i].ResidualExample;
            resPosition += si * si * xs[i].ResidualPosition;
            resCross += si * si * xs[i].ResidualCross;
            for (int j = i + 1; j < n; j++)
            {
                double sj = Scale(j);
                var cross = context.CrossInputs(i, j, axis);
                for (int p = 0; p < positions; p++) second[p] += 2 * si * sj * cross[p];
                if (context.Independent(i, j)) continue;
                // Dependent inputs: their offsets and remainders taken as correlated as the elements are (an approximation).
                double cov = cross.Average() - xs[i].Mean.Zip(xs[j].Mean, (a, b) => a * b).Average();
                double rho = Math.Clamp(cov / Math.Sqrt(Math.Max(1e-300, xs[i].AverageVariance * xs[j].AverageVariance)), -1, 1);
                for (int p = 0; p < positions; p++) offsetSquare[p] += 2 * si * sj * rho * Math.Abs(xs[i].Offset[p] * xs[j].Offset[p]);
                resExample += 2 * si * sj * rho * Math.Sqrt(Math.Max(0, xs[i].ResidualExample * xs[j].ResidualExample));
                resPosition += 2 * si * sj * rho * Math.Sqrt(Math.Max(0, xs[i].ResidualPosition * xs[j].ResidualPosition));
                resCross += 2 * si * sj * rho * Math.Sqrt(Math.Max(0, xs[i].ResidualCross * xs[j].ResidualCross));
                if (rho != 0 && (xs[i].CovExample != 0 || xs[j].CovExample != 0 || xs[i].CovPosition != 0 || xs[j].CovPosition != 0)) context.Assume($"the covariance across examples of inputs '{context.Node.Inputs[i]}' and '{context.Node.Inputs[j]}' taken at their correlation {rho:G3} within an element");
            }
        }
        // The offsets of independent inputs are independent Gaussians: their sum is one of variance sum s_i^2 A_i^2 (its sign where the
        // signed amplitudes point).
        var offset = new double[positions];
        for (int p = 0; p < positions; p++) offset[p] = (offsetSum[p] < 0 ? -1 : 1) * Math.Sqrt(Math.Max(0, offsetSquare[p]));
        return new MomentState(context.Node.Shape, axis, mean, second, offset, resExample, resPosition, resCross, SumLaw(context, xs));
    }

    /// <summary>
    /// The law of the sum. Independent inputs: the Gaussian ones form an independent Gaussian part (noise); one non-Gaussian input
    /// keeps its law with that noise added (a map of a Gaussian stays exact); several become one Gauss rule for the sum of their
    /// non-Gaussian parts, exact in the moments to order 15 (the moments of a sum of independent parts convolve binomially). Inputs
    /// that are maps of one Gaussian: a map of it.
    /// </summary>
    private MomentLaw SumLaw(MomentContext context, MomentState[] xs)
    {
        int n = xs.Length, positions = xs[0].Positions;
        bool independent = true;
        for (int i = 0; i < n && independent; i++)
            for (int j = i + 1; j < n; j++)
                if (!context.Independent(i, j)) independent = false;
        if (independent && xs.All(x => x.Law.IsGaussian)) return MomentLaw.Gaussian(context.Node.Index);
        if (xs.All(x => x.Law.PureMap && x.Law.Origin == xs[0].Law.Origin))
            return new MomentLaw(LawKind.Mapped, xs[0].Law.Origin, ElementMap.Sum(xs.Select(x => x.Law.Map!).ToArray(), Enumerable.Range(0, n).Select(Scale).ToArray()), null);
        var others = Enumerable.Range(0, n).Where(i => !xs[i].Law.IsGaussian).ToArray();
        if (!independent || others.Any(i => xs[i].Law.Kind == LawKind.Other))
        {
            var parts = xs.Select(x => x.Law.Kind == LawKind.Other ? x.Law.Note ?? "a non-Gaussian value" : x.Law.IsGaussian ? "a Gaussian" : "a non-Gaussian value").Distinct();
            return MomentLaw.Other((independent ? "a sum of " : "a sum of dependent ") + string.Join(" and ", parts));
        }
        // The Gaussian part: the Gaussian inputs and the noise parts of the others.
        var noiseMean = new double[positions];
        var noiseVar = new double[positions];
        var partMean = new double[positions];
        var partVar = new double[positions];
        for (int i = 0; i < n; i++)
        {
            var x = xs[i];
            double s = Scale(i);
            for (int p = 0; p < positions; p++)
            {
                if (x.Law.IsGaussian)
                {
                    noiseMean[p] += s * x.Mean[p];
                    noiseVar[p] += s * s * x.VarianceAt(p);
                    continue;
                }
                double nm = x.Law.NoiseMean?[p] ?? 0, nv = x.Law.NoiseVariance?[p] ?? 0;
                noiseMean[p] += s * nm;
                noiseVar[p] += s * s * nv;
                partMean[p] += s * (x.Mean[p] - nm);
                partVar[p] += s * s * Math.Max(0, x.VarianceAt(p) - nv);
            }
        }
        if (others.Length == 1)
        {
            int i = others[0];
            var law = MomentRules.Affine(xs[i].Law with { NoiseMean = null, NoiseVariance = null }, Scale(i), 0)!;
            return law with { NoiseMean = noiseMean, NoiseVariance = noiseVar };
        }
        // Several non-Gaussian parts: the central moments of their sum at one position, from each part's (binomial convolution).
        int at = MomentRules.Representative(xs[others[0]]);
        const int order = 2 * MomentRules.RulePoints - 1;
        var central = new double[order + 1];
        central[0] = 1;
        foreach (int i in others)
        {
            var c = PartCentralMoments(context, xs[i], at, order);
            double s = Scale(i);
            for (int r = 1; r <= order; r++) c[r] *= Math.Pow(s, r);
            var next = new double[order + 1];
            for (int r = 0; r <= order; r++)
            {
                double binomial = 1;
                for (int j = 0; j <= r; j++)
                {
                    next[r] += binomial * central[j] * c[r - j];
                    binomial = binomial * (r - j) / (j + 1);
                }
            }
            central = next;
        }
        double sd = Math.Sqrt(central[2]);
        if (!(sd > 0)) return MomentLaw.Other("a sum of non-Gaussian values");
        for (int r = 0; r <= order; r++) central[r] /= Math.Pow(sd, r);
        if (xs.Any(x => !x.Uniform)) context.Assume("add: the shape of its law taken at one position (the positions' moments differ)");
        return new MomentLaw(LawKind.Quadrature, -1, null, "a sum of non-Gaussian values")
        {
            Rule = MomentQuadrature.FromMoments(central),
            PartMean = partMean,
            PartStd = partVar.Select(Math.Sqrt).ToArray(),
            NoiseMean = noiseMean,
            NoiseVariance = noiseVar,
        };
    }

    /// <summary>E[(y - E y)^r], r = 0..order, of the non-Gaussian part y of an input (without its Gaussian noise) at position p.</summary>
    private static double[] PartCentralMoments(MomentContext context, MomentState x, int p, int order)
    {
        var law = x.Law;
        var c = new double[order + 1];
        if (law.Kind == LawKind.Quadrature)
        {
            var (z, w) = law.Rule!.Value;
            double sd = law.PartStd![p];
            for (int r = 0; r <= order; r++)
                for (int k = 0; k < z.Length; k++) c[r] += w[k] * Math.Pow(sd * z[k], r);
            return c;
        }
        // A map f(g) of a Gaussian origin: one quadrature over g.
        var origin = context.StateOf(law.Origin).ToLayout(x.FeatureAxis);
        var map = law.Map!;
        var (xs, ws) = GaussianRule.Points(origin.Mean[p], Math.Sqrt(origin.VarianceAt(p)), map.Kinks);
        double mean = 0;
        for (int i = 0; i < xs.Length; i++) mean += ws[i] * map.F(xs[i]);
        for (int i = 0; i < xs.Length; i++)
        {
            double d = map.F(xs[i]) - mean, t = ws[i];
            for (int r = 0; r <= order; r++)
            {
                c[r] += t;
                t *= d;
            }
        }
        return c;
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var g = gradients.Output;
        int axis = context.Output.FeatureAxis;
        for (int i = 0; i < context.InputCount; i++)
        {
            double s2 = Scale(i) * Scale(i);
            gradients.Add(i, g.Select(v => v * s2).ToArray(), axis);
        }
    }

    /// <summary>E[a y] = sum_i s_i E[a x_i] (linearity).</summary>
    double[]? IMomentRule.Cross(MomentContext context, int other)
    {
        int axis = context.Output.FeatureAxis;
        var r = new double[context.Output.Positions];
        for (int i = 0; i < context.InputCount; i++)
        {
            var c = context.CrossWithInput(other, i, axis);
            for (int p = 0; p < r.Length; p++) r[p] += Scale(i) * c[p];
        }
        return r;
    }
}
