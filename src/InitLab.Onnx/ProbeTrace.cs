using InitLab.Propagation;
using InitLab.Tensors;

namespace InitLab.Onnx;

/// <summary>
/// What the probe measured at one node's (first) output over the whole batch: the lab's per-node statistics, as the
/// graph engine's NodeTrace reports them (a minimal record of its own until the graph types are on main).
/// </summary>
/// <param name="Name">The node's name (its first output's name when the node has none).</param>
/// <param name="Op">The ONNX op type.</param>
/// <param name="Shape">The output's shape, batch included.</param>
/// <param name="Mean">mean(y).</param>
/// <param name="Std">Unbiased std of y.</param>
/// <param name="MeanSquare">mean(y^2).</param>
/// <param name="Min">min(y).</param>
/// <param name="Max">max(y).</param>
/// <param name="ZeroFraction">Fraction of exact zeros (dead ReLUs).</param>
/// <param name="NonFinite">Number of NaN or Inf entries.</param>
/// <param name="Correlation">Correlation of the first two examples' outputs (order vs chaos), or null with one example.</param>
/// <param name="Histogram">The distribution of |y| in quarter-octave bins (a column of the "colorful dimension" plot).</param>
public sealed record ProbeNode(
    string Name, string Op, IReadOnlyList<long> Shape, double Mean, double Std, double MeanSquare, double Min, double Max,
    double ZeroFraction, long NonFinite, double? Correlation, MagnitudeHistogram? Histogram = null);

/// <summary>A probe of a real model: the input, every node's output, and the diagnosis over the weighted layers.</summary>
/// <param name="Model">The model's path.</param>
/// <param name="Weights">"trained" (the model's own initializers) or the scheme the weights were re-initialized with.</param>
/// <param name="Seed">The seed of the input draw and of the re-initialization.</param>
/// <param name="Batch">The batch size.</param>
/// <param name="InputSource">"gaussian" (N(0, 1) of the input's shape) or the .npy file's path.</param>
/// <param name="Input">Statistics of the input that was fed.</param>
/// <param name="Nodes">One entry per node with a floating-point output, in graph (topological) order.</param>
/// <param name="FirstNonFiniteNode">The first node whose output holds NaN or Inf, or null.</param>
/// <param name="WeightedLayers">The nodes the diagnosis counts as layers (Conv, ConvTranspose, Gemm, MatMul), in order.</param>
/// <param name="Diagnosis">The lab's diagnosis of the std after each weighted layer (the input first), with the advice for the model's most frequent activation.</param>
/// <param name="WorstNode">The node whose std is furthest from the input's, in log scale, or null.</param>
/// <param name="Replaced">The initializers replaced in memory (empty with the trained weights).</param>
public sealed record ProbeTrace(
    string Model, string Weights, ulong Seed, int Batch, string InputSource, ProbeNode Input, IReadOnlyList<ProbeNode> Nodes,
    string? FirstNonFiniteNode, IReadOnlyList<string> WeightedLayers, Diagnosis Diagnosis, string? WorstNode, IReadOnlyList<string> Replaced)
{
    /// <summary>The trace of node <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such node.</exception>
    public ProbeNode this[string name] => Nodes.FirstOrDefault(n => n.Name == name)
        ?? throw new ArgumentException($"the probe has no node '{name}'.", nameof(name));
}
