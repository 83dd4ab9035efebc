using System.Numerics.Tensors;
using InitLab.LinearAlgebra;
using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Random;

namespace InitLab.Propagation;

/// <summary>
/// The ensemble engine: samples each layer's pre-activations H = X W^T + b exactly in distribution without forming W,
/// for weights that are fresh at every layer and either i.i.d. Gaussian or Haar orthogonal.
/// </summary>
/// <remarks>
/// Gaussian W_ij ~ N(0, sigma_w^2 / n_in): the columns of H are i.i.d. N(0, sigma_w^2 / n_in X X^T), so with
/// X X^T = F F^T (pivoted Cholesky, no jitter), H = sigma_w / sqrt(n_in) F Z with Z a standard normal r x n_out matrix.
/// Orthogonal W = gain Q (Q Haar with orthonormal columns, n_out &gt;= n_in): X^T = Q_x F^T for some orthonormal Q_x, and
/// Q Q_x is a Haar-distributed n_out x r frame U, so H = gain F U^T. Each layer costs O(B^2 n + B^3) instead of O(B n^2).
/// Randomness: the input batch uses the same stream as the explicit engine (so both see the same x_0); layer l draws
/// from stream 2l (Z or U) and 2l + 1 (bias). Everything but the sampled product (bias, activation, residual add, statistics,
/// the stop at the first non-finite layer) is the graph walk of the explicit engine, so the two engines cannot drift apart.
/// </remarks>
public static class EnsembleEngine
{
    /// <summary>Propagates <paramref name="spec"/>; stops after the first non-finite layer. The draws and products use up
    /// to <paramref name="threads"/> threads (0 = all cores, 1 = serial); the trace is the same for every value.</summary>
    /// <exception cref="ArgumentException">The spec cannot be represented: shared weights, a weight scheme other than
    /// Gaussian or orthogonal, or orthogonal weights with fan_out &lt; fan_in (the message says to use the explicit engine);
    /// or threads is negative.</exception>
    public static PropagationTrace Run(NetworkSpec spec, ulong seed, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        CheckRepresentable(spec);
        InitLab.Numerics.Guard.Threads(threads);
        // The graph walk does everything but the linear layers' X W^T, which is sampled from the Gram matrix of X (float32 as
        // the explicit engine; the Cholesky factorization in double). Work arrays are reused across layers.
        var graph = spec.ToGraph();
        var scratch = new Scratch();
        var options = new ExplicitOptions { Batch = spec.Batch, Seed = seed, Threads = threads };
        var trace = ExplicitGraphEngine.Run(graph, options, spec.GraphInputs, run =>
        {
            run.StopsOnNonFinite = MlpTraces.Stops(graph);
            run.Override = (node, pass) =>
            {
                if (node.Op is not LinearOp linear) return false;
                int nIn = pass.InputShape(0)[-1];
                SampleLayer(spec.Weights, pass.Input(0), pass.Batch, nIn, linear.OutFeatures, new Generator(seed, node.Parameters[0].Stream), pass.Output, scratch, threads);
                if (linear.Bias) LinearOp.AddBias(pass.Output, pass.Parameter(1), pass.Batch, linear.OutFeatures);
                return true;
            };
        });
        var (input, layers, firstNonFinite) = MlpTraces.Layers(graph, trace.Nodes, spec.Depth);
        return PropagationTrace.Diagnosed(Engine.Ensemble, input, layers, firstNonFinite, spec);
    }

    /// <summary>Throws when the ensemble engine cannot sample <paramref name="spec"/> exactly.</summary>
    public static void CheckRepresentable(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.SharedWeights)
            throw new ArgumentException("the ensemble engine needs fresh weights at every layer; shared weights are correlated across layers, use --engine explicit.", nameof(spec));
        switch (spec.Weights)
        {
            case WeightDistribution.Gaussian:
                return;
            case WeightDistribution.Orthogonal:
                for (int l = 1; l <= spec.Depth; l++)
                    if (spec.Widths[l] < spec.Widths[l - 1])
                        throw new ArgumentException($"the ensemble engine samples orthogonal layers only when fan_out >= fan_in; layer {l} maps {spec.Widths[l - 1]} -> {spec.Widths[l]}, use --engine explicit.", nameof(spec));
                return;
            default:
                throw new ArgumentException($"the ensemble engine is exact only for i.i.d. Gaussian or orthogonal weights, not {spec.Weights.Describe()}; use --engine explicit.", nameof(spec));
        }
    }

    /// <summary>Work arrays of <see cref="SampleLayer"/>, kept across layers.</summary>
    internal sealed class Scratch
    {
        public float[]? Scaled;
        public float[]? Gram;
        public double[]? GramDouble;
        public float[]? Factor;
        public float[]? Z;
        public float[]? U;
    }

    internal static T[] Buffer<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length != length) buffer = new T[length];
        return buffer;
    }

    /// <summary>
    /// One draw of X W^T (B x n_out) for a fresh W into <paramref name="h"/>, from the B x B Gram matrix of X. X is first
    /// scaled by 2^-e, e = floor(log2 max|x|), exactly: the float Gram matrix of X itself (entries up to n max|x|^2)
    /// overflowed at max|x| ~ 1e19 and underflowed at 1e-19, half-way (in log scale) to where the activations do, so the
    /// engine went non-finite at about half the explicit engine's depth. H = 2^e (scale F' Z) with F' the factor of the
    /// scaled Gram matrix; the final 2^e is applied in double and rounded once, so H overflows exactly when its entries
    /// exceed float's range, as the explicit product's do.
    /// </summary>
    internal static void SampleLayer(WeightDistribution weights, float[] x, int batch, int nIn, int nOut, Generator g, float[] h, Scratch scratch, int threads = 0)
    {
        int length = batch * nIn;
        float maxAbs = length == 0 ? 0f : Math.Abs(TensorPrimitives.MaxMagnitude(x.AsSpan(0, length)));
        if (!float.IsFinite(maxAbs))
        {
            // Overflowed inputs: the explicit product would be non-finite too.
            Array.Fill(h, float.NaN);
            return;
        }
        if (maxAbs == 0)
        {
            Array.Clear(h); // X = 0: every pre-activation is 0
            return;
        }
        int exponent = Math.ILogB(maxAbs);
        var scaled = Buffer(ref scratch.Scaled, length);
        ScaleByPowerOfTwo(x.AsSpan(0, length), -exponent, scaled);  // exact: a power of two, result in [2^-149, 2)
        var gram = Buffer(ref scratch.Gram, batch * batch);
        Gemm.Core(false, true, batch, batch, nIn, 1f, scaled, Math.Max(1, nIn), scaled, Math.Max(1, nIn), 0f, gram, batch, threads);
        var gramDouble = Buffer(ref scratch.GramDouble, gram.Length);
        for (int i = 0; i < gram.Length; i++) gramDouble[i] = gram[i];
        // The Gram matrix was accumulated in float: pivots below n 2^-23 max diag are rounding, not rank.
        var (fd, rank) = Cholesky.PivotedSemidefinite(gramDouble, batch, roundoff: 1.0 / (1 << 23));
        if (rank == 0)
        {
            Array.Clear(h); // X = 0: every pre-activation is 0
            return;
        }
        var f = Buffer(ref scratch.Factor, fd.Length);
        for (int i = 0; i < fd.Length; i++) f[i] = (float)fd[i];
        var z = Buffer(ref scratch.Z, rank * nOut);
        float scale;
        switch (weights)
        {
            case WeightDistribution.Gaussian gaussian:
                g.Normal(z, threads);
                scale = (float)gaussian.Std(nIn, nOut);
                break;
            case WeightDistribution.Orthogonal orthogonal:
            {
                // U: n_out x r Haar frame, stored transposed as r x n_out rows.
                var u = Buffer(ref scratch.U, nOut * rank);
                LinearAlgebra.Orthogonal.Sample(g, u, nOut, rank, threads);
                for (int i = 0; i < nOut; i++)
                    for (int p = 0; p < rank; p++) z[p * nOut + i] = u[i * rank + p];
                scale = (float)orthogonal.Gain;
                break;
            }
            default:
                throw new ArgumentException($"not representable: {weights.Describe()}.", nameof(weights));
        }
        Gemm.Core(false, false, batch, nOut, rank, scale, f, rank, z, Math.Max(1, nOut), 0f, h, Math.Max(1, nOut), threads);
        ScaleByPowerOfTwo(h, exponent, h); // one rounding: exact, or +-inf / subnormal as X W^T would be
    }

    /// <summary>
    /// y = (float)(x * 2^k) with the product formed exactly (in double) and rounded once. When 2^k is a normal float the
    /// float product is that same correctly rounded value (including overflow to infinity and rounding into the
    /// subnormals), so the vectorized float multiply is used; otherwise each product goes through double.
    /// </summary>
    internal static void ScaleByPowerOfTwo(ReadOnlySpan<float> x, int k, Span<float> y)
    {
        if (k >= -126 && k <= 127)
        {
            TensorPrimitives.Multiply(x, MathF.ScaleB(1f, k), y);
            return;
        }
        double factor = Math.ScaleB(1.0, k);
        for (int i = 0; i < x.Length; i++) y[i] = (float)(x[i] * factor);
    }
}
