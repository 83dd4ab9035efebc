using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using InitLab.Activations;
using InitLab.Numerics;
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

    /// <summary>Softmax of one row; <paramref name="y"/> may be <paramref name="x"/> itself. Float rows take <see cref="FloatRow"/>.</summary>
    internal static void Row<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            FloatRow(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), DoubleLanes.Best);
            return;
        }
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

    /// <summary>
    /// Softmax of a float row at a lane width (every width gives the same bits): m = max x (NaN if any x is NaN), then
    /// e_j = e^(x_j - m) in float with the difference split exactly (<see cref="FloatResultMath.ExpOfDifference"/>, within
    /// about 1 ulp), written to y; S = sum_j e_j in double in a fixed order (element j into partial sum j mod 8 in index
    /// order, the partials added as ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))); y_j = float(e_j / S) through the
    /// double 1 / S. So y_j is e^(x_j - m) / S with the exact differences to about 1.5 ulp (the tests compare with a double
    /// softmax; the bound they hold it to is 2^-23 + 2^-24 relative).
    /// </summary>
    internal static void FloatRow(ReadOnlySpan<float> x, Span<float> y, LaneWidth width)
    {
        switch (width)
        {
            case LaneWidth.V512: FloatRow<FloatLanes512, Vector512<float>, DoubleLanes512, Vector512<double>>(x, y); break;
            case LaneWidth.V256: FloatRow<FloatLanes256, Vector256<float>, DoubleLanes256, Vector256<double>>(x, y); break;
            case LaneWidth.V128: FloatRow<FloatLanes128, Vector128<float>, DoubleLanes128, Vector128<double>>(x, y); break;
            default: FloatRow<ScalarFloat, float, ScalarDouble, double>(x, y); break;
        }
    }

    private const int Partials = 8;

    private static void FloatRow<F, TF, L, TV>(ReadOnlySpan<float> x, Span<float> y)
        where F : IFloatLanes<TF> where TF : struct where L : IDoubleLanes<TV> where TV : unmanaged
    {
        int n = x.Length;
        if (n == 0) return;
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        float mf = Max(x);
        TF m = F.Splat(mf);
        int j = 0;
        for (; j <= n - F.Count; j += F.Count)
            F.Store(FloatResultMath.ExpOfDifference<F, TF>(F.Load(ref Unsafe.Add(ref xs, j)), m), ref Unsafe.Add(ref ys, j));
        for (; j < n; j++)
            Unsafe.Add(ref ys, j) = FloatResultMath.ExpOfDifference<ScalarFloat, float>(Unsafe.Add(ref xs, j), mf);
        // Partial sum i (i < 8) takes the elements j = i mod 8 in index order: lanes of a0 .. a(8 / Count - 1).
        TV a0 = L.Splat(0.0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (j = 0; j <= n - Partials; j += Partials)
        {
            a0 = L.Add(a0, L.LoadWidened(ref Unsafe.Add(ref ys, j)));
            if (L.Count <= 4) a1 = L.Add(a1, L.LoadWidened(ref Unsafe.Add(ref ys, j + L.Count)));
            if (L.Count <= 2)
            {
                a2 = L.Add(a2, L.LoadWidened(ref Unsafe.Add(ref ys, j + 2 * L.Count)));
                a3 = L.Add(a3, L.LoadWidened(ref Unsafe.Add(ref ys, j + 3 * L.Count)));
            }
            if (L.Count == 1)
            {
                a4 = L.Add(a4, L.LoadWidened(ref Unsafe.Add(ref ys, j + 4)));
                a5 = L.Add(a5, L.LoadWidened(ref Unsafe.Add(ref ys, j + 5)));
                a6 = L.Add(a6, L.LoadWidened(ref Unsafe.Add(ref ys, j + 6)));
                a7 = L.Add(a7, L.LoadWidened(ref Unsafe.Add(ref ys, j + 7)));
            }
        }
        Span<double> partial = stackalloc double[Partials];
        ReadOnlySpan<TV> sums = [a0, a1, a2, a3, a4, a5, a6, a7];
        for (int v = 0; v < Partials / L.Count; v++) L.Store(sums[v], ref partial[v * L.Count]);
        for (; j < n; j++) partial[j % Partials] += Unsafe.Add(ref ys, j);
        double sum = ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        TV inv = L.Splat(1.0 / sum);
        for (j = 0; j <= n - L.Count; j += L.Count)
            L.StoreNarrowed(L.Mul(L.LoadWidened(ref Unsafe.Add(ref ys, j)), inv), ref Unsafe.Add(ref ys, j));
        for (; j < n; j++) Unsafe.Add(ref ys, j) = (float)(Unsafe.Add(ref ys, j) * (1.0 / sum));
    }

    /// <summary>max_j x_j, NaN when any x_j is NaN (exact, so the order and the width do not matter).</summary>
    private static float Max(ReadOnlySpan<float> x)
    {
        int j = 0;
        float m = float.NegativeInfinity;
        bool nan = false;
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            var vm = Vector256.Create(float.NegativeInfinity);
            var ordered = Vector256<uint>.AllBitsSet;
            for (; j <= x.Length - 8; j += 8)
            {
                var v = Vector256.Create(x.Slice(j, 8));
                vm = Vector256.Max(vm, v);
                ordered &= Vector256.Equals(v, v).AsUInt32();
            }
            nan = ordered != Vector256<uint>.AllBitsSet;
            for (int k = 0; k < 8; k++) m = Math.Max(m, vm[k]);
        }
        for (; j < x.Length; j++)
        {
            nan |= float.IsNaN(x[j]);
            m = Math.Max(m, x[j]);
        }
        return nan ? float.NaN : m;
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
