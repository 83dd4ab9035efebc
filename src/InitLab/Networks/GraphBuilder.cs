using InitLab.Initializers;
using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>
/// Assembles a <see cref="Graph"/>: nodes may be added in any order (by input names); <see cref="Build"/> sorts them
/// topologically and validates everything once, each error one ArgumentException naming the node: unknown inputs, duplicate
/// names, cycles, the wrong number of inputs, shapes that do not fit (conv groups that do not divide the channels, attention
/// heads that do not divide the dimension, ...), initializers that do not suit their parameter.
/// </summary>
/// <example><code>
/// var b = new GraphBuilder("tiny");
/// b.Input("x", new Shape(3, 32, 32));
/// b.Add("conv1", new ConvOp(16, kernel: [3], padding: [1]), "x");
/// b.Add("relu1", new ActivationOp(Activation.Relu), "conv1");
/// b.SetInit("conv1", "weight", Init.KaimingNormal());
/// Graph g = b.Build();
/// </code></example>
public sealed class GraphBuilder
{
    private sealed record Pending(string Name, Op Op, string[] Inputs, string? Block);

    private readonly List<Pending> _nodes = [];
    private readonly Dictionary<(string Node, string Param), Initializer> _inits = [];
    private readonly Dictionary<(string Node, string Param), ulong> _streams = [];

    /// <summary>Creates an empty builder; <paramref name="name"/> labels the graph in reports.</summary>
    public GraphBuilder(string? name = null) => Name = name;

    /// <summary>The graph's label.</summary>
    public string? Name { get; set; }

    /// <summary>The block that nodes added from now on belong to (null: none), for per-block diagnosis.</summary>
    public string? CurrentBlock { get; set; }

    /// <summary>Adds an input node of shape <paramref name="shape"/> (without the batch) with Gaussian N(0, variance) values.</summary>
    public string Input(string name, Shape shape, double variance = 1) => Add(name, new InputOp(shape, variance));

    /// <summary>Adds a node; returns its name so calls chain: <c>b.Add("relu1", relu, b.Add("fc1", linear, "x"))</c>.</summary>
    /// <exception cref="ArgumentException">The name is empty or has characters other than letters, digits and <c>_ . - /</c>.</exception>
    public string Add(string name, Op op, params string[] inputs)
    {
        ArgumentNullException.ThrowIfNull(op);
        ArgumentNullException.ThrowIfNull(inputs);
        CheckName(name);
        _nodes.Add(new Pending(name, op, [.. inputs], CurrentBlock));
        return name;
    }

    /// <summary>Draws parameter <paramref name="param"/> of node <paramref name="node"/> with <paramref name="init"/> instead of the op's default.</summary>
    public GraphBuilder SetInit(string node, string param, Initializer init)
    {
        ArgumentNullException.ThrowIfNull(init);
        _inits[(node, param)] = init;
        return this;
    }

    /// <summary>Draws parameter <paramref name="param"/> of <paramref name="node"/> from Philox stream <paramref name="stream"/> (default: a hash of its name).</summary>
    public GraphBuilder SetStream(string node, string param, ulong stream)
    {
        _streams[(node, param)] = stream;
        return this;
    }

    /// <summary>True when a node of that name was added.</summary>
    public bool Contains(string name) => _nodes.Any(n => n.Name == name);

    /// <summary>Validates and builds the graph.</summary>
    /// <param name="output">The output node; null: the one node no other node reads.</param>
    /// <exception cref="ArgumentException">Any inconsistency; the message names the node (and the parameter or input).</exception>
    public Graph Build(string? output = null)
    {
        if (_nodes.Count == 0) throw new ArgumentException("the graph has no nodes.", nameof(output));
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _nodes.Count; i++)
            if (!index.TryAdd(_nodes[i].Name, i))
                throw new ArgumentException($"node '{_nodes[i].Name}': the name is used by two nodes.", nameof(output));
        foreach (var n in _nodes)
        {
            if (n.Inputs.Length < n.Op.MinInputs || n.Inputs.Length > n.Op.MaxInputs)
                throw new ArgumentException($"node '{n.Name}' ({n.Op.Kind}): takes {Count(n.Op)}, got {n.Inputs.Length}.", nameof(output));
            foreach (string input in n.Inputs)
                if (!index.ContainsKey(input))
                    throw new ArgumentException($"node '{n.Name}' ({n.Op.Kind}): unknown input '{input}'.", nameof(output));
        }
        foreach (var (node, param) in _inits.Keys.Concat(_streams.Keys))
            if (!index.ContainsKey(node))
                throw new ArgumentException($"an initializer or stream is set for parameter '{param}' of unknown node '{node}'.", nameof(output));

        int[] order = TopologicalOrder(index);
        var position = new int[_nodes.Count];
        for (int k = 0; k < order.Length; k++) position[order[k]] = k;

        var nodes = new List<Node>(_nodes.Count);
        foreach (int declared in order)
        {
            var p = _nodes[declared];
            int[] inputIndices = p.Inputs.Select(i => position[index[i]]).ToArray();
            Shape[] inputShapes = inputIndices.Select(i => nodes[i].Shape).ToArray();
            Shape shape;
            IReadOnlyList<ParameterSpec> specs;
            try
            {
                shape = p.Op.OutputShape(inputShapes);
                specs = p.Op.Parameters(inputShapes);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"node '{p.Name}' ({p.Op.Kind}): {Strip(ex)}", nameof(output), ex);
            }
            var parameters = new Parameter[specs.Count];
            for (int j = 0; j < specs.Count; j++)
            {
                var spec = specs[j];
                var init = _inits.GetValueOrDefault((p.Name, spec.Name)) ?? spec.DefaultInit;
                CheckInitializer(p.Name, p.Op, spec.Name, spec.Shape, init);
                parameters[j] = new Parameter(p.Name, spec, init, _streams.TryGetValue((p.Name, spec.Name), out ulong s) ? s : null);
            }
            foreach (var key in _inits.Keys.Concat(_streams.Keys).Where(k => k.Node == p.Name))
                if (!specs.Any(s => s.Name == key.Param))
                    throw new ArgumentException($"node '{p.Name}' ({p.Op.Kind}): has no parameter '{key.Param}'; it has: {(specs.Count == 0 ? "none" : string.Join(", ", specs.Select(s => s.Name)))}.", nameof(output));
            nodes.Add(new Node(nodes.Count, p.Name, p.Op, p.Inputs, inputIndices, inputShapes, shape, parameters, p.Block));
        }

        int outputIndex;
        if (output is not null)
        {
            if (!index.TryGetValue(output, out int o))
                throw new ArgumentException($"the output '{output}' is not a node of the graph.", nameof(output));
            outputIndex = position[o];
        }
        else
        {
            var read = new HashSet<string>(_nodes.SelectMany(n => n.Inputs));
            var sinks = nodes.Where(n => !read.Contains(n.Name)).ToList();
            if (sinks.Count != 1)
                throw new ArgumentException($"several nodes are read by no other node ({string.Join(", ", sinks.Select(s => s.Name))}); name the output.", nameof(output));
            outputIndex = sinks[0].Index;
        }
        if (!nodes.Any(n => n.Op is InputOp))
            throw new ArgumentException("the graph has no input node.", nameof(output));
        return new Graph(nodes, outputIndex, Name);
    }

    internal static void CheckInitializer(string node, Op op, string param, Shape shape, Initializer init)
    {
        try
        {
            init.DistributionOf(shape);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"node '{node}' ({op.Kind}): parameter '{param}' of shape {shape} cannot use initializer {init.Name}: {Strip(ex)}", nameof(init), ex);
        }
    }

    /// <summary>Kahn's algorithm, taking ready nodes in declaration order; a cycle is reported with its path.</summary>
    private int[] TopologicalOrder(Dictionary<string, int> index)
    {
        int count = _nodes.Count;
        var pending = new int[count];
        var readers = Enumerable.Range(0, count).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < count; i++)
            foreach (string input in _nodes[i].Inputs)
            {
                pending[i]++;
                readers[index[input]].Add(i);
            }
        var ready = new SortedSet<int>(Enumerable.Range(0, count).Where(i => pending[i] == 0));
        var order = new List<int>(count);
        while (ready.Count > 0)
        {
            int i = ready.Min;
            ready.Remove(i);
            order.Add(i);
            foreach (int r in readers[i])
                if (--pending[r] == 0) ready.Add(r);
        }
        if (order.Count == count) return [.. order];

        // Walk backwards along unresolved inputs from an unresolved node until a node repeats: that is a cycle.
        int start = Enumerable.Range(0, count).First(i => pending[i] > 0);
        var path = new List<int>();
        var seen = new Dictionary<int, int>();
        int at = start;
        while (!seen.ContainsKey(at))
        {
            seen[at] = path.Count;
            path.Add(at);
            at = _nodes[at].Inputs.Select(s => index[s]).First(j => pending[j] > 0);
        }
        var cycle = new[] { at }.Concat(path.Skip(seen[at] + 1).Reverse()).Select(i => _nodes[i].Name).ToList();
        cycle.Add(cycle[0]);
        throw new ArgumentException($"node '{_nodes[at].Name}' ({_nodes[at].Op.Kind}): the graph has a cycle {string.Join(" -> ", cycle)}.", "output");
    }

    private static string Count(Op op) =>
        op.MinInputs == op.MaxInputs ? $"{op.MinInputs} input{(op.MinInputs == 1 ? "" : "s")}"
        : op.MaxInputs == int.MaxValue ? $"at least {op.MinInputs} inputs"
        : $"{op.MinInputs} to {op.MaxInputs} inputs";

    /// <summary>An exception's message without .NET's " (Parameter 'x')" suffix.</summary>
    internal static string Strip(ArgumentException ex) =>
        ex.ParamName is { } p ? ex.Message.Replace($" (Parameter '{p}')", "", StringComparison.Ordinal) : ex.Message;

    private static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '/'))
            throw new ArgumentException($"node name '{name}' must be non-empty and use only letters, digits and _ . - /.", nameof(name));
    }
}
