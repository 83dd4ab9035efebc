using InitLab.Initializers;
using InitLab.Networks.Ops;

namespace InitLab.Networks;

/// <summary>
/// A network: a validated DAG of named <see cref="Node"/>s in topological order, with one output. Build one with
/// <see cref="GraphBuilder"/>, a family (<c>ModelFamilies</c>) or a JSON spec (<c>GraphSpec</c>).
/// Immutable; <see cref="WithInitializers"/> gives a copy with other initializers.
/// </summary>
public sealed class Graph
{
    private readonly Dictionary<string, Node> _byName;
    private readonly int[][] _consumers;

    internal Graph(IReadOnlyList<Node> nodes, int output, string? name)
    {
        Nodes = nodes;
        _byName = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var consumers = nodes.Select(_ => new List<int>()).ToArray();
        foreach (var n in nodes)
            foreach (int i in n.InputIndices.Distinct())
                consumers[i].Add(n.Index);
        _consumers = consumers.Select(c => c.ToArray()).ToArray();
        Output = nodes[output];
        Name = name;
    }

    /// <summary>A label for reports (the family spec, or the JSON spec's name); may be null.</summary>
    public string? Name { get; }

    /// <summary>Every node, in topological order (inputs before the nodes that read them; ties in declaration order).</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>The input nodes.</summary>
    public IEnumerable<Node> Inputs => Nodes.Where(n => n.Op is InputOp);

    /// <summary>The output node: the loss of a backward pass is sum(top ⊙ output).</summary>
    public Node Output { get; }

    /// <summary>Every parameter tensor, in node order.</summary>
    public IEnumerable<Parameter> Parameters => Nodes.SelectMany(n => n.Parameters);

    /// <summary>The node called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No node has that name.</exception>
    public Node this[string name] => _byName.TryGetValue(name, out var n) ? n
        : throw new ArgumentException($"the graph has no node '{name}'.", nameof(name));

    /// <summary>True when a node is called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The indices of the nodes that read node <paramref name="index"/>'s output.</summary>
    public IReadOnlyList<int> Consumers(int index) => _consumers[index];

    /// <summary>
    /// The per-op behaviour <typeparamref name="TRule"/> that an engine needs (e.g. a moment rule), implemented by the node's op.
    /// </summary>
    /// <exception cref="ArgumentException">The op does not implement it: "node 'x' (op): the ENGINE engine cannot handle this op".</exception>
    public static TRule Require<TRule>(Node node, string engine) where TRule : class
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.Op as TRule ?? throw new ArgumentException($"node '{node.Name}' ({node.Op.Kind}): the {engine} engine cannot handle this op.", nameof(node));
    }

    /// <summary>
    /// A copy whose parameters use <paramref name="choose"/>(parameter) as initializer where it returns non-null (streams and
    /// shapes unchanged). <c>--init SCHEME</c> is <c>p =&gt; p.Role == Weight ? scheme : p.Role == Bias ? zeros : null</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A chosen initializer does not suit its parameter's shape (the message names it).</exception>
    public Graph WithInitializers(Func<Parameter, Initializer?> choose)
    {
        ArgumentNullException.ThrowIfNull(choose);
        var nodes = Nodes.Select(n => n.With(n.Index, [.. n.InputIndices], n.Parameters.Select(p =>
        {
            var init = choose(p);
            if (init is null) return p;
            GraphBuilder.CheckInitializer(n.Name, n.Op, p.Name, p.Shape, init);
            return new Parameter(p.Node, new ParameterSpec(p.Name, p.Shape, p.Role, init), init, p.Stream);
        }).ToArray())).ToList();
        return new Graph(nodes, Output.Index, Name);
    }

    /// <summary>
    /// A copy where <paramref name="choose"/>(node) replaces the node's op where it returns non-null (parameters, inputs and shape
    /// unchanged: e.g. an add with other scales).
    /// </summary>
    /// <exception cref="ArgumentException">A new op declares other parameters or another output shape (the message names the node).</exception>
    public Graph WithOps(Func<Node, Op?> choose)
    {
        ArgumentNullException.ThrowIfNull(choose);
        var nodes = Nodes.Select(n =>
        {
            if (choose(n) is not { } op) return n;
            if (op.OutputShape(n.InputShapes) != n.Shape || !op.Parameters(n.InputShapes).Select(s => (s.Name, s.Shape)).SequenceEqual(n.Parameters.Select(p => (p.Name, p.Shape))))
                throw new ArgumentException($"node '{n.Name}': the new {op.Kind} op changes its parameters or output shape.", nameof(choose));
            return n.With(op, [.. n.Parameters]);
        }).ToList();
        return new Graph(nodes, Output.Index, Name);
    }

    /// <summary>
    /// What <c>--init SCHEME</c> means: every weight (linear, conv and attention projection matrices) drawn by
    /// <paramref name="scheme"/>, every bias zero (as <c>nn.init.SCHEME_(m.weight); nn.init.zeros_(m.bias)</c>), norms and
    /// embeddings unchanged. A kernel-only scheme on a matrix uses its 1x1 meaning: delta_orthogonal is orthogonal with its
    /// scale as gain (Xiao et al. 2018 treat the dense layers so), dirac is eye.
    /// </summary>
    /// <exception cref="ArgumentException">The scheme does not suit a weight's shape (the message names the node).</exception>
    public Graph WithScheme(Initializer scheme)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        var zeros = Init.Zeros();
        return WithInitializers(p => p.Role switch
        {
            ParameterRole.Weight when p.Shape.Rank == 2 && scheme is DeltaOrthogonalInitializer d => Init.Orthogonal(d.Scale),
            ParameterRole.Weight when p.Shape.Rank == 2 && scheme is DiracInitializer => Init.Eye(),
            ParameterRole.Weight => scheme,
            ParameterRole.Bias => zeros,
            _ => null,
        });
    }

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount => Parameters.Sum(p => p.Shape.Size);

    /// <inheritdoc/>
    public override string ToString() => $"{Name ?? "graph"}: {Nodes.Count} nodes, {ParameterCount} parameters, output {Output.Name} {Output.Shape}";
}
