using System.Numerics;
using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;

namespace InitLab.Propagation;

/// <summary>
/// The explicit engine on the MLP lab's spec: the spec becomes a graph of the mlp family (<see cref="NetworkSpec.ToGraph"/>) and
/// runs through the graph's one walk (<see cref="ExplicitGraphEngine"/>); this class only maps the node trace to layers
/// (layer l = linear{l} before the activation, its output after). So it supports every weight scheme, shared weights, residual
/// connections, real input data and a backward pass, exactly as any graph does.
/// </summary>
/// <remarks>
/// Randomness: the input batch uses stream 0, the top gradient stream 1, layer l's weights stream 2l and its bias stream
/// 2l + 1 of the seed (with shared weights, layer 1's streams at every layer).
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
    /// <exception cref="ArgumentException">The spec is inconsistent (see <see cref="NetworkSpec.Validate"/>).</exception>
    public static PropagationTrace Run(NetworkSpec spec, ulong seed, bool backward = false, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var graph = spec.ToGraph();
        Numerics.Guard.Threads(threads);
        var options = new ExplicitOptions { Batch = spec.Batch, Seed = seed, Backward = backward, GradientStream = GradientStream, Threads = threads };
        var trace = ExplicitGraphEngine.Run(graph, options, spec.GraphInputs, run => run.StopsOnNonFinite = MlpTraces.Stops(graph));
        var (input, layers, firstNonFinite) = MlpTraces.Layers(graph, trace.Nodes, spec.Depth);
        return PropagationTrace.Diagnosed(Engine.Explicit, input, layers, firstNonFinite, spec);
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
