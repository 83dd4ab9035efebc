using System.Globalization;
using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks.Ops;
using InitLab.Numerics;
using InitLab.Propagation;

namespace InitLab.Networks;

/// <summary>
/// Diagnoses a graph trace per block: the forward signal's growth (fitted per block, its shape: flat, linear or geometric), the
/// backward gradient's growth, the worst node, and advice in the network's own terms (residual branches, normalization,
/// pre/post layer norm, pooling, attention, the initializer of the weights), never recommending the scheme already in use.
/// </summary>
/// <remarks>
/// <para>Stages: the outputs of the repeated blocks in order (blocks other than <c>stem</c> and <c>head</c>), stage 0 being the
/// input of the first; a graph without blocks uses its weighted nodes. The verdict is exploding (vanishing) when some stage's
/// std is more than 10x above (below) stage 0's and farther than the finite-width drift band, or when a node is non-finite
/// (reaches exactly zero). The growth per block is the least-squares fit of log10 std over the stages.</para>
/// <para>Finite width: one input's log mean square gains variance v_l per layer of n units
/// (<see cref="FiniteWidthDrift.LayerLogVariance"/>: 5 / n through relu, 2 / n for a linear layer, by quadrature for the
/// others). A batch whose second-moment matrix C has effective rank r = tr(C)^2 / tr(C^2) averages r directions, so its
/// step has variance v_l / r; r is estimated from the first two examples' correlation rho as
/// B^2 / ((1 + (B - 1) rho)^2 + (B - 1)(1 - rho)^2), times the positions (tokens) per example, at most fan_in. log Var then
/// performs a random walk, and the band is z sqrt(sum over layers of v_l / r_l) in ln Var (z for FiniteWidthDrift's default
/// two-sided 1%), i.e. that over 2 ln 10 in log10 std. A change inside the band is drift, not a wrong scale.</para>
/// </remarks>
public static class GraphDiagnoser
{
    private static readonly HashSet<string> NormOps = ["batch_norm", "layer_norm", "group_norm", "rms_norm"];

    /// <summary>Diagnoses <paramref name="trace"/> of <paramref name="graph"/>.</summary>
    public static GraphDiagnosis Diagnose(Graph graph, GraphTrace trace)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(trace);
        var byName = trace.Nodes.ToDictionary(n => n.Name);
        var blocks = Blocks(graph, byName);
        var stages = blocks.Where(b => b.Block is not ("stem" or "head")).ToList();
        bool backward = trace.Nodes.Any(n => n.GradNorm is not null) && trace.FirstNonFiniteNode is null;

        // Forward fit over stage 0 (the first block's input) and every block output.
        var stds = stages.Count == 0 ? [] : new[] { stages[0].StdIn }.Concat(stages.Select(s => s.StdOut)).ToList();
        var logs = new List<(double X, double Y)>();
        bool reachedZero = false;
        for (int k = 0; k < stds.Count; k++)
        {
            if (stds[k] > 0 && double.IsFinite(stds[k])) logs.Add((k, Math.Log10(stds[k])));
            else
            {
                reachedZero = stds[k] == 0;
                break;
            }
        }
        double slope = Diagnoser.Slope(logs);
        if (!double.IsFinite(slope)) slope = 0;
        // The largest excursion of log10 std from stage 0 (a fit over the depth would hide a collapse that then levels off).
        double total = logs.Count < 2 ? 0 : logs.Skip(1).Select(p => p.Y - logs[0].Y).MaxBy(Math.Abs);
        double band = DriftBand(graph, trace, stages);
        var verdict = trace.FirstNonFiniteNode is not null ? Verdict.Exploding
            : reachedZero ? Verdict.Vanishing
            : total > Math.Max(1, band) ? Verdict.Exploding
            : total < -Math.Max(1, band) ? Verdict.Vanishing
            : Verdict.Stable;

        // Linear vs geometric: which model explains the variance better (R^2 of Var against k, and of log Var against k).
        var variances = logs.Select(p => (p.X, Math.Pow(10, 2 * p.Y))).ToList();
        double v0 = variances.Count > 0 ? variances[0].Item2 : double.NaN;
        var relative = variances.Select(p => (p.X, p.Item2 / v0)).ToList();
        double increase = Diagnoser.Slope(relative);
        double spread = logs.Count == 0 ? 0 : logs.Max(p => Math.Abs(p.Y - logs[0].Y));
        var shape = logs.Count < 3 || spread < Math.Max(0.05, band) ? VarianceGrowth.Flat
            : RSquared(relative) > RSquared(logs) ? VarianceGrowth.Linear : VarianceGrowth.Geometric;

        double? gradientPerBlock = null;
        Verdict? gradientVerdict = null;
        if (backward && stages.Count >= 1)
        {
            // Gradient norms at the stage nodes, from the output back: fit log10 ||g_k|| over k; it grows going back when the slope is negative.
            var grads = new[] { byName[stages[0].Input].GradNorm }.Concat(stages.Select(s => byName[s.Output].GradNorm)).ToList();
            var g = grads.Select((v, k) => (X: (double)k, V: v)).Where(p => p.V is > 0 && double.IsFinite(p.V.Value)).Select(p => (p.X, Math.Log10(p.V!.Value))).ToList();
            double gs = Diagnoser.Slope(g);
            if (double.IsFinite(gs))
            {
                gradientPerBlock = Math.Pow(10, -gs);
                double gTotal = -gs * stages.Count;
                gradientVerdict = gTotal > Math.Max(1, band) ? Verdict.Exploding : gTotal < -Math.Max(1, band) ? Verdict.Vanishing : Verdict.Stable;
            }
        }

        var stageBlocks = new HashSet<string>(stages.Select(b => b.Block));
        var (worst, worstGrowth) = WorstNode(graph, trace, byName, n => stageBlocks.Count == 0 || (n.Block is { } b ? stageBlocks.Contains(b) : stageBlocks.Contains(n.Name)));
        var facts = new Facts(graph, stages, shape, slope, increase, total, band, verdict, gradientVerdict, gradientPerBlock, worst, worstGrowth, trace.FirstNonFiniteNode);
        return new GraphDiagnosis(verdict, gradientVerdict, Math.Pow(10, slope), gradientPerBlock, shape, double.IsFinite(increase) ? increase : 0, band,
            worst, worstGrowth, blocks, Advice(facts));
    }

    /// <summary>Blocks in order of their first node, with their input (first outside input) and output (last node).</summary>
    private static List<BlockGrowth> Blocks(Graph graph, Dictionary<string, NodeTrace> byName)
    {
        var result = new List<BlockGrowth>();
        var groups = graph.Nodes.Where(n => n.Block is not null).GroupBy(n => n.Block!).ToList();
        IEnumerable<(string Block, Node First, Node Last)> units = groups.Count > 0
            ? groups.Select(g => (g.Key, g.First(), g.Last()))
            : graph.Nodes.Where(n => n.Parameters.Any(p => p.Role == ParameterRole.Weight)).Select(n => (n.Name, n, n));
        foreach (var (block, first, last) in units)
        {
            var inputName = first.Inputs.FirstOrDefault(i => graph[i].Block != block) ?? first.Inputs.FirstOrDefault();
            if (inputName is null || !byName.TryGetValue(inputName, out var input) || !byName.TryGetValue(last.Name, out var output)) continue;
            double? gradientGrowth = input.GradNorm is { } gi && output.GradNorm is { } go && go > 0 ? gi / go : null;
            var members = groups.Count > 0 ? graph.Nodes.Where(n => n.Block == block) : [first];
            var norms = members.Select(n => byName.TryGetValue(n.Name, out var t) ? t.ParamGradNorm : null).Where(v => v is not null).ToList();
            double? paramGrad = norms.Count > 0 ? Math.Sqrt(norms.Sum(v => v!.Value * v.Value)) : null;
            result.Add(new BlockGrowth(block, inputName, last.Name, input.Std, output.Std, output.Std / input.Std, gradientGrowth, paramGrad));
        }
        return result;
    }

    private static double DriftBand(Graph graph, GraphTrace trace, List<BlockGrowth> stages)
    {
        if (stages.Count == 0) return 0;
        var inStages = new HashSet<string>(stages.Select(s => s.Block));
        var byName = trace.Nodes.ToDictionary(n => n.Name);
        var activation = graph.Nodes.Select(n => (n.Op as ActivationOp)?.Activation).Where(a => a is not null)
            .GroupBy(a => a!.Name).OrderByDescending(g => g.Count()).Select(g => g.First()).FirstOrDefault() ?? Activation.Identity;
        double sum = 0;
        int batch = trace.Batch;
        foreach (var node in graph.Nodes)
        {
            if (!node.Parameters.Any(p => p.Role == ParameterRole.Weight) || !byName.TryGetValue(node.Name, out var output)) continue;
            if (node.Block is { } b ? !inStages.Contains(b) : !inStages.Contains(node.Name)) continue;
            int units = node.Op is ConvOp ? node.Shape[0] : node.Shape[-1];
            // One input's log mean square gains variance v / n per layer (FiniteWidthDrift.LayerLogVariance: 5 / n through
            // relu, 2 / n for a linear layer); a batch whose second-moment matrix has effective rank r averages r such
            // directions, so v / (n r), with r = B^2 / ((1 + (B - 1) rho)^2 + (B - 1)(1 - rho)^2) for B examples of pairwise
            // correlation rho, times the positions (tokens) per example, at most fan_in.
            double v = FiniteWidthDrift.LayerLogVariance(activation, output.MeanSquare, units);
            double rho = byName.TryGetValue(node.Inputs[0], out var input) && input.Correlation is { } cr && double.IsFinite(cr) ? Math.Clamp(cr, -1, 1) : 1;
            double rank = (double)batch * batch / (Math.Pow(1 + (batch - 1) * rho, 2) + (batch - 1) * Math.Pow(1 - rho, 2));
            var weight = node.Parameters.First(p => p.Role == ParameterRole.Weight);
            long fanIn = weight.Shape.Size / weight.Shape[0];
            long rows = node.Op is ConvOp ? node.Shape.Size / node.Shape[0] : node.Shape.Size / node.Shape[-1];
            sum += v / Math.Clamp(rank * rows, 1, fanIn);
        }
        // The two-sided (1 - alpha) band of FiniteWidthDrift, in log10 std (ln of the mean square over 2 ln 10).
        double z = SpecialFunctions.NormalQuantile(1 - FiniteWidthDrift.DefaultAlpha / 2);
        return z * Math.Sqrt(sum) / (2 * Math.Log(10));
    }

    private static (string? Name, double Growth) WorstNode(Graph graph, GraphTrace trace, Dictionary<string, NodeTrace> byName, Func<Node, bool> eligible)
    {
        if (trace.FirstNonFiniteNode is { } bad)
        {
            var n = graph[bad];
            double g = n.Inputs.Count > 0 && byName.TryGetValue(n.Inputs[0], out var i) ? byName[bad].Std / i.Std : double.NaN;
            return (bad, g);
        }
        string? worst = null;
        double worstGrowth = 1, worstScore = -1;
        foreach (var t in trace.Nodes)
        {
            var node = graph[t.Name];
            // A normalization rescales by design; the node to blame is one that should have kept the scale.
            if (node.Inputs.Count == 0 || NormOps.Contains(node.Op.Kind) || !eligible(node) || !byName.TryGetValue(node.Inputs[0], out var input)) continue;
            double growth = t.Std / input.Std;
            if (!(growth > 0) || !double.IsFinite(growth)) continue;
            double score = Math.Abs(Math.Log10(growth));
            if (score > worstScore)
            {
                worst = t.Name;
                worstGrowth = growth;
                worstScore = score;
            }
        }
        return (worst, worstGrowth);
    }

    private static double RSquared(IReadOnlyList<(double X, double Y)> p)
    {
        if (p.Count < 3) return double.NaN;
        double mx = p.Average(q => q.X), my = p.Average(q => q.Y), sxy = 0, sxx = 0, syy = 0;
        foreach (var (x, y) in p)
        {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
            syy += (y - my) * (y - my);
        }
        return syy == 0 ? 1 : sxy * sxy / (sxx * syy);
    }

    private sealed record Facts(Graph Graph, List<BlockGrowth> Stages, VarianceGrowth Shape, double Slope, double Increase, double Total,
        double Band, Verdict Verdict, Verdict? GradientVerdict, double? GradientPerBlock, string? Worst, double WorstGrowth, string? NonFinite)
    {
        public bool Residual => Graph.Nodes.Any(n => n.Op is AddOp);

        /// <summary>Normalization inside the repeated blocks that is not a block's output: it sits on the branches.</summary>
        public bool BranchNorm => Graph.Nodes.Any(n => NormOps.Contains(n.Op.Kind) && n.Block is { } b && b is not ("stem" or "head")
            && !Stages.Any(s => s.Output == n.Name));

        /// <summary>Normalization as a block's output: post-LN, which renormalizes the residual stream itself.</summary>
        public bool StreamNorm => Graph.Nodes.Any(n => NormOps.Contains(n.Op.Kind) && Stages.Any(s => s.Output == n.Name));

        public string Unit => Stages.Count > 0 && Stages[0].Block.StartsWith("layer", StringComparison.Ordinal) ? "layer"
            : Stages.Count > 0 && Stages[0].Block.StartsWith("block", StringComparison.Ordinal) ? "block" : "stage";

        public HashSet<string> SchemesInUse => Graph.Parameters.Where(p => p.Role == ParameterRole.Weight).Select(p => p.Initializer.Name).ToHashSet();

        public Activation? Activation => Graph.Nodes.Select(n => (n.Op as ActivationOp)?.Activation).Where(a => a is not null)
            .GroupBy(a => a!.Name).OrderByDescending(g => g.Count()).Select(g => g.First()).FirstOrDefault();
    }

    /// <summary>
    /// The fraction of a conv's taps that land inside the input, averaged over its output positions: the factor by which zero
    /// padding scales the variance that a variance-preserving scheme (computed for the full fan-in) delivers.
    /// </summary>
    internal static double PaddingFactor(Node conv)
    {
        var op = (ConvOp)conv.Op;
        var w = op.Geometry(conv.InputShapes[0]);
        double factor = 1;
        for (int d = 0; d < 3; d++)
        {
            long valid = 0;
            for (int o = 0; o < w.Out[d]; o++)
                for (int k = 0; k < w.Kernel[d]; k++)
                {
                    int i = o * w.Stride[d] - w.Pad[d] + k * w.Dilation[d];
                    if (i >= 0 && i < w.In[d]) valid++;
                }
            factor *= (double)valid / ((long)w.Out[d] * w.Kernel[d]);
        }
        return factor;
    }

    private static string F(double v) => v.ToString(Math.Abs(v) >= 100 || Math.Abs(v) < 0.01 ? "0.###e0" : "0.###", CultureInfo.InvariantCulture);

    private static string Advice(Facts f)
    {
        var parts = new List<string>();
        string unit = f.Unit;
        double perBlockVar = Math.Pow(10, 2 * f.Slope);
        if (f.NonFinite is { } bad)
            parts.Add($"the signal overflows at node '{bad}' ({f.Graph[bad].Op.Kind})");

        bool forwardBad = f.Verdict != Verdict.Stable;
        if (f.Residual && !f.BranchNorm && !f.StreamNorm && f.Shape == VarianceGrowth.Geometric && f.Slope > 0)
        {
            string rate = perBlockVar is > 1.8 and < 2.2 ? "doubles" : $"grows x{F(perBlockVar)}";
            parts.Add($"the residual stream's variance {rate} every {unit} (geometric growth: the branches preserve the variance and the adds sum it): "
                + "scale each branch by 1/sqrt(2) (add scales [1, 0.7071]) or by 1/sqrt(number of blocks), zero-init the last layer of each branch "
                + "(SkipInit, De & Smith 2020; Fixup, Zhang et al. 2019), or use normalization");
        }
        else if (f.Residual && f.Shape == VarianceGrowth.Linear && f.Increase > 0)
        {
            string how = f.BranchNorm ? "as normalized branches make it (De & Smith 2020)" : "as branches of fixed output variance make it";
            parts.Add($"the residual stream's variance grows linearly, by {F(f.Increase)} x the input variance per {unit}, {how}: each {unit}'s share shrinks like 1/k"
                + (forwardBad ? $"; over this depth the std changes x{F(Math.Pow(10, f.Total))}: downscale the branches (SkipInit alpha = 1/sqrt(blocks)) or renormalize the stream" : ", which keeps deep residual networks trainable"));
            if (f.BranchNorm && f.Graph.Nodes.Any(n => n.Op is AttentionOp))
                parts.Add("pre-LN: the final layer norm divides the last layers' gradients by the stream's std, so they shrink like 1/sqrt(depth) and stay well behaved (Xiong et al. 2020: pre-LN trains without learning-rate warm-up)");
        }
        else if (forwardBad && f.NonFinite is null || f.NonFinite is not null && !f.Residual)
        {
            parts.Add(Plain(f, unit));
        }

        if (f.GradientVerdict is Verdict.Exploding or Verdict.Vanishing && f.GradientPerBlock is { } gp)
        {
            string dir = f.GradientVerdict == Verdict.Vanishing ? "shrinks" : "grows";
            if (f.StreamNorm && f.Graph.Nodes.Any(n => n.Op is AttentionOp))
                parts.Add($"post-LN: the gradient {dir} x{F(gp)} per {unit} towards the input (Xiong et al. 2020): use pre-LN (ln=pre), learning-rate warm-up, or DeepNorm's residual scaling (Wang et al. 2022)");
            else
                parts.Add($"the gradient {dir} x{F(gp)} per {unit} going back towards the input");
        }

        if (!forwardBad && f.Band > 1 && Math.Abs(f.Total) > 1)
            parts.Add($"the std moves x{F(Math.Pow(10, f.Total))} over the depth, inside the finite-width drift band (x{F(Math.Pow(10, f.Band))}) of these widths: wider layers, normalization or orthogonal weights reduce the drift");
        return string.Join("; ", parts);
    }

    /// <summary>Advice for a plain (or saturated) stack: the scheme for the activation, unless it is already in use.</summary>
    private static string Plain(Facts f, string unit)
    {
        string rate = f.Slope >= 0 ? $"std grows x{F(Math.Pow(10, f.Slope))} per {unit}" : $"std shrinks x{F(Math.Pow(10, f.Slope))} per {unit}";
        var act = f.Activation;
        var inUse = f.SchemesInUse;
        var candidates = act?.Name switch
        {
            "relu" or "leaky_relu" => new[] { ("kaiming_normal", $"kaiming_normal (gain {(act.Name == "relu" ? "sqrt(2)" : F(Gain.Exact(act)))})"), ("orthogonal", $"orthogonal (gain {F(Gain.Exact(act))})") },
            "identity" or null => [("xavier_normal", "xavier_normal or lecun_normal (gain 1)"), ("orthogonal", "orthogonal (gain 1)")],
            "selu" => [("lecun_normal", "lecun_normal (gain 1; SELU self-normalizes)"), ("orthogonal", "orthogonal (gain 1)")],
            _ => [("kaiming_normal", $"kaiming_normal with the exact gain {F(Gain.Exact(act))} for {act.Name}"), ("orthogonal", $"orthogonal (gain {F(Gain.Exact(act))})")],
        };
        var weighted = f.Graph.Nodes.Where(n => n.Parameters.Any(p => p.Role == ParameterRole.Weight)).Select(n => n.Op.Kind).Distinct().ToList();
        string layers = weighted.Count == 0 ? "layers" : string.Join(" and ", weighted) + " layers";
        // The gain in use: target std x sqrt(fan_in) of the weights in the repeated blocks (the median), against the exact gain
        // 1 / sqrt(E[phi(z)^2]) that keeps the second moment (Gain.Exact); within 10% the scheme is variance-preserving.
        var gains = f.Graph.Nodes.Where(n => f.Stages.Any(s => s.Block == n.Block || s.Block == n.Name))
            .SelectMany(n => n.Parameters.Where(p => p.Role == ParameterRole.Weight))
            .Select(p => p.Initializer.TargetStd(p.Shape) * Math.Sqrt((double)p.Shape.Size / p.Shape[0])).Where(double.IsFinite).Order().ToList();
        double current = gains.Count > 0 ? gains[gains.Count / 2] : double.NaN;
        double exact = Gain.Exact(act ?? Activation.Identity);
        bool preserving = Math.Abs(current / exact - 1) < 0.1;
        var advice = candidates.Select(c => inUse.Contains(c.Item1) && !preserving ? $"{c.Item2} instead of the current gain {F(current)}" : c.Item2)
            .Where((c, i) => !inUse.Contains(candidates[i].Item1) || !preserving).ToList();
        var padded = f.Graph.Nodes.Where(n => n.Op is ConvOp && f.Stages.Any(s => s.Block == n.Block)).Select(n => (Node: n, Kept: PaddingFactor(n))).Where(p => p.Kept < 0.97).ToList();
        if (preserving && f.Slope < 0 && padded.Count > 0)
        {
            double kept = padded.Average(p => p.Kept);
            var (node, _) = padded[0];
            return $"{rate}; the {layers} already use a variance-preserving scheme ({string.Join(", ", inUse.Order())}), but zero padding gives the border "
                + $"outputs fewer inputs: at {string.Join("x", node.InputShapes[0].Dims[1..].ToArray())} a conv keeps on average {F(kept)} of its fan-in, so the variance "
                + $"falls x{F(kept)} per conv (x{F(Math.Pow(kept, padded.Count))} over {padded.Count}): use larger inputs, fewer padded layers, or a gain of 1/sqrt({F(kept)}) on the padded convs";
        }
        if (preserving && f.Worst is { } w && f.Graph.Contains(w))
        {
            string op = f.Graph[w].Op.Kind;
            string hint = op switch
            {
                "avg_pool" or "global_avg_pool" => "averaging divides the variance by up to the window size: rescale after pooling or normalize",
                "max_pool" => "max-pooling shifts the mean and narrows the spread: normalize after pooling",
                "attention" => "attention averages the values over the tokens at init: its output std falls with the number of tokens attended; residual connections and layer norm carry the signal",
                "dropout" => "dropout scales the kept entries by 1/(1-p)",
                _ => "use normalization, or rescale that node",
            };
            return $"{rate}; the {layers} already use a variance-preserving scheme ({string.Join(", ", inUse.Order())}): the change comes from node '{w}' ({op}, std x{F(f.WorstGrowth)}): {hint}";
        }
        return advice.Count == 0
            ? $"{rate}; use normalization"
            : $"{rate}; for {act?.Name ?? "linear"} {layers} use {string.Join(" or ", advice)}";
    }
}
