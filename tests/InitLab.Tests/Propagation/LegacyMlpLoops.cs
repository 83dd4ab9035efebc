using System.Numerics;
using InitLab.LinearAlgebra;
using InitLab.Propagation;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Propagation;

/// <summary>
/// The MLP lab's layer loops as they were before the MLP became a graph family (explicit forward, ensemble forward, LSUV),
/// kept verbatim as an oracle: the graph walk must reproduce their numbers bit for bit where the spec is the same.
/// </summary>
internal static class LegacyMlpLoops
{
    public static (LayerTrace Input, List<LayerTrace> Layers, int? FirstNonFinite) Explicit(NetworkSpec spec, ulong seed)
    {
        int batch = spec.Batch;
        var x = Input(spec, seed);
        var input = Trace(0, x, x, batch, spec.Widths[0]);
        var layers = new List<LayerTrace>();
        for (int l = 1; l <= spec.Depth; l++)
        {
            int nIn = spec.Widths[l - 1], nOut = spec.Widths[l], source = spec.SharedWeights ? 1 : l;
            var w = new float[nOut * nIn];
            spec.Weights.Fill(new Generator(seed, 2UL * (ulong)source), w, nOut, nIn);
            var h = new float[batch * nOut];
            Gemm.Core(false, true, batch, nOut, nIn, 1f, x, nIn, w, nIn, 0f, h, nOut);
            AddBias(spec, seed, source, h, batch, nOut);
            var y = Activate(spec, x, h);
            var trace = Trace(l, h, y, batch, nOut);
            layers.Add(trace);
            x = y;
            if (trace.NonFinite > 0) return (input, layers, l);
        }
        return (input, layers, null);
    }

    public static (LayerTrace Input, List<LayerTrace> Layers, int? FirstNonFinite) Ensemble(NetworkSpec spec, ulong seed)
    {
        int batch = spec.Batch;
        var x = Input(spec, seed);
        var input = Trace(0, x, x, batch, spec.Widths[0]);
        var layers = new List<LayerTrace>();
        var scratch = new EnsembleEngine.Scratch();
        for (int l = 1; l <= spec.Depth; l++)
        {
            int nIn = spec.Widths[l - 1], nOut = spec.Widths[l];
            var h = new float[batch * nOut];
            EnsembleEngine.SampleLayer(spec.Weights, x, batch, nIn, nOut, new Generator(seed, 2UL * (ulong)l), h, scratch);
            AddBias(spec, seed, l, h, batch, nOut);
            var y = Activate(spec, x, h);
            var trace = Trace(l, h, y, batch, nOut);
            layers.Add(trace);
            x = y;
            if (trace.NonFinite > 0) return (input, layers, l);
        }
        return (input, layers, null);
    }

    /// <summary>LSUV as it was (no bias, no shared weights: the options it ignored).</summary>
    public static List<(double Std, int Iterations, double Scale)> Lsuv(NetworkSpec spec, ulong seed, double tolerance, int maxIterations)
    {
        int batch = spec.Batch;
        var x = Input(spec, seed);
        var result = new List<(double, int, double)>();
        for (int l = 1; l <= spec.Depth; l++)
        {
            int nIn = spec.Widths[l - 1], nOut = spec.Widths[l];
            var w = new float[nOut * nIn];
            Orthogonal.Sample(new Generator(seed, 2UL * (ulong)l), w, nOut, nIn);
            var h = new float[batch * nOut];
            int iterations = 0;
            double scale = 1;
            double Forward()
            {
                Gemm.Core(false, true, batch, nOut, nIn, 1f, x, nIn, w, nIn, 0f, h, nOut);
                double std = Stats.Of(h).Std;
                return std * std;
            }
            double variance = Forward();
            while (Math.Abs(variance - 1) >= tolerance && iterations < maxIterations && variance > 0 && double.IsFinite(variance))
            {
                float factor = (float)(1 / Math.Sqrt(variance));
                TensorMath.Scale<float>(w, factor);
                scale *= factor;
                iterations++;
                variance = Forward();
            }
            result.Add((Math.Sqrt(variance), iterations, scale));
            x = Activate(spec, x, h);
        }
        return result;
    }

    private static float[] Input(NetworkSpec spec, ulong seed)
    {
        var x = new float[spec.Batch * spec.Widths[0]];
        if (spec.Input is { } given) given.CopyTo(x, 0);
        else new Generator(seed, 0).Normal(x, 0f, (float)Math.Sqrt(spec.InputVariance));
        return x;
    }

    private static void AddBias(NetworkSpec spec, ulong seed, int source, float[] h, int batch, int nOut)
    {
        if (spec.SigmaB == 0) return;
        var b = new float[nOut];
        new Generator(seed, 2UL * (ulong)source + 1).Normal(b, 0f, (float)spec.SigmaB);
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < nOut; j++) h[r * nOut + j] += b[j];
    }

    private static float[] Activate(NetworkSpec spec, float[] x, float[] h)
    {
        var y = new float[h.Length];
        spec.Activation.Forward<float>(h, y);
        if (spec.ResidualAlpha is { } a)
            for (int i = 0; i < y.Length; i++) y[i] = x[i] + (float)a * y[i];
        return y;
    }

    private static LayerTrace Trace<T>(int layer, T[] h, T[] y, int batch, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var post = Stats.Of<T>(new DenseTensor<T>(new Shape(y.Length), y));
        var pre = Stats.Of<T>(new DenseTensor<T>(new Shape(h.Length), h));
        double? correlation = null;
        if (batch >= 2)
        {
            // The loops summed in index order; the trace's correlation now sums in sixteen lanes by index (docs/numerics.md,
            // "Trace statistics"), written out here: lane k adds j = k mod 16 in order, each product with one rounding, then the
            // lanes pairwise in four levels.
            var q = new double[3, 16];
            for (int j = 0; j < n; j++)
            {
                double a = double.CreateTruncating(h[j]), b = double.CreateTruncating(h[n + j]);
                q[0, j % 16] = Math.FusedMultiplyAdd(a, a, q[0, j % 16]);
                q[1, j % 16] = Math.FusedMultiplyAdd(b, b, q[1, j % 16]);
                q[2, j % 16] = Math.FusedMultiplyAdd(a, b, q[2, j % 16]);
            }
            double Lanes(int r) => InitLab.Tests.Tensors.StatsLanesTests.Tree(Enumerable.Range(0, 16).Select(k => q[r, k]).ToArray());
            double q11 = Lanes(0), q22 = Lanes(1), q12 = Lanes(2);
            correlation = q12 / Math.Sqrt(q11 * q22);
        }
        return new LayerTrace(layer, post.Mean, post.Std, post.MeanSquare, post.Min, post.Max, post.ZeroFraction,
            post.NaNCount + post.InfCount, new PreActivationStats(pre.Mean, pre.Std, pre.MeanSquare), correlation,
            Histogram: InitLab.Tensors.MagnitudeHistogram.Of<T>(y));
    }
}
