using InitLab.Networks.Ops;
using InitLab.Propagation;

namespace InitLab.Networks;

/// <summary>What an explicit run of a graph will need, estimated before it starts (float32).</summary>
public static class GraphResources
{
    /// <summary>
    /// Peak memory, split into the part that grows with the batch ("batch": activations alive at once, twice the largest node
    /// output plus the inputs kept, all outputs and their gradients with a backward pass, and conv/attention work arrays) and the
    /// part fixed by the model ("model": the largest parameter tensor, every parameter and its gradient with a backward pass),
    /// and the floating-point operations (multiply-adds as 2) of the forward pass (x3 with a backward pass).
    /// </summary>
    public static ResourceEstimate Estimate(Graph graph, int batch, bool backward)
    {
        ArgumentNullException.ThrowIfNull(graph);
        double b = batch, largest = 0, all = 0, scratch = 0, operations = 0;
        foreach (var node in graph.Nodes)
        {
            double size = node.Shape.Size;
            largest = Math.Max(largest, size);
            all += size;
            double inSize = node.InputShapes.Count > 0 ? node.InputShapes[0].Size : 0;
            switch (node.Op)
            {
                case LinearOp linear:
                    operations += 2 * b * (inSize / node.InputShapes[0][-1]) * node.InputShapes[0][-1] * linear.OutFeatures;
                    break;
                case ConvOp conv:
                {
                    var w = conv.Geometry(node.InputShapes[0]);
                    double rows = (double)w.Channels / conv.Groups * w.KernelSize;
                    operations += 2 * b * conv.OutChannels * w.OutSize * rows;
                    scratch = Math.Max(scratch, rows * w.OutSize * Math.Min(b, Environment.ProcessorCount) * (backward ? 2 : 1));
                    break;
                }
                case AttentionOp attention:
                {
                    double t = node.InputShapes[0][0], d = node.InputShapes[0][1];
                    operations += 2 * b * t * d * 4 * d + 4 * b * t * t * d;
                    scratch = Math.Max(scratch, b * (3 * t * d + attention.Heads * t * t + t * d) * (backward ? 2 : 1));
                    break;
                }
                default:
                    operations += 4 * b * size;
                    break;
            }
        }
        double activations = backward ? 2 * b * all : b * (2 * largest + graph.Inputs.Sum(n => (double)n.Shape.Size));
        var sizes = graph.Parameters.Select(p => (double)p.Shape.Size).ToList();
        double parameters = backward ? 2 * sizes.Sum() : sizes.DefaultIfEmpty(0).Max();
        return new ResourceEstimate([("batch", 4 * (activations + scratch)), ("model", 4 * parameters)], operations * (backward ? 3 : 1));
    }
}
