using InitLab.Formats;
using InitLab.Formats.Onnx;
using InitLab.Networks;

namespace InitLab.Onnx;

/// <summary>One imported node: what ONNX Runtime and InitLab's explicit engine measured, and how their values agree.</summary>
/// <param name="Node">The graph node and the ONNX node it stands for.</param>
/// <param name="OnnxRuntime">ONNX Runtime's statistics of the node's value.</param>
/// <param name="Explicit">The explicit engine's statistics of the same node (same weights, same input).</param>
/// <param name="Agreement">Element-wise agreement along InitLab's chain and locally, with the float tolerance.</param>
public sealed record NodeComparison(ImportedNode Node, NodeTrace OnnxRuntime, NodeTrace Explicit, NodeAgreement Agreement);

/// <summary>Per ONNX op type: the worst agreement of its nodes.</summary>
/// <param name="OnnxOp">The ONNX op type (MatMul+Add for a folded pair).</param>
/// <param name="Op">The InitLab op(s) it maps to.</param>
/// <param name="Nodes">How many nodes of that type.</param>
/// <param name="ChainRelative">The largest max |difference| / max |value| along the chain.</param>
/// <param name="LocalRelative">The largest max |difference| / max |value| locally.</param>
/// <param name="ChainRatio">The largest |difference| / tolerance along the chain.</param>
/// <param name="LocalRatio">The largest |difference| / tolerance locally.</param>
public sealed record OpClassAgreement(string OnnxOp, string Op, int Nodes, double ChainRelative, double LocalRelative, double ChainRatio, double LocalRatio);

/// <summary>The probe of a model beside InitLab's own explicit engine on its imported graph.</summary>
/// <param name="Probe">The ONNX Runtime probe.</param>
/// <param name="Import">The imported graph.</param>
/// <param name="Explicit">The explicit engine's trace of the imported graph on the probe's input.</param>
/// <param name="Nodes">Every imported node that ONNX Runtime also measured, in graph order.</param>
public sealed record OnnxComparison(ProbeTrace Probe, OnnxImport Import, GraphTrace Explicit, IReadOnlyList<NodeComparison> Nodes)
{
    /// <summary>Whether every node agrees to float tolerance, along the chain and locally.</summary>
    public bool Agrees => Nodes.All(n => n.Agreement.Agrees);

    /// <summary>The worst agreement per ONNX op type, in order of first appearance.</summary>
    public IReadOnlyList<OpClassAgreement> ByOpType => Nodes.GroupBy(n => n.Node.OnnxOp).Select(g => new OpClassAgreement(g.Key,
        string.Join("/", g.Select(n => n.Node.Op).Distinct()), g.Count(), g.Max(n => n.Agreement.ChainRelative), g.Max(n => n.Agreement.LocalRelative),
        g.Max(n => n.Agreement.ChainRatio), g.Max(n => n.Agreement.LocalRatio))).ToList();
}

/// <summary>
/// <c>initlab probe --compare</c>: runs the model with ONNX Runtime and, on the same weights and the same input, InitLab's explicit
/// engine on the graph imported from it (<see cref="OnnxGraphImport"/>), and compares every node element by element to the float
/// tolerance of <see cref="ReferenceComparison"/>.
/// </summary>
public static class OnnxCompare
{
    /// <summary>Probes and compares <paramref name="model"/>; with a scheme, both sides get the same re-initialized weights.</summary>
    /// <exception cref="ArgumentException">As <see cref="OnnxProbe.Run"/>, or a node the import cannot map (named).</exception>
    /// <exception cref="InvalidDataException">ONNX Runtime cannot load or run the model.</exception>
    public static OnnxComparison Run(ModelFile model, ProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        // The probe re-initializes with the same call and seed, so both sides hold the same values.
        var import = options.Scheme is { } scheme ? OnnxGraphImport.Import(model, scheme, options.Seed) : OnnxGraphImport.Import(model);
        if (import.Inputs.Count != 1)
            throw new ArgumentException($"'{model.Path}' has {import.Inputs.Count} inputs; the comparison feeds models with one input.", nameof(model));
        var probe = OnnxProbe.Run(model, options with { KeepValues = true });
        var values = probe.Values!;
        int batch = probe.Batch;
        var inputs = new Dictionary<string, float[]> { [import.Inputs[probe.InputName]] = probe.InputValues! };
        var byNode = import.Nodes.ToDictionary(n => n.Node, StringComparer.Ordinal);
        foreach (var node in import.Graph.Nodes)
            if (byNode.TryGetValue(node.Name, out var n) && values.TryGetValue(n.Output, out var v) && v.Length != batch * node.Shape.Size)
                throw new InvalidOperationException($"node '{n.OnnxName}' ({n.OnnxOp}): InitLab's {n.Op} computes batch x {node.Shape} = {batch * node.Shape.Size} values, ONNX Runtime {v.Length}.");
        var agreements = ReferenceComparison.Compare(import.Graph, import.Parameters, batch, inputs,
            node => byNode.TryGetValue(node.Name, out var n) && values.TryGetValue(n.Output, out var v) ? v : null);
        var trace = ExplicitGraphEngine.Run(import.Graph, new ExplicitOptions { Batch = batch, Seed = options.Seed, Threads = options.Threads }, inputs);
        var ort = new Dictionary<string, NodeTrace>(StringComparer.Ordinal);
        foreach (var (measured, output) in probe.Nodes.Zip(probe.Outputs)) ort.TryAdd(output, measured);
        var explicitByName = trace.Nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var nodes = agreements.Select(a =>
        {
            var n = byNode[a.Name];
            return new NodeComparison(n, ort[n.Output], explicitByName.GetValueOrDefault(a.Name) ?? throw new InvalidOperationException($"no explicit trace of '{a.Name}'"), a);
        }).ToList();
        return new OnnxComparison(probe, import, trace, nodes);
    }
}
