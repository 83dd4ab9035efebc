using System.Runtime.Intrinsics;
using System.Collections.Concurrent;
using InitLab.Activations;
using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Networks.Ops;

/// <summary>
/// An element-wise activation of the catalogue (<c>relu</c>, <c>tanh</c>, <c>gelu</c>, ...; its JSON op is the activation's
/// name, with <c>param</c> for leaky_relu's slope or elu's alpha): y = phi(x), dL/dx = dL/dy phi'(x).
/// </summary>
public sealed class ActivationOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>Wraps <paramref name="activation"/>.</summary>
    public ActivationOp(Activation activation)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Activation = activation;
    }

    /// <summary>The nonlinearity phi.</summary>
    public Activation Activation { get; }

    /// <inheritdoc/>
    public override string Kind => Activation.Name;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs) => inputs[0];

    /// <inheritdoc/>
    /// <remarks>Elementwise, so large tensors run in chunks on the pass's threads with the same bits as one serial call.</remarks>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var x = pass.Input(0);
        var y = pass.Output;
        Work.ElementChunks(x.Length, pass.Threads, (start, count) => Run(x.AsSpan(start, count), y.AsSpan(start, count)));
    }

    private void Run<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Activation is ReluActivation)
            ReluFloat(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(x), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(y));
        else Activation.Forward<T>(x, y);
    }

    /// <summary>
    /// relu on floats without the round trip through double, with its bits: x for x &gt; 0, +0 for x &lt;= 0 (either zero), and
    /// a NaN with its quiet bit set (as widening to double and narrowing back leaves it).
    /// </summary>
    internal static void ReluFloat(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("y is shorter than x.", nameof(y));
        ref float xs = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref float ys = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
        var quiet = Vector256.Create(0x400000u);
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var v = Vector256.LoadUnsafe(ref xs, (nuint)i);
            var r = Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
            r = Vector256.ConditionalSelect(Vector256.Equals(v, v), r, (v.AsUInt32() | quiet).AsSingle());
            r.StoreUnsafe(ref ys, (nuint)i);
        }
        for (; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v > 0 ? v : float.IsNaN(v) ? BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) | 0x400000u) : 0f;
        }
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is not { } dx) return;
        var d = new T[dx.Length];
        Activation.Derivative<T>(pass.Input(0), d);
        var dy = pass.OutputGradient;
        for (int i = 0; i < d.Length; i++) dx[i] += dy[i] * d[i];
    }

    /// <summary>
    /// The accuracy assumed of a transcendental activation per implementation, in units of u (|y| + |x| + 1): InitLab's float
    /// forms are within 1 ulp of |y|; ONNX Runtime's (MLAS) Tanh, Sigmoid, Erf, Gelu, Elu, Selu, Softplus, Mish and Exp measured
    /// at most 2.5 such units on 2,000,001 points of [-20, 20] (the approximations are accurate in absolute terms near zero
    /// crossings and tails, hence |x| + 1, the size of the intermediate terms x Phi(x), 1 + e^-x, e^x - 1).
    /// </summary>
    internal const double TranscendentalUnits = 2;

    private static readonly ConcurrentDictionary<string, double> Lipschitz = new();

    /// <summary>
    /// sup |phi'(x)| over [-40, 40] on a grid of spacing 1/256 (and at the kinks' sides), times 1.001 for what the grid can miss of
    /// a smooth maximum (of order h^2 times the third derivative); beyond +-40 every catalogue activation is flat or linear.
    /// </summary>
    internal static double LipschitzOf(Activation activation) => Lipschitz.GetOrAdd(activation.Name + "#" + activation.Parameter, _ =>
    {
        double sup = 0;
        for (int i = -40 * 256; i <= 40 * 256; i++) sup = Math.Max(sup, Math.Abs(activation.Derivative(i / 256.0)));
        foreach (double k in activation.Kinks)
            sup = Math.Max(sup, Math.Max(Math.Abs(activation.Derivative(k - 1e-9)), Math.Abs(activation.Derivative(k + 1e-9))));
        return double.IsFinite(sup) ? sup * 1.001 : double.PositiveInfinity;
    });

    /// <inheritdoc/>
    /// <remarks>
    /// L e_x (L = sup |phi'|) plus the function's own error: 0 for identity and relu (exact), u |y| for leaky_relu (one product),
    /// <see cref="TranscendentalUnits"/> u (|y| + |x| + 1) for the others.
    /// </remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        var x = pass.Input(0);
        var e = pass.InputError(0);
        var y = pass.Output;
        double u = ErrorBoundPass.Unit;
        string name = Activation.Name;
        double lipschitz = name is "identity" or "relu" ? 1 : LipschitzOf(Activation);
        for (int i = 0; i < y.Length; i++)
        {
            double own = name switch
            {
                "identity" or "relu" => 0,
                "leaky_relu" => u * Math.Abs(y[i]),
                _ => TranscendentalUnits * u * (Math.Abs(y[i]) + Math.Abs(x[i]) + 1),
            };
            pass.Error[i] = lipschitz * e[i] + own;
        }
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        if (Activation.Parameter is { } p) a.Set("param", p);
    }

    internal static Op Read(OpAttributes a, string name) =>
        new ActivationOp(ActivationRegistry.Parse(name, a.Has("param") ? a.Number("param") : null));

    // ---- moment rule ----

    /// <summary>
    /// Moments: per position E[phi(x)] and E[phi(x)^2] for the Gaussian behind x (closed forms for identity, relu, leaky_relu;
    /// quadrature otherwise; through the element-wise map when x = f(g) of a Gaussian g, so relu(relu(g)) stays exact). A unit's
    /// offset: two elements that share only the input's offset are Gaussians with covariance A(p)^2, so the output's offset is
    /// Cov(phi(x_1), phi(x_2)) by the bivariate Gaussian integral (the arc-cosine kernel of Cho and Saul 2009 for relu; with a
    /// mean, a bivariate-normal closed form); the remainders' covariances likewise, at the position-averaged moments.
    /// Backward: E[(dL/dx)^2] = E[phi'(x)^2] E[(dL/dy)^2] (gradient independence, Yang 2019).
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        var x = context.Input(0);
        var phi = Activation;
        var view = LawView.Of(context, x, phi.Name);
        int positions = x.Positions;
        var law = x.Law;
        var map = law.PureMap && !view.Approximate && law.Map?.Affine is null ? law.Map : null;
        // A Gaussian plus a per-unit non-Gaussian offset (a uniform bias): pairs of one unit share the offset's atoms.
        bool offsetAtoms = !view.IsGaussian && law.Kind == LawKind.Quadrature && law.PartIsOffset;
        var source = map is not null ? MomentRules.Origin(context, x, phi.Name) : MomentRules.Own(x);
        Func<double, double> f = map is null ? phi.Forward : g => phi.Forward(map.F(g));
        // E[phi(x_a) phi(x_b)] of a Gaussian law (m, v) and covariance c is a function of (phi, m, v, c) alone, a quadrature of
        // ~300 points for the activations without a closed form (gelu, tanh, ...): computed once per node for each bitwise-distinct
        // triple (the residual pairs ask for the offsets' covariance twice; equal laws recur), and its outer quadrature's points
        // and w_i phi(x_i), which depend on (m, v) alone, once per law (shared by the offset's and the residual pairs'
        // covariances). Caches live for this node only (bounded memory on deep networks of many distinct positions). The closed
        // forms (identity, relu, leaky_relu) cost less than the look-up.
        var crossCache = phi.Name is "identity" or "relu" or "leaky_relu" ? null
            : new System.Collections.Concurrent.ConcurrentDictionary<(long, long, long), double>();
        var ruleCache = crossCache is null ? null : new System.Collections.Concurrent.ConcurrentDictionary<(long, long), (double[], double[])>();
        double GaussCross(double m, double v, double c)
        {
            if (crossCache is null) return ActivationMoments.Cross(phi, m, v, c);
            var key = (BitConverter.DoubleToInt64Bits(m), BitConverter.DoubleToInt64Bits(v), BitConverter.DoubleToInt64Bits(c));
            if (crossCache.TryGetValue(key, out double hit)) return hit;
            var ruleKey = (key.Item1, key.Item2);
            return crossCache.GetOrAdd(key, ActivationMoments.Cross(phi, m, v, c,
                () => ruleCache!.TryGetValue(ruleKey, out var r) ? r : ruleCache.GetOrAdd(ruleKey, ActivationMoments.CrossRule(phi, m, v))));
        }
        // E[phi(x_a) phi(x_b)] at position p for two elements of one unit with covariance c.
        double CrossAt(int p, double c)
        {
            if (map is not null) return ActivationMoments.ExpectCross(f, f, source.Mean[p], source.Variance[p], c, map.Kinks);
            if (!offsetAtoms) return GaussCross(source.Mean[p], source.Variance[p], c);
            var (z, w) = law.Rule!.Value;
            double sd = law.PartStd![p], nm = law.NoiseMean?[p] ?? 0, nv = law.NoiseVariance?[p] ?? 0, sum = 0;
            for (int k = 0; k < z.Length; k++)
                sum += w[k] * GaussCross(law.PartMean![p] + sd * z[k] + nm, nv, Math.Clamp(c - sd * sd, -nv, nv));
            return sum;
        }
        if (!view.IsGaussian && map is null && !offsetAtoms && source.OffsetSquare > 1e-12 * source.AverageVariance)
            context.Assume($"{phi.Name}: the offsets (correlations across examples) of its non-Gaussian input taken from a Gaussian with its moments");
        // Per position: the moments (closed forms for a Gaussian, one quadrature over the origin of a map, else the law's
        // expectations), then the offset: two elements sharing only the input's offset. Every number computed at p is a function of
        // the fields below at p (the law's rule is shared), so it is computed once per class of positions with bitwise-equal fields
        // (a feature map's interior, edges and corners); many classes run in parallel, each alone.
        bool cheap = view.IsGaussian || map is not null;
        var classes = PositionClasses.Near(positions, MomentRules.ClassBits, [source.Mean, source.Variance, source.Offset, .. view.Fields]);
        var classMean = new double[classes.Count];
        var classSecond = new double[classes.Count];
        var classOffset = new double[classes.Count];
        context.ForPositions(classes.Count, c =>
        {
            int p = classes.Representatives[c];
            double m = source.Mean[p], v = source.Variance[p], a = source.Offset[p];
            if (view.IsGaussian) (classMean[c], classSecond[c]) = ActivationMoments.Of(phi, x.Mean[p], x.VarianceAt(p));
            else if (map is not null)
                (classMean[c], classSecond[c]) = (ActivationMoments.Expect(f, m, v, map.Kinks), ActivationMoments.Expect(g => { double y = f(g); return y * y; }, m, v, map.Kinks));
            else
            {
                Span<double> powers = stackalloc double[3];
                view.Powers(p, phi, powers);
                (classMean[c], classSecond[c]) = (powers[1], powers[2]);
            }
            if (a != 0)
            {
                double mu = cheap || offsetAtoms ? classMean[c] : ActivationMoments.Smoothed(phi, m, v);
                classOffset[c] = Math.Sqrt(Math.Max(0, CrossAt(p, a * a) - mu * mu));
            }
        });
        var mean = classes.Scatter(classMean);
        var second = classes.Scatter(classSecond);
        var offset = classes.Scatter(classOffset);
        // The remainders' covariances at one representative position: what a pair shares beyond the offsets.
        int at = MomentRules.Representative(x);
        double Residual(double shared, double residual) =>
            residual == 0 || source.Variance[at] == 0 ? 0 : CrossAt(at, shared + residual) - CrossAt(at, shared);
        return new MomentState(x.Shape, x.FeatureAxis, mean, second, offset, Residual(source.OffsetSquare, source.ResidualExample),
            Residual(source.OffsetPairs, source.ResidualPosition), Residual(source.OffsetPairs, source.ResidualCross), OutputLaw(context, x, view, mean, second));
    }

    /// <summary>
    /// phi of a Gaussian or of a pure map of one: a map of the same origin. phi of a law with a Gaussian noise part or a Gauss rule:
    /// a Gauss rule for phi(x), from its exact moments to order 15 (the shape taken at one position, its mean and variance per position).
    /// </summary>
    private MomentLaw OutputLaw(MomentContext context, MomentState x, LawView view, double[] mean, double[] second)
    {
        if (view.Approximate) return MomentLaw.Other($"{Activation.Name} of {x.Law.Note ?? "a non-Gaussian input"}");
        if (x.Law.PureMap) return MomentRules.Then(x.Law, Activation);
        int at = MomentRules.Representative(x);
        var (standardized, _, sd) = view.StandardizedPowers(at, Activation, 2 * MomentRules.RulePoints - 1);
        if (!(sd > 0)) return MomentLaw.Other($"{Activation.Name} of a non-Gaussian input");
        if (!x.Uniform) context.Assume($"{Activation.Name}: the shape of its output's law taken at one position (the positions' moments differ)");
        var rule = MomentQuadrature.FromMoments(standardized);
        return new MomentLaw(LawKind.Quadrature, -1, null, $"{Activation.Name} of a non-Gaussian input")
        {
            Rule = rule,
            PartMean = mean,
            PartStd = mean.Select((m, p) => Math.Sqrt(Math.Max(0, second[p] - m * m))).ToArray(),
        };
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var x = context.Input(0);
        var phi = Activation;
        var view = LawView.Of(context, x, phi.Name);
        double[] d2;
        if (x.Law.PureMap && x.Law.Map?.Affine is null && !view.Approximate)
        {
            var source = MomentRules.Origin(context, x, phi.Name);
            d2 = MomentRules.Expect(source, y => { double d = phi.Derivative(y); return d * d; }, phi.Kinks);
        }
        else
        {
            var classes = PositionClasses.Near(x.Positions, MomentRules.ClassBits, view.Fields);
            var perClass = new double[classes.Count];
            context.ForPositions(classes.Count, c => perClass[c] = view.DerivativeSquare(classes.Representatives[c], phi));
            d2 = classes.Scatter(perClass);
        }
        var g = gradients.Output;
        gradients.Add(0, g.Select((v, p) => v * d2[p]).ToArray(), x.FeatureAxis);
    }

    /// <summary>
    /// E[a phi(x)]: a one-dimensional integral over their common Gaussian origin when a and x are both element-wise maps of it
    /// (x + relu(x)); otherwise Stein's lemma for jointly Gaussian (a, x): E[a] E[phi(x)] + Cov(a, x) E[phi'(x)] (an assumption).
    /// </summary>
    double[]? IMomentRule.Cross(MomentContext context, int other)
    {
        var x = context.Input(0);
        var a = context.StateOf(other).ToLayout(x.FeatureAxis);
        var phi = Activation;
        if (a.Law.PureMap && x.Law.PureMap && a.Law.Origin == x.Law.Origin && a.Law.Map is { } fa && x.Law.Map is { } fx)
        {
            var origin = context.StateOf(a.Law.Origin).ToLayout(x.FeatureAxis);
            if (origin.Shape == x.Shape)
            {
                var kinks = fa.Kinks.Concat(fx.Then(phi).Kinks).Distinct().ToArray();
                var r = new double[x.Positions];
                for (int p = 0; p < r.Length; p++)
                    r[p] = ActivationMoments.Expect(g => fa.F(g) * phi.Forward(fx.F(g)), origin.Mean[p], origin.VarianceAt(p), kinks);
                return r;
            }
        }
        context.Assume($"its cross moment with '{context.Graph.Nodes[other].Name}' by Stein's lemma (the two taken as jointly Gaussian)");
        var ax = context.CrossWithInput(other, 0, x.FeatureAxis);
        var source = MomentRules.Origin(context, x, phi.Name);
        var e = MomentRules.Expect(source, phi.Forward, phi.Kinks);
        var d = MomentRules.Expect(source, phi.Derivative, phi.Kinks);
        var result = new double[x.Positions];
        for (int p = 0; p < result.Length; p++)
            result[p] = a.Mean[p] * e[p] + (ax[p] - a.Mean[p] * x.Mean[p]) * d[p];
        return result;
    }
}
