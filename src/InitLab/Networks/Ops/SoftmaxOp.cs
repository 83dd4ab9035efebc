using InitLab.Tensors;
using InitLab.Theory;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>softmax</c> over the last dimension: y_j = exp(x_j - max x) / sum_k exp(x_k - max x). Backward: dL/dx = y (dL/dy - sum(dL/dy y)).
/// </summary>
public sealed class SoftmaxOp : Op, IMomentRule, IErrorBoundRule
{
    /// <inheritdoc/>
    public override string Kind => "softmax";

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.Output;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        RequireRank(inputs, 1, "an input with a last dimension");
        return inputs[0];
    }

    /// <summary>Softmax of each row of n elements.</summary>
    internal static void Rows<T>(ReadOnlySpan<T> x, Span<T> y, int n) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int r = 0; r < x.Length / n; r++)
            Row(x.Slice(r * n, n), y.Slice(r * n, n));
    }

    internal static void Row<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        T m = T.NegativeInfinity;
        foreach (var v in x) m = T.IsNaN(v) || v > m ? v : m;
        T s = T.Zero;
        for (int j = 0; j < x.Length; j++)
        {
            y[j] = T.Exp(x[j] - m);
            s += y[j];
        }
        T inv = T.One / s;
        for (int j = 0; j < x.Length; j++) y[j] *= inv;
    }

    /// <summary>dx += y (dy - sum(dy y)) for each row of n elements.</summary>
    internal static void RowsBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int n) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int r = 0; r < y.Length / n; r++)
        {
            var yr = y.Slice(r * n, n);
            var gr = dy.Slice(r * n, n);
            T dot = T.Zero;
            for (int j = 0; j < n; j++) dot += gr[j] * yr[j];
            var dr = dx.Slice(r * n, n);
            for (int j = 0; j < n; j++) dr[j] += yr[j] * (gr[j] - dot);
        }
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass) => Rows<T>(pass.Input(0), pass.Output, pass.InputShape(0)[-1]);

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        if (pass.InputGradient(0) is { } dx) RowsBackward<T>(pass.Output, pass.OutputGradient, dx, pass.InputShape(0)[-1]);
    }

    /// <summary>The accuracy assumed of exp in ulps (ONNX Runtime's measured worst on a grid: 1.23; InitLab's: 1).</summary>
    internal const double ExpUlps = 2;

    /// <inheritdoc/>
    /// <remarks>
    /// Over a row of n values with maximum m, y_j = exp(x_j - m) / S. An input perturbation moves y_j by y_j (d_j - sum_k y_k d_k),
    /// so by at most y_j (e_j + max_k e_k). Rounding: x_j - m carries u |x_j - m| into the exponent, exp its own ExpUlps u, the
    /// sum of positive terms gamma_n plus the y-weighted average of its terms' errors, the division u, and a log-sum-exp form
    /// u ln S more: y_j (u |x_j - m| + sum_k y_k u |x_k - m| + 2 ExpUlps u + gamma_(n + 1) + u ln n).
    /// </remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        int n = pass.Node.InputShapes[0][-1];
        var x = pass.Input(0);
        var e = pass.InputError(0);
        var y = pass.Output;
        double u = ErrorBoundPass.Unit, fixedPart = 2 * ExpUlps * u + ErrorBoundPass.Gamma(n + 1) + u * Math.Log(n);
        for (int r = 0; r < y.Length / n; r++)
        {
            int o = r * n;
            double m = double.NegativeInfinity, maxE = 0, weighted = 0;
            for (int j = 0; j < n; j++)
            {
                m = Math.Max(m, x[o + j]);
                maxE = Math.Max(maxE, e[o + j]);
            }
            for (int j = 0; j < n; j++) weighted += y[o + j] * u * Math.Abs(x[o + j] - m);
            for (int j = 0; j < n; j++)
                pass.Error[o + j] = y[o + j] * (e[o + j] + maxE + u * Math.Abs(x[o + j] - m) + weighted + fixedPart);
        }
    }

    internal static Op Read(OpAttributes a) => new SoftmaxOp();

    // ---- moment rule ----

    /// <summary>
    /// Moments: for Gaussian logits with variance v (their common mean cancels), E[y_j] = 1/n and E[y_j^2] = E[sum p^2]/n by quadrature
    /// over the logit distribution (<see cref="SoftmaxMoments"/>). Backward: dx = y (g - sum g y) gives
    /// E[sum (dL/dx)^2] = E[g^2] (E sum p^2 - 2 E sum p^3 + E (sum p^2)^2).
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        var x = context.Input(0, -1);
        int n = x.Units;
        if (!x.Law.IsGaussian)
            context.Assume($"softmax: its logits are {x.Law.Note ?? "not Gaussian"}, taken as Gaussian with their moments");
        var mean = Fields.Constant(x.Positions, 1.0 / n);
        var second = new double[x.Positions];
        for (int p = 0; p < second.Length; p++) second[p] = SoftmaxMoments.OfIndependent(n, x.VarianceAt(p)).S2 / n;
        if (n > 1 && Enumerable.Range(0, x.Positions).Any(p => x.VarianceAt(p) > SoftmaxMoments.NearlyOneHot))
            context.Assume($"softmax: logit variance above {SoftmaxMoments.NearlyOneHot}: the nearly one-hot limit, to first order in 1/sqrt(variance)");
        // Two rows (examples or positions) whose logits of one unit are covariant by kappa: E[p_j p'_j] = E[p . p'] / n.
        double v = x.AverageVariance;
        var c = SoftmaxMoments.OfIndependent(n, v);
        double Uncentered(double kappa) => kappa == 0 ? 1.0 / ((double)n * n) : SoftmaxMoments.CrossRows(n, v, v, kappa, c.S2, c.S2) / n;
        double offsetSquare = MomentState.Squares(x.Offset), offsetPairs = MomentState.Pairs(x.Offset);
        double shared = Uncentered(offsetSquare) - 1.0 / ((double)n * n);
        if (x.CovExample != 0 || x.CovPosition != 0 || x.CovCross != 0)
            context.Assume("softmax: covariances across examples and positions by a 1/n expansion of E[p . p']");
        return new MomentState(x.Shape, x.FeatureAxis, mean, second, Fields.Constant(x.Positions, Math.Sqrt(Math.Max(0, shared))),
            Uncentered(offsetSquare + x.ResidualExample) - Uncentered(offsetSquare), Uncentered(offsetPairs + x.ResidualPosition) - Uncentered(offsetPairs),
            Uncentered(offsetPairs + x.ResidualCross) - Uncentered(offsetPairs), MomentLaw.Other("a softmax"));
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var x = context.Input(0, -1);
        int n = x.Units;
        var g = gradients.Output;
        var dx = new double[g.Length];
        for (int p = 0; p < g.Length; p++)
        {
            var c = SoftmaxMoments.OfIndependent(n, x.VarianceAt(p));
            dx[p] = g[p] * Math.Max(0, c.S2 - 2 * c.S3 + c.S22) / n;
        }
        gradients.Add(0, dx, -1);
    }
}
