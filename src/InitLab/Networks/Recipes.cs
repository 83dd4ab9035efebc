using System.Globalization;
using InitLab.Initializers;
using InitLab.Networks.Ops;

namespace InitLab.Networks;

/// <summary>A residual connection y = s_0 x + s_1 f(x): the add, its shortcut input and the weighted nodes of its branch f.</summary>
/// <param name="Add">The add node.</param>
/// <param name="Shortcut">The index (0 or 1) of the add's input that is the shortcut x.</param>
/// <param name="Weighted">The branch's weighted nodes (a weight parameter) in topological order; the last one is the branch's last layer.</param>
public sealed record ResidualBranch(Node Add, int Shortcut, IReadOnlyList<Node> Weighted);

/// <summary>
/// Named initialization recipes that scale named parameters of a graph (<c>--init fixup</c>, <c>--init mup:base_width=64</c>):
/// Fixup, SkipInit, ReZero and muP. Each follows its paper's equations (cited per recipe).
/// </summary>
public static class Recipes
{
    /// <summary>The recipe names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fixup", "skipinit", "rezero", "mup"];

    /// <summary>True when <paramref name="spec"/> names a recipe (<c>NAME</c> or <c>NAME:key=value,...</c>).</summary>
    public static bool IsRecipe(string spec) =>
        spec is not null && Names.Contains(spec.Split(':', 2)[0].Trim().ToLowerInvariant());

    /// <summary>
    /// Every residual connection of <paramref name="graph"/>: an add of two inputs one of which (the shortcut) is an ancestor of
    /// the other (the branch); the branch's weighted nodes are those that descend from the shortcut and lead to the branch input.
    /// </summary>
    public static IReadOnlyList<ResidualBranch> Residuals(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var ancestors = new HashSet<int>[graph.Nodes.Count];
        foreach (var node in graph.Nodes)
        {
            var set = new HashSet<int>();
            foreach (int i in node.InputIndices)
            {
                set.Add(i);
                set.UnionWith(ancestors[i]);
            }
            ancestors[node.Index] = set;
        }
        var result = new List<ResidualBranch>();
        foreach (var node in graph.Nodes)
        {
            if (node.Op is not AddOp || node.InputIndices.Count != 2) continue;
            int a = node.InputIndices[0], b = node.InputIndices[1];
            int shortcut = ancestors[b].Contains(a) ? 0 : ancestors[a].Contains(b) ? 1 : -1;
            if (shortcut < 0) continue;
            int x = node.InputIndices[shortcut], f = node.InputIndices[1 - shortcut];
            var weighted = graph.Nodes.Where(n => (n.Index == f || ancestors[f].Contains(n.Index)) && ancestors[n.Index].Contains(x)
                && n.Parameters.Any(p => p.Role == ParameterRole.Weight)).ToList();
            result.Add(new ResidualBranch(node, shortcut, weighted));
        }
        return result;
    }

    /// <summary>Applies the recipe <paramref name="spec"/> (<c>fixup</c>, <c>skipinit</c>, <c>rezero</c>, <c>mup:base_width=N</c>).</summary>
    /// <exception cref="ArgumentException">An unknown recipe or key, a bad base width, or a graph the recipe does not suit (no residual
    /// branches, a branch of one layer for Fixup, no linear readout for muP); the message names it.</exception>
    public static Graph Apply(Graph graph, string spec)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Split(':', 2);
        string name = parts[0].Trim().ToLowerInvariant();
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        if (parts.Length == 2)
            foreach (string kv in parts[1].Split(','))
            {
                var pair = kv.Split('=', 2);
                if (pair.Length != 2 || pair[0].Trim().Length == 0)
                    throw new ArgumentException($"recipe '{spec}': expected key=value, got '{kv}'.", nameof(spec));
                keys[pair[0].Trim()] = pair[1].Trim();
            }
        var allowed = name == "mup" ? new[] { "base_width" } : [];
        if (keys.Keys.FirstOrDefault(k => !allowed.Contains(k)) is { } unknown)
            throw new ArgumentException($"recipe '{name}' has no key '{unknown}'{(allowed.Length == 0 ? " (it takes none)" : $"; keys: {string.Join(", ", allowed)}")}.", nameof(spec));
        return name switch
        {
            "fixup" => Fixup(graph),
            "skipinit" or "rezero" => ZeroBranches(graph, name),
            "mup" => MuP(graph, keys.TryGetValue("base_width", out string? b) ? ParseBaseWidth(b) : throw new ArgumentException("recipe 'mup' needs its base shapes: mup:base_width=N (the width at which muP equals the standard parameterization).", nameof(spec))),
            _ => throw new ArgumentException($"unknown recipe '{parts[0]}'; recipes: {string.Join(", ", Names)}.", nameof(spec)),
        };
    }

    private static int ParseBaseWidth(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int w) && w >= 1 ? w
            : throw new ArgumentException($"recipe 'mup': base_width must be an integer >= 1, got '{text}'.", "spec");

    /// <summary>
    /// Fixup (Zhang, Dauphin &amp; Ma 2019, "Fixup initialization", Section 3, rules 1 and 2): the classification layer (the graph's
    /// output node, when weighted) and the last layer of each residual branch are 0; every other weight is He-initialized,
    /// std = sqrt(2 / fan_in), and the weights inside the L residual branches of m layers are scaled by L^(-1/(2m - 2)); biases 0. Rule 3's
    /// scalar multipliers (1) and biases (0) do not change the forward pass at initialization.
    /// </summary>
    public static Graph Fixup(Graph graph)
    {
        var branches = Residuals(graph);
        if (branches.Count == 0) throw new ArgumentException($"recipe 'fixup' scales residual branches; graph '{graph.Name}' has none.", nameof(graph));
        int l = branches.Count;
        var factor = new Dictionary<int, double>();
        foreach (var b in branches)
        {
            int m = b.Weighted.Count;
            if (m < 2)
                throw new ArgumentException($"recipe 'fixup': the branch into '{b.Add.Name}' has {m} weighted layer(s); Fixup's scale L^(-1/(2m - 2)) needs m >= 2.", nameof(graph));
            double scale = FixupScale(l, m);
            for (int k = 0; k < m; k++) factor[b.Weighted[k].Index] = k == m - 1 ? 0 : scale;
        }
        if (graph.Output.Parameters.Any(p => p.Role == ParameterRole.Weight)) factor[graph.Output.Index] = 0;
        return graph.WithInitializers(p => p.Role switch
        {
            ParameterRole.Weight => Scaled(p, factor.GetValueOrDefault(graph[p.Node].Index, 1) * Math.Sqrt(2.0 / FanIn(p))),
            ParameterRole.Bias => Init.Zeros(),
            _ => null,
        });
    }

    /// <summary>Fixup's branch scale L^(-1/(2m - 2)) for L branches of m layers (Zhang et al. 2019, Section 3, rule 2).</summary>
    public static double FixupScale(int branches, int layers) => Math.Pow(branches, -1.0 / (2 * layers - 2));

    /// <summary>
    /// SkipInit (De &amp; Smith 2020, Section 4: x_(l+1) = x_l + alpha f(x_l), alpha a learnable scalar initialized to 0) and ReZero
    /// (Bachlechner et al. 2020, eq. 3: x_(i+1) = x_i + alpha_i F(x_i), alpha_i = 0 at initialization): at initialization both make
    /// every residual add's branch scale 0, so each block is the identity; the other parameters keep their initializers.
    /// </summary>
    public static Graph ZeroBranches(Graph graph, string name = "skipinit")
    {
        ArgumentNullException.ThrowIfNull(graph);
        var branches = Residuals(graph);
        if (branches.Count == 0) throw new ArgumentException($"recipe '{name}' scales residual branches; graph '{graph.Name}' has none.", nameof(graph));
        var adds = branches.ToDictionary(b => b.Add.Index);
        return graph.WithOps(node => adds.TryGetValue(node.Index, out var b)
            ? new AddOp(Enumerable.Range(0, 2).Select(i => i == b.Shortcut ? ((AddOp)node.Op).Scale(i) : 0.0).ToArray()) : null);
    }

    /// <summary>
    /// muP at initialization (Yang et al. 2021, "Tensor Programs V", Table 3, with base shapes): input and hidden weights keep
    /// Var = 1/fan_in (std = 1/sqrt(fan_in), as the standard parameterization); the readout (the last weighted node, linear) gets
    /// Var = (1/fan_in) (base_fan_in / fan_in), i.e. std = sqrt(base_width) / fan_in, which equals the standard parameterization at
    /// the base width and shrinks as 1/width beyond it; biases 0.
    /// </summary>
    public static Graph MuP(Graph graph, int baseWidth)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (baseWidth < 1) throw new ArgumentException($"base width must be >= 1, got {baseWidth}.", nameof(baseWidth));
        var readout = graph.Nodes.LastOrDefault(n => n.Parameters.Any(p => p.Role == ParameterRole.Weight));
        if (readout?.Op is not LinearOp)
            throw new ArgumentException($"recipe 'mup' scales the readout; the last weighted node of graph '{graph.Name}' is {(readout is null ? "missing" : $"'{readout.Name}' ({readout.Op.Kind})")}, not a linear layer.", nameof(graph));
        return graph.WithInitializers(p => p.Role switch
        {
            ParameterRole.Weight when p.Node == readout.Name => Scaled(p, MuPReadoutStd(FanIn(p), baseWidth)),
            ParameterRole.Weight => Scaled(p, 1 / Math.Sqrt(FanIn(p))),
            ParameterRole.Bias => Init.Zeros(),
            _ => null,
        });
    }

    /// <summary>muP's readout std sqrt(base_width) / fan_in (Table 3: Var = 1/fan_in^2 up to the base constant).</summary>
    public static double MuPReadoutStd(double fanIn, int baseWidth) => Math.Sqrt(baseWidth) / fanIn;

    private static double FanIn(Parameter p) => p.Shape.Rank < 2 ? 1 : p.Shape.Size / (double)p.Shape[0];

    private static Initializer Scaled(Parameter p, double std) => std == 0 ? Init.Zeros() : Init.Normal(0, std);
}
