using InitLab.Networks;
using InitLab.Propagation;
using InitLab.Tensors;

namespace InitLab.Onnx;

/// <summary>
/// A probe of a real model: the input, every node's output as the graph engine's <see cref="NodeTrace"/> (the same per-node
/// statistics <c>propagate</c> reports; the op is the ONNX op type, the shape leaves out the batch), and the diagnosis over
/// the weighted layers.
/// </summary>
/// <param name="Model">The model's path.</param>
/// <param name="Weights">"trained" (the model's own initializers) or the scheme the weights were re-initialized with.</param>
/// <param name="Seed">The seed of the input draw and of the re-initialization.</param>
/// <param name="Batch">The batch size.</param>
/// <param name="InputSource">"gaussian" (N(0, 1) of the input's shape) or "file".</param>
/// <param name="Input">Statistics of the input that was fed.</param>
/// <param name="Nodes">One entry per node with a float output (its first), in graph (topological) order.</param>
/// <param name="FirstNonFiniteNode">The first node whose output holds NaN or Inf, or null.</param>
/// <param name="WeightedLayers">The nodes the diagnosis counts as layers (Conv, ConvTranspose, Gemm, MatMul), in order.</param>
/// <param name="Diagnosis">The lab's diagnosis of the std after each weighted layer (the input first), with the advice for the model's most frequent activation.</param>
/// <param name="WorstNode">The node whose std is furthest from the input's, in log scale, or null.</param>
/// <param name="Replaced">The initializers replaced in memory (empty with the trained weights).</param>
public sealed record ProbeTrace(
    string Model, string Weights, ulong Seed, int Batch, string InputSource, NodeTrace Input, IReadOnlyList<NodeTrace> Nodes,
    string? FirstNonFiniteNode, IReadOnlyList<string> WeightedLayers, Diagnosis Diagnosis, string? WorstNode, IReadOnlyList<string> Replaced)
{
    /// <summary>With <see cref="ProbeOptions.KeepValues"/>: every float value ONNX Runtime computed, by ONNX value name (batch first, row-major).</summary>
    public IReadOnlyDictionary<string, float[]>? Values { get; init; }

    /// <summary>With <see cref="ProbeOptions.KeepValues"/>: the input that was fed, as float32.</summary>
    public float[]? InputValues { get; init; }

    /// <summary>The ONNX value each entry of <see cref="Nodes"/> measured (its node's first output).</summary>
    public IReadOnlyList<string> Outputs { get; init; } = [];

    /// <summary>The ONNX name of the input that was fed.</summary>
    public string InputName { get; init; } = "";

    /// <summary>The trace of node <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such node.</exception>
    public NodeTrace this[string name] => Nodes.FirstOrDefault(n => n.Name == name)
        ?? throw new ArgumentException($"the probe has no node '{name}'.", nameof(name));
}
