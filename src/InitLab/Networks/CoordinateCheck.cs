using InitLab.Random;
using InitLab.Training;

namespace InitLab.Networks;

/// <summary>Settings of <see cref="CoordinateCheck.Run"/>.</summary>
public sealed record CoordinateCheckOptions
{
    /// <summary>Examples in the one fixed batch (&gt;= 1).</summary>
    public int Batch { get; init; } = 8;

    /// <summary>The seed of the parameters, the batch's inputs and its labels.</summary>
    public ulong Seed { get; init; }

    /// <summary>SGD steps T (&gt;= 0): the layers are measured at t = 0..T.</summary>
    public int Steps { get; init; }

    /// <summary>The global SGD learning rate eta (&gt; 0), times each parameter's multiplier.</summary>
    public double LearningRate { get; init; } = 0.1;
}

/// <summary>One weighted layer of a coordinate check: the root mean square of its output after t = 0..T steps.</summary>
/// <param name="Node">The weighted node.</param>
/// <param name="Rms">Rms[t]: sqrt(mean of the output's squares) over the batch after t steps (NaN after a divergence).</param>
public sealed record CoordinateLayer(string Node, IReadOnlyList<double> Rms);

/// <summary>
/// muP's coordinate check (Yang et al. 2021, "Tensor Programs V", Section 7 and Figure 5): the size of every weighted layer's output
/// coordinates after t = 0..T optimizer steps, to be compared across widths. Under the standard parameterization with one global
/// learning rate the coordinates grow with width after the first step (a hidden layer's update Delta W x is a sum over n inputs of
/// terms of the same sign: O(eta sqrt n) with an SP readout, the readout's O(eta n)); under muP, with its per-layer learning rates
/// (<see cref="MuPSgdLearningRates"/>), they stay O(1).
/// </summary>
/// <remarks>
/// The network is trained as a classifier on one fixed synthetic batch: inputs N(0, v) of the input node's variance v from the
/// Philox stream "coordcheck.input", labels uniform on the K = output size classes from "coordcheck.labels", the mean softmax
/// cross-entropy of the graph's output (its logits), plain SGD (momentum 0): p = p - eta m_p grad_p with a multiplier m_p per
/// parameter. The forward and backward passes are the explicit engine's (<see cref="GraphClassifier"/>), in float.
/// </remarks>
public static class CoordinateCheck
{
    /// <summary>
    /// muP's SGD learning-rate multipliers (Tensor Programs V, Table 3, with base shapes; Yang et al.'s <c>mup</c> package): a
    /// parameter's dimensions that differ from the same parameter in <paramref name="baseGraph"/> (the model at the base width) are
    /// the infinite ones. A weight (fan_out, fan_in, ...) with both infinite (hidden) gets 1; with only fan_out infinite (input
    /// weights) fan_out / base_fan_out; with only fan_in infinite (output weights) base_fan_in / fan_in; a vector (bias, norm scale or
    /// shift) of infinite length n gets n / base_n; everything else 1. At the base width every multiplier is 1 (SP).
    /// </summary>
    /// <exception cref="ArgumentException">The graphs' parameters differ in name, rank or count.</exception>
    public static IReadOnlyDictionary<string, double> MuPSgdLearningRates(Graph graph, Graph baseGraph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(baseGraph);
        var baseShapes = baseGraph.Parameters.ToDictionary(p => p.FullName, p => p.Shape, StringComparer.Ordinal);
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in graph.Parameters)
        {
            if (!baseShapes.TryGetValue(p.FullName, out var b) || b.Rank != p.Shape.Rank)
                throw new ArgumentException($"the base model has no parameter '{p.FullName}' of rank {p.Shape.Rank}: base shapes must come from the same model at another width.", nameof(baseGraph));
            double multiplier = 1;
            if (p.Shape.Rank == 1)
            {
                if (p.Shape[0] != b[0]) multiplier = p.Shape[0] / (double)b[0];
            }
            else if (p.Shape.Rank >= 2)
            {
                bool outInfinite = p.Shape[0] != b[0], inInfinite = p.Shape[1] != b[1];
                if (outInfinite && !inInfinite) multiplier = p.Shape[0] / (double)b[0];
                else if (inInfinite && !outInfinite) multiplier = b[1] / (double)p.Shape[1];
            }
            result[p.FullName] = multiplier;
        }
        if (baseShapes.Count != result.Count)
            throw new ArgumentException($"the base model has {baseShapes.Count} parameters, this one {result.Count}: base shapes must come from the same model at another width.", nameof(baseGraph));
        return result;
    }

    /// <summary>
    /// Trains <paramref name="graph"/> for <see cref="CoordinateCheckOptions.Steps"/> SGD steps on one fixed batch and returns, for
    /// every weighted node, the rms of its output at t = 0..T. <paramref name="learningRates"/> gives the multiplier of each
    /// parameter (by full name; missing: 1); null: one global learning rate (SP).
    /// </summary>
    /// <exception cref="ArgumentException">Options out of range; a graph without exactly one real-valued input, or whose output (the
    /// logits) has fewer than 2 values.</exception>
    public static IReadOnlyList<CoordinateLayer> Run(Graph graph, IReadOnlyDictionary<string, double>? learningRates, CoordinateCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Batch < 1) throw new ArgumentException($"batch must be >= 1, got {options.Batch}.", nameof(options));
        if (options.Steps < 0) throw new ArgumentException($"steps must be >= 0, got {options.Steps}.", nameof(options));
        if (!(options.LearningRate > 0 && double.IsFinite(options.LearningRate)))
            throw new ArgumentException($"the learning rate must be a finite number > 0, got {options.LearningRate}.", nameof(options));
        long classes = graph.Output.Shape.Size;
        if (classes < 2)
            throw new ArgumentException($"the coordinate check trains the graph's output as the logits of a classifier; output '{graph.Output.Name}' has {classes} value(s), it needs >= 2.", nameof(graph));
        var model = GraphClassifier.Create(graph, (int)classes, options.Seed);
        var input = (Ops.InputOp)graph.Inputs.Single().Op;
        var x = new float[options.Batch * model.InputWidth];
        new Generator(options.Seed, Parameter.StreamOf("coordcheck.input")).Normal(x, 0f, (float)Math.Sqrt(input.Variance));
        var labels = new int[options.Batch];
        var draw = new Generator(options.Seed, Parameter.StreamOf("coordcheck.labels"));
        for (int i = 0; i < labels.Length; i++) labels[i] = (int)Math.Min(classes - 1, Math.Floor(draw.NextUniform() * classes));
        var parameters = model.ParameterList();
        var names = model.Parameters.Names.ToList();
        var multipliers = names.Select(n => (float)(learningRates?.GetValueOrDefault(n, 1) ?? 1)).ToArray();
        var state = new Optimizer.Sgd(options.LearningRate, Momentum: 0).CreateState(parameters.Select(p => p.Length).ToArray());
        var weighted = graph.Nodes.Where(n => n.Parameters.Any(p => p.Role == ParameterRole.Weight)).Select(n => n.Name).ToList();
        var rms = weighted.Select(_ => Enumerable.Repeat(double.NaN, options.Steps + 1).ToArray()).ToArray();
        for (int t = 0; t <= options.Steps; t++)
        {
            var (_, gradients, pass) = model.LossAndGradients(x, labels, options.Seed, trace: true, threads: 0);
            var traces = pass.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
            for (int l = 0; l < weighted.Count; l++)
                if (traces.TryGetValue(weighted[l], out var trace)) rms[l][t] = Math.Sqrt(trace.MeanSquare);
            if (t == options.Steps || gradients is null) break;
            // p - eta (m g): the multiplier scales the gradient, which with momentum 0 is exactly a per-parameter learning rate.
            for (int i = 0; i < multipliers.Length; i++)
                if (multipliers[i] != 1)
                {
                    var g = gradients[i];
                    for (int k = 0; k < g.Length; k++) g[k] *= multipliers[i];
                }
            state.Update(parameters, gradients);
        }
        return weighted.Select((n, l) => new CoordinateLayer(n, rms[l])).ToList();
    }
}
