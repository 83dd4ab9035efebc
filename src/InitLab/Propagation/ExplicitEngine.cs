using System.Numerics;
using InitLab.Activations;
using InitLab.LinearAlgebra;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Propagation;

/// <summary>
/// The explicit engine: weights are drawn and multiplied (H = X W^T + b through <see cref="Gemm"/>), so it supports
/// every weight scheme, shared weights, residual connections, real input data and a backward pass.
/// </summary>
/// <remarks>
/// Randomness: the input batch uses stream 0, the top gradient stream 1, layer l's weights stream 2l and its bias stream
/// 2l + 1 of the seed (with shared weights, layer 1's streams at every layer). A layer's weights are therefore a pure
/// function of (seed, l): the backward pass regenerates them instead of keeping L matrices in memory.
/// </remarks>
public static class ExplicitEngine
{
    internal const ulong InputStream = 0, GradientStream = 1;

    internal static ulong WeightStream(int layer) => 2UL * (ulong)layer;

    internal static ulong BiasStream(int layer) => 2UL * (ulong)layer + 1;

    /// <summary>
    /// Propagates a batch through <paramref name="spec"/>; with <paramref name="backward"/>, also back-propagates a random
    /// unit-variance gradient dL/dx_L ~ N(0, 1) and reports ||dL/dx_l||_F and ||dL/dW_l||_F per layer.
    /// Stops after the first layer whose output holds NaN or Inf. The draws and products use up to
    /// <paramref name="threads"/> threads (0 = all cores, 1 = serial); the trace is the same for every value.
    /// </summary>
    /// <exception cref="ArgumentException">The spec is inconsistent (see <see cref="NetworkSpec.Validate"/>), or threads is
    /// negative.</exception>
    public static PropagationTrace Run(NetworkSpec spec, ulong seed, bool backward = false, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        InitLab.Numerics.Guard.Threads(threads);
        int batch = spec.Batch;
        var x0 = spec.DrawInput(seed, threads);

        // One weight buffer for all layers (a fresh 4096 x 4096 array per layer would cost more in page faults than the
        // random numbers); shared weights are drawn once.
        float[]? buffer = null;
        int drawn = -1;
        var weights = new Func<int, float[]>(layer =>
        {
            int source = spec.SharedWeights ? 1 : layer;
            if (source == drawn) return buffer!;
            int rows = spec.Widths[layer], cols = spec.Widths[layer - 1];
            if (buffer is null || buffer.Length != rows * cols) buffer = new float[rows * cols];
            spec.Weights.Fill(new Generator(seed, WeightStream(source)), buffer, rows, cols, threads);
            drawn = source;
            return buffer;
        });
        var biases = new Func<int, float[]?>(layer => DrawBias(spec, seed, layer, threads));
        float[]? top = null;
        if (backward)
        {
            top = new float[batch * spec.Widths[^1]];
            new Generator(seed, GradientStream).Normal(top, threads);
        }
        var result = Propagate(spec.Widths, batch, spec.Activation, spec.ResidualAlpha, x0, weights, biases, top, threads: threads);
        return PropagationTrace.Diagnosed(Engine.Explicit, result.Input, result.Layers, result.FirstNonFinite, spec);
    }

    internal static float[]? DrawBias(NetworkSpec spec, ulong seed, int layer, int threads = 0)
    {
        if (spec.SigmaB == 0) return null;
        int source = spec.SharedWeights ? 1 : layer;
        var b = new float[spec.Widths[layer]];
        new Generator(seed, BiasStream(source)).Normal(b, 0f, (float)spec.SigmaB, threads);
        return b;
    }

    /// <summary>The result of <see cref="Propagate{T}"/>.</summary>
    internal sealed record Result<T>(LayerTrace Input, List<LayerTrace> Layers, int? FirstNonFinite, T[]? Output, List<T[]>? WeightGradients, T[]? InputGradient);

    /// <summary>
    /// The engine's core, generic so that the backward pass can be checked against finite differences in double.
    /// Loss L = sum(top ⊙ x_L) when <paramref name="top"/> is given, so dL/dx_L = top.
    /// </summary>
    internal static Result<T> Propagate<T>(IReadOnlyList<int> widths, int batch, Activation activation, double? residual,
        T[] x0, Func<int, T[]> weights, Func<int, T[]?> biases, T[]? top, bool keepWeightGradients = false, int threads = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int depth = widths.Count - 1;
        bool backward = top is not null;
        var layers = new List<LayerTrace>(depth);
        var inputs = backward ? new List<T[]>(depth) : null;   // x_(l-1) per layer
        var pres = backward ? new List<T[]>(depth) : null;     // h_l per layer
        var input = Trace(0, x0, x0, batch, widths[0]);
        int? firstNonFinite = null;
        T[] x = x0;
        T alpha = T.CreateTruncating(residual ?? 1.0);
        var spare = new T[]?[4];
        for (int l = 1; l <= depth; l++)
        {
            int nIn = widths[l - 1], nOut = widths[l];
            // Forward only: two pairs of buffers alternate (x0 belongs to the caller and is never written).
            var h = backward ? new T[batch * nOut] : Reuse(ref spare[l % 2 * 2], batch * nOut);
            Gemm.Core(false, true, batch, nOut, nIn, T.One, x, Math.Max(1, nIn), weights(l), Math.Max(1, nIn), T.Zero, h, Math.Max(1, nOut), threads);
            if (biases(l) is { } b)
                for (int r = 0; r < batch; r++)
                    for (int j = 0; j < nOut; j++) h[r * nOut + j] += b[j];
            var y = backward ? new T[h.Length] : Reuse(ref spare[l % 2 * 2 + 1], h.Length);
            activation.Forward<T>(h, y);
            if (residual is not null)
                for (int i = 0; i < y.Length; i++) y[i] = x[i] + alpha * y[i];
            inputs?.Add(x);
            pres?.Add(h);
            var trace = Trace(l, h, y, batch, nOut);
            layers.Add(trace);
            x = y;
            if (trace.NonFinite > 0)
            {
                firstNonFinite = l;
                break;
            }
        }

        if (!backward || firstNonFinite is not null)
            return new Result<T>(input, layers, firstNonFinite, x, null, null);

        // Backward: g = dL/dx_l. d = dL/dh_l = g ⊙ phi'(h_l) (times alpha on a residual branch);
        // dL/dW_l = d^T x_(l-1); dL/dx_(l-1) = d W_l (+ g through the identity path).
        var g = top!;
        var weightGradients = keepWeightGradients ? new List<T[]>(depth) : null;
        for (int l = depth; l >= 1; l--)
        {
            int nIn = widths[l - 1], nOut = widths[l];
            var h = pres![l - 1];
            var xin = inputs![l - 1];
            var d = new T[h.Length];
            activation.Derivative<T>(h, d);
            for (int i = 0; i < d.Length; i++) d[i] = g[i] * (residual is null ? d[i] : alpha * d[i]);
            double weightGradNorm = FrobeniusOfProduct(d, xin, batch, nOut, nIn, threads);
            if (weightGradients is not null)
            {
                var gw = new T[nOut * nIn];
                Gemm.Core(true, false, nOut, nIn, batch, T.One, d, Math.Max(1, nOut), xin, Math.Max(1, nIn), T.Zero, gw, Math.Max(1, nIn), threads);
                weightGradients.Insert(0, gw);
            }
            layers[l - 1] = layers[l - 1] with { GradNorm = Norm(g), WeightGradNorm = weightGradNorm };
            var gPrev = new T[batch * nIn];
            Gemm.Core(false, false, batch, nIn, nOut, T.One, d, Math.Max(1, nOut), weights(l), Math.Max(1, nIn), T.Zero, gPrev, Math.Max(1, nIn), threads);
            if (residual is not null)
                for (int i = 0; i < gPrev.Length; i++) gPrev[i] += g[i];
            g = gPrev;
        }
        return new Result<T>(input with { GradNorm = Norm(g) }, layers, null, x, weightGradients, g);
    }

    private static T[] Reuse<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length != length) buffer = new T[length];
        return buffer;
    }

    /// <summary>||d^T x||_F computed as sqrt(sum((d d^T) ⊙ (x x^T))) with two B x B Gram matrices: O(B^2 (m + n)), not O(B m n).</summary>
    private static double FrobeniusOfProduct<T>(T[] d, T[] x, int batch, int m, int n, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dd = new double[batch * batch];
        var xx = new double[batch * batch];
        var dD = Array.ConvertAll(d, v => double.CreateTruncating(v));
        var xD = Array.ConvertAll(x, v => double.CreateTruncating(v));
        Gemm.Core(false, true, batch, batch, m, 1.0, dD, Math.Max(1, m), dD, Math.Max(1, m), 0.0, dd, batch, threads);
        Gemm.Core(false, true, batch, batch, n, 1.0, xD, Math.Max(1, n), xD, Math.Max(1, n), 0.0, xx, batch, threads);
        double s = 0;
        for (int i = 0; i < dd.Length; i++) s += dd[i] * xx[i];
        return Math.Sqrt(Math.Max(s, 0));
    }

    private static double Norm<T>(T[] v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        foreach (var e in v) s += double.CreateTruncating(e) * double.CreateTruncating(e);
        return Math.Sqrt(s);
    }

    /// <summary>Statistics of one layer: pre-activations h and outputs y (B x n, row-major), with the histogram of |y|.</summary>
    internal static LayerTrace Trace<T>(int layer, T[] h, T[] y, int batch, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var post = Stats.Of<T>(new DenseTensor<T>(new Shape(y.Length), y));
        var pre = Stats.Of<T>(new DenseTensor<T>(new Shape(h.Length), h));
        double? correlation = batch >= 2 ? Correlation(h, n) : null;
        return new LayerTrace(layer, post.Mean, post.Std, post.MeanSquare, post.Min, post.Max, post.ZeroFraction,
            post.NaNCount + post.InfCount, new PreActivationStats(pre.Mean, pre.Std, pre.MeanSquare), correlation,
            Histogram: MagnitudeHistogram.Of<T>(y));
    }

    /// <summary>q12 / sqrt(q11 q22) over the units of the first two rows (Poole et al. 2016's c).</summary>
    internal static double Correlation<T>(T[] h, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double q11 = 0, q22 = 0, q12 = 0;
        for (int j = 0; j < n; j++)
        {
            double a = double.CreateTruncating(h[j]), b = double.CreateTruncating(h[n + j]);
            q11 += a * a;
            q22 += b * b;
            q12 += a * b;
        }
        return q12 / Math.Sqrt(q11 * q22);
    }
}
