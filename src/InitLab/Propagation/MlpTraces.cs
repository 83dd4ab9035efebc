using InitLab.Networks;
using InitLab.Networks.Families;

namespace InitLab.Propagation;

/// <summary>The MLP lab's per-layer view of a graph trace of the mlp family: layer l is linear{l} (pre) and its output node (post).</summary>
internal static class MlpTraces
{
    /// <summary>
    /// Which nodes end a run of <paramref name="graph"/> when non-finite: only the layer outputs x_l, as the lab's loop (tanh
    /// maps an overflowed h to +-1, and the lab goes on).
    /// </summary>
    public static Func<Node, bool> Stops(Graph graph) => node => node.Name == MlpFamily.LayerOutput(graph, LayerOf(node)) && LayerOf(node) > 0;

    private static int LayerOf(Node node) => node.Block is { } b && b.StartsWith("layer", StringComparison.Ordinal) ? int.Parse(b[5..], System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>(input, layers, first non-finite layer) from the node traces of an mlp-family run.</summary>
    public static (LayerTrace Input, List<LayerTrace> Layers, int? FirstNonFinite) Layers(Graph graph, IReadOnlyList<NodeTrace> nodes, int depth)
    {
        var byName = nodes.ToDictionary(n => n.Name);
        var i = byName["input"];
        var input = new LayerTrace(0, i.Mean, i.Std, i.MeanSquare, i.Min, i.Max, i.ZeroFraction, i.NonFinite,
            new PreActivationStats(i.Mean, i.Std, i.MeanSquare), i.Correlation, i.GradNorm, Histogram: i.Histogram);
        var layers = new List<LayerTrace>(depth);
        int? firstNonFinite = null;
        for (int l = 1; l <= depth; l++)
        {
            if (!byName.TryGetValue(MlpFamily.LayerOutput(graph, l), out var post)) break;
            var pre = byName[$"linear{l}"];
            layers.Add(new LayerTrace(l, post.Mean, post.Std, post.MeanSquare, post.Min, post.Max, post.ZeroFraction, post.NonFinite,
                new PreActivationStats(pre.Mean, pre.Std, pre.MeanSquare), pre.Correlation, post.GradNorm, pre.Parameters[0].GradNorm, post.Histogram));
            if (post.NonFinite > 0)
            {
                firstNonFinite = l;
                break;
            }
        }
        return (input, layers, firstNonFinite);
    }
}
