using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>What the moment engine predicts at one node (infinite width, no sampling).</summary>
/// <param name="Name">The node.</param>
/// <param name="Op">The op's JSON name.</param>
/// <param name="Shape">The output shape without the batch.</param>
/// <param name="Block">The node's block, or null.</param>
/// <param name="Mean">E[y] over every element.</param>
/// <param name="Variance">E[y^2] - E[y]^2 over every element.</param>
/// <param name="MeanSquare">E[y^2] over every element.</param>
/// <param name="Correlation">q12 / sqrt(q11 q22) of two examples' outputs (the explicit trace's correlation).</param>
/// <param name="Law">Whether the elements are Gaussian, an element-wise map of a Gaussian, or neither.</param>
/// <param name="Parameters">The node's parameters with the std of their law.</param>
/// <param name="Assumptions">The approximations the node's rule made beyond the infinite-width limit (empty: exact in that limit).</param>
/// <param name="GradMeanSquare">E[(dL/dy)^2] per element with a backward pass (dL/d output ~ N(0, 1)); else null.</param>
/// <param name="GradNorm">The predicted ||dL/dy|| over a batch of B: sqrt(B x size x E[(dL/dy)^2]); else null.</param>
/// <param name="ParamGradNorm">The predicted sqrt(sum over the node's parameters of ||dL/dθ||^2) over the batch; else null.</param>
public sealed record MomentNode(
    string Name, string Op, Shape Shape, string? Block, double Mean, double Variance, double MeanSquare, double Correlation, LawKind Law,
    IReadOnlyList<ParameterTrace> Parameters, IReadOnlyList<string> Assumptions, double? GradMeanSquare = null, double? GradNorm = null,
    double? ParamGradNorm = null)
{
    /// <summary>sqrt(Variance).</summary>
    public double Std => Math.Sqrt(Variance);

    /// <summary>True when the node's moments are exact in the infinite-width limit (no assumption recorded).</summary>
    public bool Exact => Assumptions.Count == 0;
}

/// <summary>The moment engine's prediction for a whole graph.</summary>
/// <param name="Graph">The graph's name.</param>
/// <param name="Batch">The batch size the batch statistics and gradient norms refer to.</param>
/// <param name="Nodes">One entry per node, in topological order (shorter when a moment overflowed).</param>
/// <param name="FirstNonFiniteNode">The first node whose predicted moments overflow double precision, or null.</param>
public sealed record MomentTrace(string? Graph, int Batch, IReadOnlyList<MomentNode> Nodes, string? FirstNonFiniteNode)
{
    /// <summary>The prediction at node <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such node in the trace.</exception>
    public MomentNode this[string name] => Nodes.FirstOrDefault(n => n.Name == name)
        ?? throw new ArgumentException($"the trace has no node '{name}'.", nameof(name));

    /// <summary>
    /// The prediction as an explicit-engine trace (min, max and zero fraction NaN, no non-finite counts), so the graph diagnosis
    /// runs on it unchanged.
    /// </summary>
    public GraphTrace ToGraphTrace() => new(Graph, Batch, 0,
        Nodes.Select(n => new NodeTrace(n.Name, n.Op, n.Shape, n.Block, n.Mean, n.Std, n.MeanSquare, double.NaN, double.NaN, double.NaN,
            0, n.Correlation, n.Parameters, n.GradNorm, n.ParamGradNorm)).ToList(), FirstNonFiniteNode, 0);
}
