using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks.Ops;
using InitLab.Theory;

namespace InitLab.Networks;

/// <summary>Pieces several ops' moment rules share: a fresh random projection, element-wise expectations under a node's law.</summary>
internal static class MomentRules
{
    /// <summary>
    /// The Gaussian behind a node: y = Map(g), g ~ N(Mean[p], Variance[p]) per position, its offset amplitude Offset[p] (shared by every
    /// example and position of a unit) and the residual covariances of two examples, two positions, and both.
    /// </summary>
    public readonly record struct Source(double[] Mean, double[] Variance, double[] Offset, ElementMap? Map, double ResidualExample,
        double ResidualPosition, double ResidualCross)
    {
        /// <summary>The mean over positions of Mean.</summary>
        public double AverageMean => Mean.Average();

        /// <summary>The mean over positions of Variance.</summary>
        public double AverageVariance => Variance.Average();

        /// <summary>The mean over positions of Offset^2.</summary>
        public double OffsetSquare => MomentState.Squares(Offset);

        /// <summary>The mean over pairs of positions of Offset[p] Offset[p'].</summary>
        public double OffsetPairs => MomentState.Pairs(Offset);
    }

    /// <summary>
    /// y = W x + b over a fan-in set J(p) per output position, W with per-element mean mu_W and the weight's tap gains:
    /// E[y] = mu_W sum_J m + mu_b, E[y^2] = sum over taps of TapGain x E[x^2] + mu_W^2 ((sum_J m)^2 - sum_J m^2) + 2 mu_W mu_b sum_J m + E[b^2].
    /// A unit's output keeps, in every example and position, W applied to the input's means and offsets, plus its bias: its offset
    /// is A(p)^2 = sum over taps of TapGain (m^2 + A^2) + Var(b) (rank one in the interior of an image, where the taps see the same
    /// field), and the residual covariances scale by the gain (zero-mean W).
    /// </summary>
    /// <param name="context">The node.</param>
    /// <param name="x">The input state.</param>
    /// <param name="weight">The weight's law.</param>
    /// <param name="bias">The bias's law, or null.</param>
    /// <param name="featureAxis">The output's feature axis.</param>
    /// <param name="second">Per output position, sum over taps of TapGain[tap] E[x^2] at the tap's input position.</param>
    /// <param name="meanSum">Per output position, sum over the fan-in set of E[x] (units x valid taps).</param>
    /// <param name="meanSquareSum">Per output position, sum over the fan-in set of E[x]^2.</param>
    /// <param name="gain">Per output position, sum of TapGain over the valid taps.</param>
    /// <param name="shared">Per output position, sum over the valid taps of TapGain (E[x]^2 + A^2): the part of E[y^2] every example
    /// and position of the unit shares.</param>
    public static MomentState Project(MomentContext context, MomentState x, ParameterLaw weight, ParameterLaw? bias, int featureAxis,
        double[] second, double[] meanSum, double[] meanSquareSum, double[] gain, double[] shared)
    {
        var shape = context.Node.Shape;
        int positions = second.Length;
        double mw = weight.Mean, mb = bias?.Mean ?? 0, sb = bias?.Second ?? 0, vb = bias?.Variance ?? 0;
        var mean = new double[positions];
        var q = new double[positions];
        var offset = new double[positions];
        for (int p = 0; p < positions; p++)
        {
            mean[p] = mw * meanSum[p] + mb;
            q[p] = second[p] + mw * mw * (meanSum[p] * meanSum[p] - meanSquareSum[p]) + 2 * mw * mb * meanSum[p] + sb;
            offset[p] = Math.Sqrt(Math.Max(0, shared[p] + vb));
        }
        double g = gain.Average();
        var law = MomentLaw.Gaussian(context.Node.Index);
        if (weight.Note is { } note) context.Assume(note);
        if (!weight.Fresh && weight.Parameter.Initializer is EyeInitializer or DiracInitializer)
            law = MomentLaw.Other("a structured copy of its input");
        else if (bias is not null && vb > 0 && bias.Parameter.Initializer.DistributionOf(bias.Parameter.Shape)?.Kind is DistributionKind.Uniform)
        {
            // A Gaussian plus an independent uniform per-unit bias (PyTorch's default bias): the bias is held as the Gauss rule of a
            // uniform law and the rest as Gaussian noise, so later element-wise ops stay exact.
            double sdb = Math.Sqrt(vb);
            law = new MomentLaw(LawKind.Quadrature, -1, null, $"a Gaussian plus a uniform bias")
            {
                Rule = UniformRule.Value,
                PartMean = Fields.Constant(positions, mb),
                PartStd = Fields.Constant(positions, sdb),
                PartIsOffset = true,
                NoiseMean = mean.Select(m => m - mb).ToArray(),
                NoiseVariance = q.Select((v, p) => Math.Max(0, v - mean[p] * mean[p] - vb)).ToArray(),
            };
        }
        else if (bias is not null && vb > 0 && bias.Parameter.Initializer.DistributionOf(bias.Parameter.Shape)?.Kind is not (DistributionKind.Normal or DistributionKind.PointMass))
        {
            // A Gaussian plus an independent non-Gaussian per-unit offset. Matching its first two moments errs in E[phi] by
            // O(kappa_4 share^2), share = Var(b) / Var(y): below 1e-4 for share < 1%, which this keeps Gaussian.
            var y = MomentState.Independent(shape, featureAxis, mean, q, law);
            double share = vb / Math.Max(1e-300, y.AverageVariance);
            if (share >= 0.01) law = MomentLaw.Other($"a Gaussian plus a {bias.Parameter.Initializer.Name} bias ({share:P1} of its variance)");
        }
        return new MomentState(shape, featureAxis, mean, q, offset, g * x.ResidualExample, g * x.ResidualPosition, g * x.ResidualCross, law);
    }

    /// <summary>
    /// The Gaussian a node's law refers to, per position of y's layout: y = Map(g) (an affine map folded into the moments, Map null).
    /// A node whose law is neither Gaussian nor a map of one is taken as a Gaussian with its own moments, and the assumption is
    /// recorded naming <paramref name="what"/>.
    /// </summary>
    public static Source Origin(MomentContext context, MomentState y, string what)
    {
        var law = y.Law;
        if (law.IsGaussian && law.NoiseVariance is not null) return Own(y);
        MomentState? origin = !law.PureMap ? null : context.StateOf(law.Origin);
        if (origin is null || origin.Shape != y.Shape || law.Map is null)
        {
            context.Assume($"{what}: its input is {law.Note ?? "not Gaussian"}, taken as a Gaussian with the same mean and variance");
            return Own(y);
        }
        origin = origin.ToLayout(y.FeatureAxis);
        if (law.Map.Affine is { } ab)
        {
            double a2 = ab.A * ab.A;
            return new Source(origin.Mean.Select(m => ab.A * m + ab.B).ToArray(), Variances(origin).Select(v => a2 * v).ToArray(),
                origin.Offset.Select(o => ab.A * o).ToArray(), null, a2 * origin.ResidualExample, a2 * origin.ResidualPosition, a2 * origin.ResidualCross);
        }
        return new Source(origin.Mean, Variances(origin), origin.Offset, law.Map, origin.ResidualExample, origin.ResidualPosition, origin.ResidualCross);
    }

    /// <summary>The node itself as a Gaussian source (no map).</summary>
    public static Source Own(MomentState y) =>
        new(y.Mean, Variances(y), y.Offset, null, y.ResidualExample, y.ResidualPosition, y.ResidualCross);

    private static double[] Variances(MomentState s)
    {
        var v = new double[s.Positions];
        for (int p = 0; p < v.Length; p++) v[p] = s.VarianceAt(p);
        return v;
    }

    /// <summary>
    /// Per position, E[h(y)] for y = Map(g) over the source's Gaussian (one-dimensional quadrature, memoized over equal positions).
    /// </summary>
    public static double[] Expect(Source source, Func<double, double> h, IReadOnlyList<double> hKinks)
    {
        var map = source.Map;
        var f = map is null ? h : x => h(map.F(x));
        IReadOnlyList<double> kinks = map is null ? hKinks : map.Kinks;
        var result = new double[source.Mean.Length];
        var memo = new Dictionary<(double, double), double>();
        for (int p = 0; p < result.Length; p++)
        {
            double m = source.Mean[p], v = source.Variance[p];
            if (!memo.TryGetValue((m, v), out double e))
                memo[(m, v)] = e = ActivationMoments.Expect(f, m, v, kinks);
            result[p] = e;
        }
        return result;
    }

    /// <summary>The law of phi(y) for a Gaussian or a pure map y: a map of y's origin; else other.</summary>
    public static MomentLaw Then(MomentLaw law, Activation phi) => !law.PureMap
        ? MomentLaw.Other($"{phi.Name} of {law.Note ?? "a non-Gaussian input"}")
        : law with { Kind = LawKind.Mapped, Map = law.Map!.Then(phi) };

    /// <summary>The Gauss rule of the standardized uniform law on [-sqrt 3, sqrt 3] (E[Z^r] = 3^(r/2) / (r + 1), r even).</summary>
    private static readonly Lazy<(double[], double[])> UniformRule = new(() =>
        MomentQuadrature.FromMoments(Enumerable.Range(0, 2 * RulePoints).Select(r => r % 2 == 1 ? 0 : Math.Pow(3, r / 2.0) / (r + 1)).ToArray()));

    /// <summary>Points of the Gauss rule a Quadrature law keeps (exact to the moment of order 2K - 1 = 15).</summary>
    public const int RulePoints = 8;

    /// <summary>
    /// The low mantissa bits an activation rule ignores when it groups positions (<see cref="PositionClasses.Near"/>): positions
    /// whose input fields agree to 2^-44 relative (5.7e-14) share the first one's numbers. Mirror-image positions of a feature map
    /// have equal laws but fields a few ulp apart (a convolution sums its taps in one order for all of them), so with bitwise
    /// classes a deep 32 x 32 ResNet keeps ~700 classes of 1024 positions; with these, about the 1024 / 8 of the square's symmetry.
    /// </summary>
    public const int ClassBits = 8;

    /// <summary>The law of a x + b (a &gt; 0 or &lt; 0) for a law the engine tracks; null when it cannot say.</summary>
    public static MomentLaw? Affine(MomentLaw law, double a, double b)
    {
        double[]? Scale(double[]? f, double k) => f?.Select(v => k * v).ToArray();
        switch (law.Kind)
        {
            case LawKind.Gaussian:
            case LawKind.Mapped when law.Map is not null:
                return law with
                {
                    Kind = LawKind.Mapped,
                    Map = law.Map!.ThenAffine(a, b),
                    NoiseMean = Scale(law.NoiseMean, a),
                    NoiseVariance = Scale(law.NoiseVariance, a * a),
                };
            case LawKind.Quadrature when law.Rule is { } rule:
                return law with
                {
                    Rule = a >= 0 ? rule : (rule.Nodes.Select(z => -z).ToArray(), rule.Weights),
                    PartMean = law.PartMean!.Select(m => a * m + b).ToArray(),
                    PartStd = Scale(law.PartStd, Math.Abs(a)),
                    NoiseMean = Scale(law.NoiseMean, a),
                    NoiseVariance = Scale(law.NoiseVariance, a * a),
                };
            default:
                return null;
        }
    }

    /// <summary>The position whose variance is closest to the mean variance (where a law's shape is taken for the whole node).</summary>
    public static int Representative(MomentState x)
    {
        double target = x.AverageVariance, best = double.PositiveInfinity;
        int at = 0;
        for (int p = 0; p < x.Positions; p++)
        {
            double d = Math.Abs(x.VarianceAt(p) - target);
            if (d < best)
            {
                best = d;
                at = p;
            }
        }
        return at;
    }

    /// <summary>Calls visit(output position, tap, input position) for every tap of every output position that falls inside the input.</summary>
    public static void Stencil(Window w, Action<int, int, int> visit)
    {
        int o = 0;
        for (int od = 0; od < w.Out[0]; od++)
            for (int oh = 0; oh < w.Out[1]; oh++)
                for (int ow = 0; ow < w.Out[2]; ow++, o++)
                {
                    int tap = 0;
                    for (int kd = 0; kd < w.Kernel[0]; kd++)
                    {
                        int id = od * w.Stride[0] - w.Pad[0] + kd * w.Dilation[0];
                        for (int kh = 0; kh < w.Kernel[1]; kh++)
                        {
                            int ih = oh * w.Stride[1] - w.Pad[1] + kh * w.Dilation[1];
                            for (int kw = 0; kw < w.Kernel[2]; kw++, tap++)
                            {
                                int iw = ow * w.Stride[2] - w.Pad[2] + kw * w.Dilation[2];
                                if ((uint)id < (uint)w.In[0] && (uint)ih < (uint)w.In[1] && (uint)iw < (uint)w.In[2])
                                    visit(o, tap, (id * w.In[1] + ih) * w.In[2] + iw);
                            }
                        }
                    }
                }
    }

    /// <summary>
    /// Flatten and reshape: the same elements, rearranged. The new state has the input's overall mean and second moment at every
    /// position (exact for a flatten before a linear layer, whose output depends only on the average); an input whose positions
    /// differ becomes a mixture, and a reshape into several positions keeps the covariances only approximately.
    /// </summary>
    public static MomentState Reshaped(MomentContext context)
    {
        var x = context.Input(0);
        var shape = context.Node.Shape;
        int axis = Fields.DefaultAxis(shape), positions = Fields.Positions(shape, axis);
        bool uniform = x.Uniform;
        var law = !uniform ? MomentLaw.Other("elements of different moments, rearranged (a mixture)")
            : x.Law.IsGaussian ? MomentLaw.Gaussian(context.Node.Index)
            : x.Law.Kind == LawKind.Other ? x.Law : MomentLaw.Other("a non-Gaussian law, rearranged");
        if (positions > 1 && (!uniform || x.CovPosition != 0 || x.CovExample != 0 || x.CovCross != 0))
            context.Assume("a reshape into several positions: the input's moments averaged over the new positions, its covariances kept");
        return new MomentState(shape, axis, Fields.Constant(positions, x.AverageMean), Fields.Constant(positions, x.AverageSecond),
            Fields.Constant(positions, Math.Sqrt(MomentState.Squares(x.Offset))), x.ResidualExample, x.ResidualPosition, x.ResidualCross, law);
    }

    /// <summary>The backward rule of <see cref="Reshaped"/>: the gradient's mean square spread evenly over the input.</summary>
    public static void ReshapedBackward(MomentContext context, MomentGradients gradients)
    {
        var x = context.Input(0);
        gradients.Add(0, Fields.Constant(x.Positions, gradients.Output.Average()), x.FeatureAxis);
    }

    /// <summary><see cref="StencilArrays"/> computed once per run for each geometry (every layer of a ResNet stage shares one).</summary>
    public static (int[] Out, int[] Tap, int[] In) SharedStencil(MomentContext context, Window w) =>
        context.Shared($"stencil {string.Join(',', w.In)} {string.Join(',', w.Out)} {string.Join(',', w.Kernel)} {string.Join(',', w.Stride)} {string.Join(',', w.Pad)} {string.Join(',', w.Dilation)}",
            () => StencilArrays(w));

    /// <summary>The (output position, tap, input position) triples of <see cref="Stencil"/> as arrays.</summary>
    public static (int[] Out, int[] Tap, int[] In) StencilArrays(Window w)
    {
        var o = new List<int>();
        var t = new List<int>();
        var i = new List<int>();
        Stencil(w, (a, b, c) =>
        {
            o.Add(a);
            t.Add(b);
            i.Add(c);
        });
        return ([.. o], [.. t], [.. i]);
    }

    /// <summary>
    /// Records that offsets at different positions are taken as fully correlated (rank one, A(p) A(p')) where that is not exact:
    /// exact where the taps see one field (the interior of an image), an upper bound at the borders of a zero-padded image, whose
    /// offsets are sums over fewer taps. The offsets then differ between positions, or (an image so small that every position is a
    /// border, e.g. 2x2 under a 3x3 kernel with padding 1) they are equal but two positions share only the taps valid at both: so the
    /// assumption is recorded whenever a zero-padded convolution or pooling upstream saw an input with a mean or an offset.
    /// </summary>
    public static void NoteRankOne(MomentContext context, MomentState x)
    {
        double a2 = MomentState.Squares(x.Offset);
        if (x.Positions < 2 || a2 <= 1e-6 * Math.Max(1e-300, x.AverageVariance)) return;
        double a0 = x.Offset[0];
        if (x.Offset.All(a => Math.Abs(a - a0) <= 1e-9 * Math.Abs(a0)) && !PaddedWithOffsetsUpstream(context)) return;
        context.Assume("the offsets of different positions taken as fully correlated (rank one): exact in the interior of an image, an upper bound at zero-padded borders (two positions share only the taps valid at both, fewer than the product of their offsets counts: on small images the prediction is high)");
    }

    /// <summary>True when an ancestor of the node is a zero-padded conv or pooling whose input has a mean or an offset.</summary>
    private static bool PaddedWithOffsetsUpstream(MomentContext context)
    {
        var graph = context.Graph;
        var seen = new HashSet<int>();
        var stack = new Stack<int>(context.Node.InputIndices);
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            if (!seen.Add(i)) continue;
            var node = graph.Nodes[i];
            bool padded = node.Op switch
            {
                Ops.ConvOp c => c.Padding.Any(v => v > 0) || (c.PaddingEnd?.Any(v => v > 0) ?? false),
                Ops.PoolOp p => p.Padding.Any(v => v > 0) || (p.PaddingEnd?.Any(v => v > 0) ?? false),
                _ => false,
            };
            if (padded)
            {
                var input = context.StateOf(node.InputIndices[0]);
                double shared = MomentState.Squares(input.Offset) + MomentState.Squares(input.Mean);
                if (shared > 1e-9 * Math.Max(1e-300, input.Second.Average())) return true;
            }
            foreach (int j in node.InputIndices) stack.Push(j);
        }
        return false;
    }

    /// <summary>The mean over positions of a field.</summary>
    public static double Average(double[] field) => field.Average();
}
