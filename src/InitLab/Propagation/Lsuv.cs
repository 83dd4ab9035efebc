using InitLab.LinearAlgebra;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Propagation;

/// <summary>One layer's LSUV outcome.</summary>
/// <param name="Layer">Layer number (1-based).</param>
/// <param name="Std">Std of the layer's pre-activations on the data batch after the last rescale.</param>
/// <param name="Iterations">Number of rescales applied (0 when the orthonormal init already met the tolerance).</param>
/// <param name="Scale">Product of the factors applied to the orthonormal weights (the layer's effective gain).</param>
/// <param name="Converged">|Var - 1| &lt; tolerance when the loop stopped.</param>
public sealed record LsuvLayer(int Layer, double Std, int Iterations, double Scale, bool Converged);

/// <summary>The result of <see cref="Lsuv.Run"/>: per-layer outcome and the initialized weights.</summary>
/// <param name="Layers">One entry per layer.</param>
/// <param name="Converged">True when every layer converged.</param>
/// <param name="Weights">The final weight matrices (layer l's is widths[l] x widths[l-1], row-major).</param>
public sealed record LsuvResult(IReadOnlyList<LsuvLayer> Layers, bool Converged, IReadOnlyList<float[]> Weights);

/// <summary>
/// Layer-sequential unit-variance initialization (Mishkin &amp; Matas 2016, "All you need is a good init"):
/// orthonormal pre-initialization, then for each layer in order, while |Var(h_l) - 1| &gt;= tolerance and fewer than
/// maxIterations rescales were made, W_l &lt;- W_l / sqrt(Var(h_l)), where h_l = x_(l-1) W_l^T is the layer's output
/// before the nonlinearity on the data batch.
/// </summary>
public static class Lsuv
{
    /// <summary>Runs LSUV on <paramref name="spec"/>'s architecture and data batch (the spec's weight scheme is replaced by the orthonormal pre-init).</summary>
    /// <param name="spec">Widths, activation, batch (Gaussian inputs of the spec's variance, or the spec's input).</param>
    /// <param name="seed">Seed of the orthonormal pre-init and the Gaussian inputs.</param>
    /// <param name="tolerance">Tol_var: stop when |Var - 1| &lt; tolerance (the paper uses 0.1).</param>
    /// <param name="maxIterations">T_max: at most this many rescales per layer (the paper uses 10).</param>
    /// <param name="threads">Threads the draws and products may use: 0 = all cores, 1 = serial; the result is the same for every value.</param>
    /// <exception cref="ArgumentException">tolerance &lt;= 0, maxIterations &lt; 1, threads &lt; 0, or an inconsistent spec.</exception>
    public static LsuvResult Run(NetworkSpec spec, ulong seed, double tolerance = 0.1, int maxIterations = 10, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        Guard.Positive(tolerance);
        Guard.Positive(maxIterations);
        Guard.Threads(threads);
        int batch = spec.Batch;
        var x = spec.DrawInput(seed, threads);

        var layers = new List<LsuvLayer>(spec.Depth);
        var weights = new List<float[]>(spec.Depth);
        for (int l = 1; l <= spec.Depth; l++)
        {
            int nIn = spec.Widths[l - 1], nOut = spec.Widths[l];
            var w = new float[nOut * nIn];
            Orthogonal.Sample(new Generator(seed, ExplicitEngine.WeightStream(l)), w, nOut, nIn, threads);
            var h = new float[batch * nOut];
            int iterations = 0;
            double scale = 1;
            double variance = Forward(x, w, h, batch, nIn, nOut, threads);
            while (Math.Abs(variance - 1) >= tolerance && iterations < maxIterations && variance > 0 && double.IsFinite(variance))
            {
                float factor = (float)(1 / Math.Sqrt(variance));
                TensorMath.Scale<float>(w, factor);
                scale *= factor;
                iterations++;
                variance = Forward(x, w, h, batch, nIn, nOut, threads);
            }
            layers.Add(new LsuvLayer(l, Math.Sqrt(variance), iterations, scale, Math.Abs(variance - 1) < tolerance));
            weights.Add(w);
            var y = new float[h.Length];
            spec.Activation.Forward<float>(h, y);
            if (spec.ResidualAlpha is { } alpha)
                for (int i = 0; i < y.Length; i++) y[i] = x[i] + (float)alpha * y[i];
            x = y;
        }
        return new LsuvResult(layers, layers.All(l => l.Converged), weights);
    }

    private static double Forward(float[] x, float[] w, float[] h, int batch, int nIn, int nOut, int threads)
    {
        Gemm.Core(false, true, batch, nOut, nIn, 1f, x, Math.Max(1, nIn), w, Math.Max(1, nIn), 0f, h, Math.Max(1, nOut), threads);
        double std = Stats.Of(h).Std;
        return std * std;
    }
}
