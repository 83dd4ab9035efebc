using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>
/// A node of a network graph: a name, an op, the names of its inputs, its parameters (each with its initializer) and its
/// output shape without the batch dimension. Nodes are made by <see cref="GraphBuilder"/>, which validates them.
/// </summary>
public sealed class Node
{
    internal Node(int index, string name, Op op, string[] inputs, int[] inputIndices, Shape[] inputShapes, Shape shape,
        Parameter[] parameters, string? block)
    {
        Index = index;
        Name = name;
        Op = op;
        Inputs = inputs;
        InputIndices = inputIndices;
        InputShapes = inputShapes;
        Shape = shape;
        Parameters = parameters;
        Block = block;
    }

    /// <summary>Position in the graph's topological order.</summary>
    public int Index { get; }

    /// <summary>The unique name.</summary>
    public string Name { get; }

    /// <summary>The operation.</summary>
    public Op Op { get; }

    /// <summary>The names of the input nodes, in the op's order.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The indices (in <see cref="Graph.Nodes"/>) of the input nodes.</summary>
    public IReadOnlyList<int> InputIndices { get; }

    /// <summary>The input shapes without the batch.</summary>
    public IReadOnlyList<Shape> InputShapes { get; }

    /// <summary>The output shape without the batch.</summary>
    public Shape Shape { get; }

    /// <summary>The parameter tensors, in the op's order.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The block the node belongs to (<c>block3</c>, <c>layer2</c>), for per-block diagnosis; null outside blocks.</summary>
    public string? Block { get; }

    /// <summary>The parameter called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The op has no such parameter.</exception>
    public Parameter Parameter(string name) =>
        Parameters.FirstOrDefault(p => p.Name == name)
        ?? throw new ArgumentException($"node '{Name}' ({Op.Kind}) has no parameter '{name}'; it has: {(Parameters.Count == 0 ? "none" : string.Join(", ", Parameters.Select(p => p.Name)))}.", nameof(name));

    internal Node With(int index, int[] inputIndices, Parameter[] parameters) =>
        new(index, Name, Op, [.. Inputs], inputIndices, [.. InputShapes], Shape, parameters, Block);

    /// <summary>The same node with another op of the same parameters and output shape (e.g. an add with other scales).</summary>
    internal Node With(Op op, Parameter[] parameters) =>
        new(Index, Name, op, [.. Inputs], [.. InputIndices], [.. InputShapes], Shape, parameters, Block);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} = {Op}({string.Join(", ", Inputs)}) -> {Shape}";
}
