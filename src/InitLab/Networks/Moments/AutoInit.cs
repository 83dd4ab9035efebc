using InitLab.Initializers;
using InitLab.Networks.Ops;

namespace InitLab.Networks;

/// <summary>Settings of <see cref="AutoInit.Run"/>.</summary>
public sealed record AutoInitOptions
{
    /// <summary>The std every weighted layer's and every residual add's output is brought to (default 1).</summary>
    public double TargetStd { get; init; } = 1;

    /// <summary>The batch size of the moment engine (batch norm's statistics depend on it; default 64).</summary>
    public int Batch { get; init; } = 64;

    /// <summary>Threads of the moment engine (0 = all cores); the result does not depend on it.</summary>
    public int Threads { get; init; }
}

/// <summary>A parameter's new initializer: N(0, Std^2) for a weight, zeros for a bias.</summary>
/// <param name="Name">The parameter's name in its node (<c>weight</c>, <c>in_proj_weight</c>).</param>
/// <param name="Std">The std of its elements.</param>
public sealed record AutoInitParameter(string Name, double Std);

/// <summary>What automatic initialization chose at one node.</summary>
/// <param name="Name">The node.</param>
/// <param name="Op">The op's JSON name.</param>
/// <param name="Block">The node's block, or null.</param>
/// <param name="Std">The std of the weight that sets the output scale (the last weight: a linear or conv kernel, an attention's
/// out_proj_weight, an embedding table); null for an add.</param>
/// <param name="Parameters">Every parameter the node's new init sets (weights N(0, std^2), biases 0).</param>
/// <param name="Scales">For an add: the new scale of each input (the old ones times one common factor); else null.</param>
/// <param name="InputSecondMoment">E[x^2] of the node's (first) input, which the scale divides out.</param>
/// <param name="PredictedStd">The moment engine's std of the node's output with the chosen scale (the target, unless the output
/// cannot reach it).</param>
public sealed record AutoInitLayer(string Name, string Op, string? Block, double? Std, IReadOnlyList<AutoInitParameter> Parameters,
    IReadOnlyList<double>? Scales, double InputSecondMoment, double PredictedStd);

/// <summary>The result of <see cref="AutoInit.Run"/>.</summary>
/// <param name="Graph">The graph with the chosen initializers and add scales.</param>
/// <param name="Layers">One entry per node whose scale was chosen, in topological order.</param>
/// <param name="Prediction">A fresh run of the moment engine on <paramref name="Graph"/>: every node's predicted moments.</param>
/// <param name="TargetStd">The target.</param>
public sealed record AutoInitResult(Graph Graph, IReadOnlyList<AutoInitLayer> Layers, MomentTrace Prediction, double TargetStd);

/// <summary>
/// Automatic initialization (AutoInit, Bingham &amp; Miikkulainen 2023, done with the exact moment engine): walking the graph in
/// topological order, every weighted node's scale is chosen so that the moment engine predicts output std = target, given the
/// moments its inputs actually have under the choices made upstream.
/// </summary>
/// <remarks>
/// <para>Weighted node (linear, conv, embedding; attention): biases are set to 0 and weights to N(0, s^2). With zero-mean weights
/// and no bias the output has mean 0 and variance s^2 G, where G depends only on the inputs' moments (for y = W x, G = fan_in E[x^2]
/// per tap; for a conv with zero padding, border taps see fewer inputs; for attention, G depends on the logits' law). The engine
/// evaluates v_1 = Var(y) at a trial s_1 = 1/sqrt(fan_in), and s = s_1 target / sqrt(v_1), so Var(y) = target^2 exactly.
/// An attention's in_proj_weight is set first to s_in = 1/sqrt(D E[x^2]), so queries, keys and values have unit second moment (the
/// logits q.k/sqrt(d_head) then have unit variance), and its out_proj_weight is solved as above.</para>
/// <para>Add y = sum_i a_i x_i: the output variance is sum_ij a_i a_j Cov(x_i, x_j), with the covariances the engine derives from
/// the graph (independent branches, or the identity shortcut and a branch that reads it); every a_i is multiplied by one factor
/// c = target / sqrt(Var(y)), which keeps the ratio of shortcut to branch the graph gave and brings the output to the target.</para>
/// <para>Every other node (activations, normalization with its affine parameters, pooling, softmax, concat, ...) keeps its op and
/// parameters: its output moments follow from its inputs' (an activation's output std is not the target but what the activation
/// makes of a target-std input; the next weighted layer divides its second moment out).</para>
/// </remarks>
public static class AutoInit
{
    /// <summary>Chooses every weighted node's and add's scale in <paramref name="graph"/>.</summary>
    /// <exception cref="ArgumentException">Target std not finite and positive, batch &lt; 1, weights shared between nodes (one tensor
    /// cannot have two scales), an op without a moment rule, or a node whose input is identically zero (no scale can reach the
    /// target); the message names the node.</exception>
    public static AutoInitResult Run(Graph graph, AutoInitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= new AutoInitOptions();
        if (!(options.TargetStd > 0) || !double.IsFinite(options.TargetStd))
            throw new ArgumentException($"target std must be finite and > 0, got {options.TargetStd}.", nameof(options));
        if (options.Batch < 1) throw new ArgumentException($"batch must be >= 1, got {options.Batch}.", nameof(options));
        if (graph.Parameters.Where(p => p.Role is ParameterRole.Weight or ParameterRole.Embedding).GroupBy(p => p.Stream).FirstOrDefault(g => g.Count() > 1) is { } shared)
            throw new ArgumentException($"parameters {string.Join(" and ", shared.Select(p => p.FullName))} draw one shared tensor: automatic initialization gives every weighted node its own scale.", nameof(graph));

        var engineOptions = new MomentOptions { Batch = options.Batch, Threads = options.Threads };
        var walk = new MomentEngine.Walk(graph, engineOptions);
        var layers = new List<AutoInitLayer>();
        var nodes = new Node[graph.Nodes.Count];
        double target = options.TargetStd;
        foreach (var node in graph.Nodes)
        {
            int i = node.Index;
            var chosen = node;
            if (node.Op is AddOp add)
            {
                Check(walk, i);
                double v = walk.State(i).Variance;
                if (!(v > 0))
                    throw new ArgumentException($"node '{node.Name}' (add): its output is constant (variance {v:G4}), so no scale of its inputs reaches std {target:G4}.", nameof(graph));
                double c = target / Math.Sqrt(v);
                var scales = Enumerable.Range(0, node.Inputs.Count).Select(k => add.Scale(k) * c).ToArray();
                chosen = node.With(new AddOp(scales), [.. node.Parameters]);
                walk.Replace(chosen);
                Check(walk, i);
                layers.Add(new AutoInitLayer(node.Name, node.Op.Kind, node.Block, null, [], scales, walk.State(node.InputIndices[0]).AverageSecond, walk.State(i).Std()));
            }
            else if (node.Parameters.Any(p => p.Role is ParameterRole.Weight or ParameterRole.Embedding))
            {
                var weights = node.Parameters.Where(p => p.Role is ParameterRole.Weight or ParameterRole.Embedding).ToList();
                double inputSecond = node.InputIndices.Count > 0 ? walk.State(node.InputIndices[0]).AverageSecond : 1;
                var stds = new Dictionary<string, double>();
                // Every weight but the last makes unit second moment from its input (an attention's queries, keys and values).
                for (int k = 0; k < weights.Count - 1; k++)
                {
                    if (!(inputSecond > 0))
                        throw new ArgumentException($"node '{node.Name}' ({node.Op.Kind}): its input is identically zero, so no scale of '{weights[k].Name}' reaches std {target:G4}.", nameof(graph));
                    stds[weights[k].Name] = 1 / Math.Sqrt(FanIn(weights[k]) * inputSecond);
                }
                var last = weights[^1];
                double trial = 1 / Math.Sqrt(FanIn(last));
                stds[last.Name] = trial;
                walk.Replace(WithStds(node, stds));
                Check(walk, i);
                double v1 = walk.State(i).Variance;
                if (!(v1 > 0) || !double.IsFinite(v1))
                    throw new ArgumentException($"node '{node.Name}' ({node.Op.Kind}): its output variance is {v1:G4} at weight std {trial:G4} (input E[x^2] = {inputSecond:G4}), so no scale of '{last.Name}' reaches std {target:G4}.", nameof(graph));
                stds[last.Name] = trial * target / Math.Sqrt(v1);
                chosen = WithStds(node, stds);
                walk.Replace(chosen);
                Check(walk, i);
                layers.Add(new AutoInitLayer(node.Name, node.Op.Kind, node.Block, stds[last.Name],
                    chosen.Parameters.Select(p => new AutoInitParameter(p.Name, stds.TryGetValue(p.Name, out double s) ? s : 0)).ToList(), null,
                    inputSecond, walk.State(i).Std()));
            }
            else Check(walk, i);
            nodes[i] = chosen;
        }
        var result = new Graph(nodes, graph.Output.Index, graph.Name);
        return new AutoInitResult(result, layers, MomentEngine.Run(result, engineOptions), target);
    }

    private static double Std(this MomentState state) => Math.Sqrt(state.Variance);

    private static void Check(MomentEngine.Walk walk, int i)
    {
        if (!walk.Step(i))
            throw new ArgumentException($"node '{walk.NodeAt(i).Name}' ({walk.NodeAt(i).Op.Kind}): its predicted moments overflow even after rescaling its inputs.", "graph");
    }

    /// <summary>fan_in = in x receptive field of a (out, in, *kernel) weight; the row length of an embedding table is not a fan-in (1).</summary>
    private static double FanIn(Parameter p) =>
        p.Role == ParameterRole.Embedding || p.Shape.Rank < 2 ? 1 : p.Shape.Size / (double)p.Shape[0];

    /// <summary>The node with weights N(0, std^2) as given and every bias zero.</summary>
    private static Node WithStds(Node node, IReadOnlyDictionary<string, double> stds)
    {
        var zeros = Init.Zeros();
        return node.With(node.Op, node.Parameters.Select(p =>
        {
            Initializer? init = stds.TryGetValue(p.Name, out double s) ? Init.Normal(0, s) : p.Role == ParameterRole.Bias ? zeros : null;
            return init is null ? p : new Parameter(p.Node, new ParameterSpec(p.Name, p.Shape, p.Role, init), init, p.Stream);
        }).ToArray());
    }
}
