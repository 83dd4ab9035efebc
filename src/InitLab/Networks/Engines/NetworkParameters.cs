using System.Numerics;
using InitLab.Random;

namespace InitLab.Networks;

/// <summary>
/// Materialized parameter tensors of a graph, by <see cref="Parameter.FullName"/> (<c>node.param</c>, row-major, PyTorch
/// layout): what training updates in place and hands back to <see cref="ExplicitGraphEngine.Forward{T}"/>, and the shape of the
/// gradients a backward pass returns.
/// </summary>
public sealed class NetworkParameters<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, T[]> _values;

    private NetworkParameters(Graph graph, Dictionary<string, T[]> values)
    {
        Graph = graph;
        _values = values;
    }

    /// <summary>The graph they belong to.</summary>
    public Graph Graph { get; }

    /// <summary>The full names, in node order.</summary>
    public IEnumerable<string> Names => Graph.Parameters.Select(p => p.FullName).Where(_values.ContainsKey);

    /// <summary>The tensor of <paramref name="fullName"/> (<c>node.param</c>).</summary>
    /// <exception cref="ArgumentException">No such parameter.</exception>
    public T[] this[string fullName] => _values.TryGetValue(fullName, out var v) ? v
        : throw new ArgumentException($"no parameter '{fullName}'.", nameof(fullName));

    /// <summary>The tensor of <paramref name="parameter"/>.</summary>
    public T[] this[Parameter parameter] => this[parameter.FullName];

    /// <summary>True when the tensor of <paramref name="fullName"/> is present.</summary>
    public bool Contains(string fullName) => _values.ContainsKey(fullName);

    /// <summary>Draws every parameter: <c>p.Initializer.Fill(new Generator(seed, p.Stream))</c> (the same bits on any thread count).</summary>
    public static NetworkParameters<T> Draw(Graph graph, ulong seed, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Numerics.Guard.Threads(threads);
        return new(graph, graph.Parameters.ToDictionary(p => p.FullName, p => DrawOne(p, seed, threads)));
    }

    /// <summary>Wraps given tensors (not copied); every parameter of the graph must be present with its size.</summary>
    /// <exception cref="ArgumentException">A tensor is missing, of the wrong length, or names no parameter.</exception>
    public static NetworkParameters<T> From(Graph graph, IReadOnlyDictionary<string, T[]> values)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(values);
        var known = graph.Parameters.ToDictionary(p => p.FullName);
        foreach (var (name, v) in values)
        {
            if (!known.TryGetValue(name, out var p)) throw new ArgumentException($"no parameter '{name}' in the graph.", nameof(values));
            if (v.Length != p.Shape.Size) throw new ArgumentException($"parameter '{name}' has {v.Length} values, its shape {p.Shape} needs {p.Shape.Size}.", nameof(values));
        }
        foreach (var p in known.Values)
            if (!values.ContainsKey(p.FullName)) throw new ArgumentException($"parameter '{p.FullName}' is missing.", nameof(values));
        return new(graph, values.ToDictionary());
    }

    /// <summary>Zero tensors of every parameter's shape (gradient buffers).</summary>
    internal static NetworkParameters<T> Zeros(Graph graph) => new(graph, graph.Parameters.ToDictionary(p => p.FullName, p => new T[p.Shape.Size]));

    /// <summary>Tensors for some parameters only.</summary>
    internal static NetworkParameters<T> Partial(Graph graph, Dictionary<string, T[]> values) => new(graph, values);

    /// <summary>Draws one parameter into <paramref name="buffer"/> (any contents; every initializer writes every element)
    /// or, when null, a new array.</summary>
    internal static T[] DrawOne(Parameter p, ulong seed, int threads = 0, T[]? buffer = null)
    {
        var values = buffer ?? GC.AllocateUninitializedArray<T>(checked((int)p.Shape.Size));
        p.Initializer.Fill<T>(values, p.Shape, new Generator(seed, p.Stream), threads);
        return values;
    }
}
