using System.Numerics;
using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Random;

namespace InitLab.Propagation;

/// <summary>
/// The explicit engine on the MLP lab's spec: the spec becomes a graph of the mlp family (<see cref="NetworkSpec.ToGraph"/>) and
/// runs through the graph's one walk (<see cref="ExplicitGraphEngine"/>); this class only maps the node trace to layers
/// (layer l = linear{l} before the activation, its output after). So it supports every weight scheme, shared weights, residual
/// connections, real input data and a backward pass, exactly as any graph does.
/// </summary>
/// <remarks>
/// Randomness (Philox): the input batch uses stream 0, the top gradient stream 1, layer l's weights stream 2l and its bias
/// stream 2l + 1 of the seed (with shared weights, layer 1's streams at every layer).
/// With PyTorch's generator the draws follow the order of a PyTorch script instead (see <see cref="Run"/>).
/// </remarks>
public static class ExplicitEngine
{
    internal const ulong InputStream = 0, GradientStream = 1;

    internal static ulong WeightStream(int layer) => 2UL * (ulong)layer;

    internal static ulong BiasStream(int layer) => 2UL * (ulong)layer + 1;

    /// <summary>
    /// Propagates a batch through <paramref name="spec"/>; with <paramref name="backward"/>, also back-propagates a random
    /// unit-variance gradient dL/dx_L ~ N(0, 1) and reports ||dL/dx_l||_F and ||dL/dW_l||_F per layer.
    /// Stops after the first layer whose output holds NaN or Inf.
    /// </summary>
    /// <param name="spec">The network.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="backward">Also run the backward pass.</param>
    /// <param name="threads">Threads the draws and products may use: 0 = all cores, 1 = serial; the trace is the same for every value.</param>
    /// <param name="generator">Philox (the lab's streams) or PyTorch's CPU generator (a PyTorch script's draw order).</param>
    /// <remarks>
    /// With <paramref name="generator"/> = <see cref="GeneratorKind.Torch"/> the weights, biases, inputs and top gradient
    /// are exactly those of this PyTorch script (one layer's parameters with shared weights):
    /// <code>
    /// torch.manual_seed(seed)
    /// for l in 1..L: W[l] = torch.empty(n[l], n[l-1]); init(W[l])           # the scheme's torch.nn.init function,
    ///                                                                        # or W.normal_(0, sigma_w / math.sqrt(n[l-1]))
    ///                if sigma_b &gt; 0: b[l] = torch.empty(n[l]).normal_(0, sigma_b)
    /// x = torch.empty(B, n[0]).normal_(0, math.sqrt(input_variance))         # unless the spec has an input batch
    /// top = torch.randn(B, n[L])                                             # backward only
    /// </code>
    /// The products are InitLab's (PyTorch leaves their summation order to its BLAS). Every W is drawn in the
    /// script's order and every layer keeps its own matrix, as the script does.
    /// </remarks>
    /// <exception cref="ArgumentException">The spec is inconsistent (see <see cref="NetworkSpec.Validate"/>), threads is
    /// negative, or with the torch generator the weights have no PyTorch counterpart.</exception>
    public static PropagationTrace Run(NetworkSpec spec, ulong seed, bool backward = false, int threads = 0, GeneratorKind generator = GeneratorKind.Philox)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        Numerics.Guard.Threads(threads);
        if (generator == GeneratorKind.Torch) return RunTorch(spec, seed, backward, threads);
        if (generator != GeneratorKind.Philox) throw new ArgumentException($"unknown generator {generator}.", nameof(generator));
        var graph = spec.ToGraph();
        var options = new ExplicitOptions { Batch = spec.Batch, Seed = seed, Backward = backward, GradientStream = GradientStream, Threads = threads };
        var trace = ExplicitGraphEngine.Run(graph, options, spec.GraphInputs, run =>
        {
            run.StopsOnNonFinite = MlpTraces.Stops(graph);
            run.MeasureParameters = false;
        });
        var (input, layers, firstNonFinite) = MlpTraces.Layers(graph, trace.Nodes, spec.Depth);
        return PropagationTrace.Diagnosed(Engine.Explicit, input, layers, firstNonFinite, spec);
    }

    private static PropagationTrace RunTorch(NetworkSpec spec, ulong seed, bool backward, int threads)
    {
        // Draw in the script's order: every W (and b) first, then x, then the top gradient. Propagate reads every layer's
        // weights before it runs, so each layer keeps its own matrix (as PyTorch's script does).
        var g = new TorchGenerator(seed);
        int layers = spec.SharedWeights ? 1 : spec.Depth;
        var weight = new float[layers + 1][];
        var bias = new float[]?[layers + 1];
        for (int l = 1; l <= layers; l++)
        {
            int rows = spec.Widths[l], cols = spec.Widths[l - 1];
            weight[l] = new float[rows * cols];
            spec.Weights.FillTorch(g, weight[l], rows, cols);
            if (spec.SigmaB != 0)
            {
                bias[l] = new float[rows];
                g.Normal(bias[l], 0, spec.SigmaB);
            }
        }
        float[] x0;
        if (spec.Input is { } given) x0 = (float[])given.Clone();
        else
        {
            x0 = new float[spec.Batch * spec.Widths[0]];
            g.Normal(x0, 0, Math.Sqrt(spec.InputVariance));
        }
        float[]? top = null;
        if (backward)
        {
            top = new float[spec.Batch * spec.Widths[^1]];
            g.Normal(top);
        }
        int Source(int layer) => spec.SharedWeights ? 1 : layer;
        var result = Propagate(spec.Widths, spec.Batch, spec.Activation, spec.ResidualAlpha, x0,
            layer => weight[Source(layer)], layer => bias[Source(layer)], top, threads: threads);
        return PropagationTrace.Diagnosed(Engine.Explicit, result.Input, result.Layers, result.FirstNonFinite, spec);
    }

    /// <summary>The result of <see cref="Propagate{T}"/>; the gradient lists hold layer l at index l - 1.</summary>
    internal sealed record Result<T>(LayerTrace Input, List<LayerTrace> Layers, int? FirstNonFinite, T[]? Output, List<T[]>? WeightGradients,
        T[]? InputGradient, List<T[]>? BiasGradients = null);

    /// <summary>
    /// Caller-owned gradient arrays: the backward pass writes dL/dW_l (fan_out x fan_in) into <paramref name="Weights"/>[l - 1]
    /// and dL/db_l into <paramref name="Biases"/>[l - 1], so a training loop allocates them once.
    /// </summary>
    internal sealed record GradientBuffers<T>(IReadOnlyList<T[]> Weights, IReadOnlyList<T[]> Biases);

    /// <summary>
    /// The MLP with given weights (layer l's W_l is widths[l] x widths[l-1], row-major) and biases (null for none) on input
    /// <paramref name="x0"/>, through the graph walk; generic so that the backward pass can be checked in double. Loss
    /// L = sum(top ⊙ x_L) when <paramref name="top"/> is given, so dL/dx_L = top; for a loss of the output (training),
    /// <paramref name="topGradient"/> receives x_L after a finite forward pass and returns dL/dx_L. With
    /// <paramref name="keepWeightGradients"/> or <paramref name="into"/>, the result holds dL/dW_l and dL/db_l; it always holds
    /// dL/dx_0 after a backward pass. Stops after the first non-finite layer output (and then runs no backward pass).
    /// </summary>
    internal static Result<T> Propagate<T>(IReadOnlyList<int> widths, int batch, Activation activation, double? residual,
        T[] x0, Func<int, T[]> weights, Func<int, T[]?> biases, T[]? top, bool keepWeightGradients = false,
        Func<T[], T[]>? topGradient = null, GradientBuffers<T>? into = null, int threads = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int depth = widths.Count - 1;
        bool backward = top is not null || topGradient is not null;
        keepWeightGradients |= into is not null;
        var b = Enumerable.Range(1, depth).Select(biases).ToArray();
        bool hasBias = b[0] is not null;
        var graph = MlpFamily.Build(widths, activation, bias: hasBias ? Init.Zeros() : null, residual: residual);
        var values = new Dictionary<string, T[]>();
        for (int l = 1; l <= depth; l++)
        {
            values[$"linear{l}.weight"] = weights(l);
            if (hasBias) values[$"linear{l}.bias"] = b[l - 1] ?? throw new ArgumentException($"layer {l} has no bias but layer 1 has one.", nameof(biases));
        }
        var run = new Execution<T>(graph, batch, 0, threads, backward, NetworkParameters<T>.From(graph, values),
            new Dictionary<string, T[]> { ["input"] = x0 }, trace: true)
        {
            StopsOnNonFinite = MlpTraces.Stops(graph),
        };
        run.Forward();
        var output = run.Outputs[run.FirstNonFinite ?? graph.Output.Index];
        if (!backward || run.FirstNonFinite is not null)
        {
            var (i0, l0, f0) = MlpTraces.Layers(graph, run.Traces, depth);
            return new Result<T>(i0, l0, f0, output, null, null);
        }
        var g = run.RunBackward(top ?? topGradient!(output!), inputGradients: true);
        var (input, layers, _) = MlpTraces.Layers(graph, run.Traces, depth);
        List<T[]>? weightGradients = null, biasGradients = null;
        if (keepWeightGradients)
        {
            weightGradients = Enumerable.Range(1, depth).Select(l => Into(g.Parameters[$"linear{l}.weight"], into?.Weights[l - 1])).ToList();
            if (hasBias) biasGradients = Enumerable.Range(1, depth).Select(l => Into(g.Parameters[$"linear{l}.bias"], into?.Biases[l - 1])).ToList();
        }
        return new Result<T>(input, layers, null, output, weightGradients, g.Inputs["input"], biasGradients);
    }

    private static T[] Into<T>(T[] gradient, T[]? buffer)
    {
        if (buffer is null) return gradient;
        gradient.CopyTo(buffer, 0);
        return buffer;
    }
}
