using InitLab.Activations;
using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Networks.Ops;

/// <summary>
/// An element-wise activation of the catalogue (<c>relu</c>, <c>tanh</c>, <c>gelu</c>, ...; its JSON op is the activation's
/// name, with <c>param</c> for leaky_relu's slope or elu's alpha): y = phi(x), dL/dx = dL/dy phi'(x).
/// </summary>
public sealed class ActivationOp : Op, IMomentRule
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
    public override void Forward<T>(ForwardPass<T> pass) => Activation.Forward<T>(pass.Input(0), pass.Output);

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is not { } dx) return;
        var d = new T[dx.Length];
        Activation.Derivative<T>(pass.Input(0), d);
        var dy = pass.OutputGradient;
        for (int i = 0; i < d.Length; i++) dx[i] += dy[i] * d[i];
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
        var source = MomentRules.Origin(context, x, Activation.Name);
        var phi = Activation;
        var map = source.Map;
        Func<double, double> f = map is null ? phi.Forward : g => phi.Forward(map.F(g));
        int positions = x.Positions;
        var mean = new double[positions];
        var second = new double[positions];
        var offset = new double[positions];
        bool closed = map is null && phi.Name is "identity" or "relu" or "leaky_relu";
        var memo = new Dictionary<(double, double), (double, double)>();
        (double, double) At(double m, double v)
        {
            if (closed) return ActivationMoments.Of(phi, m, v);
            if (memo.TryGetValue((m, v), out var r)) return r;
            r = map is null ? ActivationMoments.Of(phi, m, v)
                : (ActivationMoments.Expect(f, m, v, map.Kinks), ActivationMoments.Expect(g => { double y = f(g); return y * y; }, m, v, map.Kinks));
            memo[(m, v)] = r;
            return r;
        }
        double CrossAt(double m, double v, double c) => map is null ? ActivationMoments.Cross(phi, m, v, c) : ActivationMoments.ExpectCross(f, f, m, v, c, map.Kinks);
        var crossMemo = new Dictionary<(double, double, double), double>();
        for (int p = 0; p < positions; p++)
        {
            double m = source.Mean[p], v = source.Variance[p], a = source.Offset[p];
            (mean[p], second[p]) = At(m, v);
            if (a == 0) continue;
            if (!crossMemo.TryGetValue((m, v, a), out double cross))
                crossMemo[(m, v, a)] = cross = CrossAt(m, v, a * a);
            offset[p] = Math.Sqrt(Math.Max(0, cross - mean[p] * mean[p]));
        }
        // The remainders' covariances at the position-averaged moments: what a pair shares beyond the offsets.
        double mBar = source.AverageMean, vBar = source.AverageVariance;
        double Residual(double shared, double residual) =>
            residual == 0 || vBar == 0 ? 0 : CrossAt(mBar, vBar, shared + residual) - CrossAt(mBar, vBar, shared);
        return new MomentState(x.Shape, x.FeatureAxis, mean, second, offset, Residual(source.OffsetSquare, source.ResidualExample),
            Residual(source.OffsetPairs, source.ResidualPosition), Residual(source.OffsetPairs, source.ResidualCross), MomentRules.Then(x.Law, phi));
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var x = context.Input(0);
        var source = MomentRules.Origin(context, x, Activation.Name);
        var phi = Activation;
        var map = source.Map;
        var d2 = map is null
            ? source.Mean.Select((m, p) => ActivationMoments.DerivativeSquare(phi, m, source.Variance[p])).ToArray()
            : MomentRules.Expect(source, y => { double d = phi.Derivative(y); return d * d; }, phi.Kinks);
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
        if (a.Law.Kind != LawKind.Other && x.Law.Kind != LawKind.Other && a.Law.Origin == x.Law.Origin && a.Law.Origin >= 0 && a.Law.Map is { } fa && x.Law.Map is { } fx)
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
