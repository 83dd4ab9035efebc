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
/// Fixup, T-Fixup, DeepNorm, SkipInit, ReZero and muP. Each follows its paper's equations (cited per recipe).
/// </summary>
public static class Recipes
{
    /// <summary>The recipe names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fixup", "tfixup", "deepnorm", "skipinit", "rezero", "mup"];

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

    /// <summary>Applies the recipe <paramref name="spec"/> (<c>fixup</c>, <c>tfixup</c>, <c>deepnorm</c>, <c>skipinit</c>, <c>rezero</c>,
    /// <c>mup:base_width=N</c>).</summary>
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
            "tfixup" => TFixup(graph),
            "deepnorm" => DeepNorm(graph),
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
    /// T-Fixup (Huang, Perez, Ba &amp; Volkovs 2020, "Improving Transformer Optimization Through Better Initialization", Section 3.3)
    /// for a transformer without layer normalization: (1) Xavier (uniform) initialization for every weight, the query, key and value
    /// projections each as its own (D, D) matrix; input embeddings N(0, d^(-1/2)) (std d^(-1/2), as the paper's fairseq code);
    /// (2) in each decoder attention block the value and output projections v_d, w_d, the weights of each decoder MLP block and the
    /// input embeddings scaled by (9N)^(-1/4); (3) in an encoder, v_e, w_e and the MLP weights scaled by 0.67 N^(-1/4) (embeddings by
    /// (9N)^(-1/4) as in step 2). N is the number of blocks (attention layers); a graph whose attention is causal is a decoder, else an
    /// encoder. The query and key projections are not scaled. Biases 0.
    /// </summary>
    /// <exception cref="ArgumentException">No attention, a layer norm (T-Fixup replaces it), or causal and non-causal attention mixed.</exception>
    public static Graph TFixup(Graph graph)
    {
        var (attention, decoder) = TransformerBlocks(graph, "tfixup");
        if (graph.Nodes.FirstOrDefault(n => n.Op is NormalizationOp) is { } norm)
            throw new ArgumentException($"recipe 'tfixup' is for transformers without layer normalization (it replaces it); node '{norm.Name}' is a {norm.Op.Kind} (use ln=none).", nameof(graph));
        int n = attention.Count;
        double scale = TFixupScale(n, decoder), embed = TFixupScale(n, decoder: true);
        var branch = BranchLinears(graph);
        return graph.WithInitializers(p => p.Role switch
        {
            ParameterRole.Weight when p.Name == "in_proj_weight" =>
                Init.Stacked(Init.XavierUniform(), Init.XavierUniform(), Init.XavierUniform(gain: scale)),
            ParameterRole.Weight when p.Name == "out_proj_weight" || branch.Contains(p.Node) => Init.XavierUniform(gain: scale),
            ParameterRole.Weight => Init.XavierUniform(),
            ParameterRole.Embedding => Init.Normal(0, embed / Math.Sqrt(p.Shape[p.Shape.Rank - 1])),
            ParameterRole.Bias => Init.Zeros(),
            _ => null,
        });
    }

    /// <summary>T-Fixup's scale for N blocks (Huang et al. 2020, Section 3.3): (9N)^(-1/4) in a decoder, 0.67 N^(-1/4) in an encoder.</summary>
    /// <exception cref="ArgumentException">N &lt; 1.</exception>
    public static double TFixupScale(int blocks, bool decoder)
    {
        if (blocks < 1) throw new ArgumentException($"the number of blocks must be >= 1, got {blocks}.", nameof(blocks));
        return decoder ? Math.Pow(9.0 * blocks, -0.25) : 0.67 * Math.Pow(blocks, -0.25);
    }

    /// <summary>
    /// DeepNorm (Wang, Ma, Dong, Huang, Zhang &amp; Wei 2022, "DeepNet: Scaling Transformers to 1,000 Layers", Section 2 and Figure 2):
    /// every sublayer becomes x_(l+1) = LN(alpha x_l + G_l(x_l)) (post-LN; the residual add's shortcut scale is alpha), and the
    /// feed-forward weights, the value projection and the output projection are drawn <c>xavier_normal_(w, gain = beta)</c>, the query
    /// and key projections <c>xavier_normal_(w, gain = 1)</c>, each projection as its own (D, D) matrix; biases 0, other parameters
    /// unchanged. Constants from <see cref="DeepNormConstants"/>: a causal graph is decoder-only, else encoder-only (N blocks).
    /// </summary>
    /// <exception cref="ArgumentException">No attention, a residual add not followed by a layer norm (DeepNorm is post-LN), or causal
    /// and non-causal attention mixed.</exception>
    public static Graph DeepNorm(Graph graph)
    {
        var (attention, decoder) = TransformerBlocks(graph, "deepnorm");
        var residuals = Residuals(graph);
        foreach (var r in residuals)
        {
            var next = graph.Consumers(r.Add.Index);
            if (next.Count != 1 || graph.Nodes[next[0]].Op is not LayerNormOp)
                throw new ArgumentException($"recipe 'deepnorm' is post-LN, LN(alpha x + G(x)); the residual add '{r.Add.Name}' does not feed one layer_norm (use ln=post).", nameof(graph));
        }
        var (alpha, beta) = DeepNormConstants(decoder ? DeepNormArchitecture.DecoderOnly : DeepNormArchitecture.EncoderOnly, attention.Count);
        var branch = BranchLinears(graph);
        var adds = residuals.ToDictionary(r => r.Add.Index);
        return graph.WithOps(node => adds.TryGetValue(node.Index, out var r)
                ? new AddOp(Enumerable.Range(0, 2).Select(i => i == r.Shortcut ? alpha : 1.0).ToArray()) : null)
            .WithInitializers(p => p.Role switch
            {
                ParameterRole.Weight when p.Name == "in_proj_weight" =>
                    Init.Stacked(Init.XavierNormal(), Init.XavierNormal(), Init.XavierNormal(gain: beta)),
                ParameterRole.Weight when p.Name == "out_proj_weight" || branch.Contains(p.Node) => Init.XavierNormal(gain: beta),
                ParameterRole.Bias => Init.Zeros(),
                _ => null,
            });
    }

    /// <summary>
    /// DeepNorm's residual scale alpha and initialization scale beta (Wang et al. 2022, Figure 2 / Table 1): encoder-only with N
    /// layers alpha = (2N)^(1/4), beta = (8N)^(-1/4); decoder-only with M layers alpha = (2M)^(1/4), beta = (8M)^(-1/4); an
    /// encoder-decoder's encoder alpha = 0.81 (N^4 M)^(1/16), beta = 0.87 (N^4 M)^(-1/16), and its decoder alpha = (3M)^(1/4),
    /// beta = (12M)^(-1/4).
    /// </summary>
    /// <param name="architecture">Which stack the constants are for.</param>
    /// <param name="encoderLayers">N (encoder-only and encoder-decoder), or M for decoder-only.</param>
    /// <param name="decoderLayers">M of an encoder-decoder (ignored otherwise).</param>
    /// <exception cref="ArgumentException">A layer count &lt; 1.</exception>
    public static (double Alpha, double Beta) DeepNormConstants(DeepNormArchitecture architecture, int encoderLayers, int decoderLayers = 0)
    {
        if (encoderLayers < 1 && architecture != DeepNormArchitecture.EncoderDecoderDecoder)
            throw new ArgumentException($"the number of layers must be >= 1, got {encoderLayers}.", nameof(encoderLayers));
        bool both = architecture is DeepNormArchitecture.EncoderDecoderEncoder or DeepNormArchitecture.EncoderDecoderDecoder;
        if (both && decoderLayers < 1)
            throw new ArgumentException($"an encoder-decoder needs its decoder's layer count M >= 1, got {decoderLayers}.", nameof(decoderLayers));
        double n = encoderLayers, m = decoderLayers;
        return architecture switch
        {
            DeepNormArchitecture.EncoderOnly or DeepNormArchitecture.DecoderOnly => (Math.Pow(2 * n, 0.25), Math.Pow(8 * n, -0.25)),
            DeepNormArchitecture.EncoderDecoderEncoder => (0.81 * Math.Pow(Math.Pow(n, 4) * m, 1.0 / 16), 0.87 * Math.Pow(Math.Pow(n, 4) * m, -1.0 / 16)),
            DeepNormArchitecture.EncoderDecoderDecoder => (Math.Pow(3 * m, 0.25), Math.Pow(12 * m, -0.25)),
            _ => throw new ArgumentException($"unknown architecture {architecture}.", nameof(architecture)),
        };
    }

    /// <summary>The attention nodes of a transformer graph and whether it is a decoder (causal attention).</summary>
    private static (IReadOnlyList<Node> Attention, bool Decoder) TransformerBlocks(Graph graph, string recipe)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var attention = graph.Nodes.Where(n => n.Op is AttentionOp).ToList();
        if (attention.Count == 0)
            throw new ArgumentException($"recipe '{recipe}' scales the value and output projections of attention blocks; graph '{graph.Name}' has no attention.", nameof(graph));
        bool decoder = ((AttentionOp)attention[0].Op).Causal;
        if (attention.Any(a => ((AttentionOp)a.Op).Causal != decoder))
            throw new ArgumentException($"recipe '{recipe}': graph '{graph.Name}' mixes causal (decoder) and non-causal (encoder) attention; its constants differ between the two.", nameof(graph));
        return (attention, decoder);
    }

    /// <summary>The linear layers inside residual branches (a transformer's MLP blocks).</summary>
    private static HashSet<string> BranchLinears(Graph graph) =>
        Residuals(graph).SelectMany(r => r.Weighted).Where(n => n.Op is LinearOp).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);

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

/// <summary>Which stack DeepNorm's constants are for (Wang et al. 2022, Figure 2).</summary>
public enum DeepNormArchitecture
{
    /// <summary>An encoder-only model (BERT-like), N layers.</summary>
    EncoderOnly,

    /// <summary>A decoder-only model (GPT-like), M layers.</summary>
    DecoderOnly,

    /// <summary>The encoder of an encoder-decoder with N encoder and M decoder layers.</summary>
    EncoderDecoderEncoder,

    /// <summary>The decoder of an encoder-decoder with N encoder and M decoder layers.</summary>
    EncoderDecoderDecoder,
}
