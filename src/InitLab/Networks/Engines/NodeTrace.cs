using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>One parameter tensor in a trace: its draw and, after a backward pass, its gradient.</summary>
/// <param name="Name">The name inside the op (<c>weight</c>).</param>
/// <param name="Shape">The shape.</param>
/// <param name="Role">What it does.</param>
/// <param name="Init">The initializer's name.</param>
/// <param name="Std">The unbiased std of the drawn values (NaN for a single value).</param>
/// <param name="GradNorm">||dL/dθ||_F after a backward pass; else null.</param>
public sealed record ParameterTrace(string Name, Shape Shape, ParameterRole Role, string Init, double Std, double? GradNorm = null);

/// <summary>
/// What the explicit engine measured at one node: the lab's statistics of its output over the whole batch, and with a backward
/// pass the gradient norms. Quantities an engine cannot measure are NaN or null.
/// </summary>
/// <param name="Name">The node.</param>
/// <param name="Op">The op's JSON name.</param>
/// <param name="Shape">The output shape without the batch.</param>
/// <param name="Block">The node's block, or null.</param>
/// <param name="Mean">mean(y).</param>
/// <param name="Std">Unbiased std of y.</param>
/// <param name="MeanSquare">mean(y^2).</param>
/// <param name="Min">min(y).</param>
/// <param name="Max">max(y).</param>
/// <param name="ZeroFraction">Fraction of exact zeros.</param>
/// <param name="NonFinite">Number of NaN or Inf entries.</param>
/// <param name="Correlation">q12 / sqrt(q11 q22) of the first two examples' outputs (order vs chaos), or null with one example.</param>
/// <param name="Parameters">The node's parameter tensors.</param>
/// <param name="GradNorm">||dL/dy||_F with a backward pass; else null (also for nodes the loss does not depend on).</param>
/// <param name="ParamGradNorm">sqrt(sum over the node's parameters of ||dL/dθ||^2) with a backward pass and parameters; else null.</param>
/// <param name="Histogram">The distribution of |y| in quarter-octave bins (<see cref="MagnitudeHistogram"/>), or null.</param>
public sealed record NodeTrace(
    string Name, string Op, Shape Shape, string? Block, double Mean, double Std, double MeanSquare, double Min, double Max,
    double ZeroFraction, long NonFinite, double? Correlation, IReadOnlyList<ParameterTrace> Parameters,
    double? GradNorm = null, double? ParamGradNorm = null, MagnitudeHistogram? Histogram = null);

/// <summary>The explicit engine's measurement of a whole graph.</summary>
/// <param name="Graph">The graph's name.</param>
/// <param name="Batch">The batch size.</param>
/// <param name="Seed">The seed.</param>
/// <param name="Nodes">One entry per node that ran, in topological order; shorter when the run stopped at a non-finite node.</param>
/// <param name="FirstNonFiniteNode">The first node whose output holds NaN or Inf (the run stops there), or null.</param>
/// <param name="PeakActivationElements">The most activation elements alive at once (forward-only runs free a node's output once its last reader ran).</param>
public sealed record GraphTrace(string? Graph, int Batch, ulong Seed, IReadOnlyList<NodeTrace> Nodes, string? FirstNonFiniteNode, long PeakActivationElements)
{
    /// <summary>The trace of node <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such node in the trace.</exception>
    public NodeTrace this[string name] => Nodes.FirstOrDefault(n => n.Name == name)
        ?? throw new ArgumentException($"the trace has no node '{name}'.", nameof(name));
}
