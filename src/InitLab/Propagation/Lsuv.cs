using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Propagation;

/// <summary>One layer's LSUV outcome.</summary>
/// <param name="Layer">Layer number (1-based).</param>
/// <param name="Std">Std of the layer's pre-activations on the data batch after the last rescale.</param>
/// <param name="Iterations">Number of rescales applied (0 when the orthonormal init already met the tolerance).</param>
/// <param name="Scale">Product of the factors applied to the orthonormal weights (the layer's effective gain).</param>
/// <param name="Converged">|Var - 1| &lt; tolerance when the loop stopped.</param>
public sealed record LsuvLayer(int Layer, double Std, int Iterations, double Scale, bool Converged);

/// <summary>The result of <see cref="Lsuv.Run(NetworkSpec, ulong, double, int, int)"/>: per-layer outcome and the initialized weights.</summary>
/// <param name="Layers">One entry per layer.</param>
/// <param name="Converged">True when every layer converged.</param>
/// <param name="Weights">The final weight matrices (layer l's is widths[l] x widths[l-1], row-major).</param>
public sealed record LsuvResult(IReadOnlyList<LsuvLayer> Layers, bool Converged, IReadOnlyList<float[]> Weights);

/// <summary>One weighted node's LSUV outcome on a network graph.</summary>
/// <param name="Node">The node (a linear or conv layer).</param>
/// <param name="Op">Its op.</param>
/// <param name="Std">Std of the node's output on the data batch after the last rescale.</param>
/// <param name="Iterations">Number of rescales applied.</param>
/// <param name="Scale">Product of the factors applied to its weight.</param>
/// <param name="Converged">|Var - 1| &lt; tolerance when the loop stopped.</param>
public sealed record GraphLsuvLayer(string Node, string Op, double Std, int Iterations, double Scale, bool Converged);

/// <summary>The result of LSUV on a graph: per weighted node, and the rescaled parameters.</summary>
/// <param name="Layers">One entry per linear or conv node, in graph order.</param>
/// <param name="Converged">True when every layer converged.</param>
/// <param name="Parameters">Every parameter of the graph after LSUV (weights rescaled, the rest as given).</param>
public sealed record GraphLsuvResult(IReadOnlyList<GraphLsuvLayer> Layers, bool Converged, NetworkParameters<float> Parameters);

/// <summary>
/// Layer-sequential unit-variance initialization (Mishkin &amp; Matas 2016, "All you need is a good init"):
/// orthonormal pre-initialization, then for each layer in order, while |Var(h_l) - 1| &gt;= tolerance and fewer than
/// maxIterations rescales were made, W_l &lt;- W_l / sqrt(Var(h_l)), where h_l = x_(l-1) W_l^T + b_l is the layer's output
/// before the nonlinearity on the data batch.
/// </summary>
/// <remarks>
/// The layers run through the graph's one walk (the spec as a graph of the mlp family), so every option of the spec is
/// honoured as the engines honour it: biases b_l ~ N(0, sigma_b^2) are part of h_l (a bias of variance &gt;= 1 can make unit
/// variance unreachable, which the layer then reports as not converged), residual connections, the input batch, and shared
/// weights, where every layer starts from the same orthonormal matrix Q and LSUV gives each layer its own scale s_l (the layers
/// share directions, not scales: one tied matrix cannot have unit variance at every depth).
/// </remarks>
public static class Lsuv
{
    /// <summary>Runs LSUV on <paramref name="spec"/>'s architecture and data batch (the spec's weight scheme is replaced by the orthonormal pre-init).</summary>
    /// <param name="spec">Widths, activation, bias, residual, shared weights, batch (Gaussian inputs of the spec's variance, or the spec's input).</param>
    /// <param name="seed">Seed of the orthonormal pre-init, the biases and the Gaussian inputs.</param>
    /// <param name="tolerance">Tol_var: stop when |Var - 1| &lt; tolerance (the paper uses 0.1).</param>
    /// <param name="maxIterations">T_max: at most this many rescales per layer (the paper uses 10).</param>
    /// <param name="threads">Threads the draws and products may use: 0 = all cores, 1 = serial; the result is the same for every value.</param>
    /// <exception cref="ArgumentException">tolerance &lt;= 0, maxIterations &lt; 1, or an inconsistent spec.</exception>
    public static LsuvResult Run(NetworkSpec spec, ulong seed, double tolerance = 0.1, int maxIterations = 10, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        Guard.Positive(tolerance);
        Guard.Positive(maxIterations);
        Guard.Threads(threads);
        var graph = spec.ToGraph(new WeightDistribution.Orthogonal(1.0));
        var result = Run(graph, NetworkParameters<float>.Draw(graph, seed, threads), spec.Batch, seed, spec.GraphInputs, tolerance, maxIterations, threads);
        var layers = result.Layers.Select((l, k) => new LsuvLayer(k + 1, l.Std, l.Iterations, l.Scale, l.Converged)).ToList();
        var weights = graph.Nodes.Where(n => n.Op is LinearOp).Select(n => result.Parameters[n.Parameters[0]]).ToList();
        return new LsuvResult(layers, result.Converged, weights);
    }

    /// <summary>
    /// LSUV on any graph through the same walk: for each linear or conv node in order, while |Var(y) - 1| &gt;= tolerance and
    /// fewer than maxIterations rescales were made, its weight W &lt;- W / sqrt(Var(y)), y the node's output (before whatever
    /// follows it) on the batch. The parameters start from <paramref name="start"/> (copied, e.g. a real model's orthonormal
    /// pre-init); the rest of the graph (normalizations, residual sums) runs as it is.
    /// </summary>
    /// <param name="graph">The network.</param>
    /// <param name="start">The parameters LSUV starts from (not changed).</param>
    /// <param name="batch">The batch size.</param>
    /// <param name="seed">Seed of the Gaussian inputs (where <paramref name="inputs"/> gives none).</param>
    /// <param name="inputs">Data per input node, or null for the input nodes' own draws.</param>
    /// <param name="tolerance">Stop when |Var - 1| &lt; tolerance.</param>
    /// <param name="maxIterations">At most this many rescales per layer.</param>
    /// <param name="threads">Threads: 0 = all cores, 1 = serial; the result is the same for every value.</param>
    /// <exception cref="ArgumentException">tolerance &lt;= 0, maxIterations &lt; 1, a batch below 1, or parameters of another graph.</exception>
    public static GraphLsuvResult Run(Graph graph, NetworkParameters<float> start, int batch, ulong seed, IReadOnlyDictionary<string, float[]>? inputs = null,
        double tolerance = 0.1, int maxIterations = 10, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(start);
        Guard.Positive(tolerance);
        Guard.Positive(maxIterations);
        Guard.Threads(threads);
        if (start.Graph != graph) throw new ArgumentException("the parameters belong to another graph.", nameof(start));
        var parameters = NetworkParameters<float>.From(graph, graph.Parameters.ToDictionary(p => p.FullName, p => (float[])start[p].Clone()));
        var layers = new List<GraphLsuvLayer>();
        Execution<float>? run = null;
        run = new Execution<float>(graph, batch, seed, threads, backward: false, parameters, inputs, trace: false)
        {
            AfterNode = node =>
            {
                if (node.Op is not (LinearOp or ConvOp)) return;
                var w = parameters[node.Parameters.First(p => p.Role == ParameterRole.Weight)];
                int iterations = 0;
                double scale = 1;
                double variance = Variance(run!.Outputs[node.Index]!);
                while (Math.Abs(variance - 1) >= tolerance && iterations < maxIterations && variance > 0 && double.IsFinite(variance))
                {
                    float factor = (float)(1 / Math.Sqrt(variance));
                    TensorMath.Scale<float>(w, factor);
                    scale *= factor;
                    iterations++;
                    run.Run(node);
                    variance = Variance(run.Outputs[node.Index]!);
                }
                layers.Add(new GraphLsuvLayer(node.Name, node.Op.Kind, Math.Sqrt(variance), iterations, scale, Math.Abs(variance - 1) < tolerance));
            },
        };
        run.Forward();
        return new GraphLsuvResult(layers, layers.All(l => l.Converged), parameters);
    }

    private static double Variance(float[] h)
    {
        double std = Stats.Of(h).Std;
        return std * std;
    }
}
