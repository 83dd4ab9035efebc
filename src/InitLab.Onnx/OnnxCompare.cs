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

/// <summary>One node: the moment engine's infinite-width prediction beside ONNX Runtime's measurement.</summary>
/// <param name="Name">The graph node.</param>
/// <param name="Op">Its InitLab op.</param>
/// <param name="PredictedStd">The moment engine's std.</param>
/// <param name="MeasuredStd">ONNX Runtime's std of the node's values (one batch).</param>
/// <param name="LogRatio">ln(measured population variance / predicted variance).</param>
/// <param name="LogRatioSd">The seed-to-seed sd of that log ratio, from the explicit engine on fresh N(0, 1) inputs (same weights).</param>
/// <param name="Tolerance">The finite-width tolerance of one measurement (<see cref="FiniteWidthCheck.SingleTolerance"/>).</param>
/// <param name="Exact">True when the moment engine made no approximation at the node.</param>
public sealed record MomentNodeComparison(string Name, string Op, double PredictedStd, double MeasuredStd, double LogRatio, double LogRatioSd, double Tolerance, bool Exact)
{
    /// <summary>|LogRatio| &lt;= Tolerance.</summary>
    public bool Within => Math.Abs(LogRatio) <= Tolerance;
}

/// <summary>The moment engine beside ONNX Runtime, or why it could not run.</summary>
/// <param name="Refused">Null when the moment engine treated the graph; else the reason in one line (e.g. batch norm with running statistics).</param>
/// <param name="Seeds">The explicit engine's seeds that give the spread (0 when refused).</param>
/// <param name="Nodes">Every node both measured, in graph order (empty when refused).</param>
public sealed record MomentComparison(string? Refused, int Seeds, IReadOnlyList<MomentNodeComparison> Nodes);

/// <summary>The probe of a model beside InitLab's own explicit engine on its imported graph.</summary>
/// <param name="Probe">The ONNX Runtime probe.</param>
/// <param name="Import">The imported graph.</param>
/// <param name="Explicit">The explicit engine's trace of the imported graph on the probe's input.</param>
/// <param name="Nodes">Every imported node that ONNX Runtime also measured, in graph order.</param>
public sealed record OnnxComparison(ProbeTrace Probe, OnnxImport Import, GraphTrace Explicit, IReadOnlyList<NodeComparison> Nodes)
{
    /// <summary>The moment engine's prediction per node beside ONNX Runtime's measurement (finite-width error), or why it is missing.</summary>
    public MomentComparison? Moments { get; init; }

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
/// tolerance of <see cref="ReferenceComparison"/>; beside it, the moment engine's prediction per node (<see cref="OnnxComparison.Moments"/>).
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
        return new OnnxComparison(probe, import, trace, nodes) { Moments = CompareMoments(import, probe, nodes, options) };
    }

    /// <summary>The explicit engine's seeds that measure the seed-to-seed spread of the moment comparison.</summary>
    public const int MomentSeeds = 4;

    /// <summary>
    /// The moment engine on the imported graph (the model's weights enter as i.i.d. with their own moments) against ONNX Runtime's
    /// measurement. The spread of ln(variance) comes from the explicit engine on <see cref="MomentSeeds"/> fresh N(0, 1) inputs
    /// (streams seed + 1 ..), and one measurement is within when |ln(measured/predicted variance)| &lt;= the prediction-interval
    /// tolerance of <see cref="FiniteWidthCheck.SingleTolerance"/>. A graph the moment engine refuses, or an input from a file (the
    /// prediction is for N(0, 1) input), gives <see cref="MomentComparison.Refused"/> instead of an exception.
    /// </summary>
    private static MomentComparison CompareMoments(OnnxImport import, ProbeTrace probe, IReadOnlyList<NodeComparison> nodes, ProbeOptions options)
    {
        if (probe.InputSource != "gaussian")
            return new MomentComparison("the moment engine predicts for an N(0, 1) input; this probe's input came from a file", 0, []);
        MomentTrace predicted;
        try
        {
            predicted = MomentEngine.Run(import.Graph, new MomentOptions { Batch = probe.Batch, Threads = options.Threads });
        }
        catch (ArgumentException e)
        {
            string why = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            return new MomentComparison("the moment engine cannot treat this graph: " + why.Split('\n')[0], 0, []);
        }
        var spread = Enumerable.Range(1, MomentSeeds).Select(k => ExplicitGraphEngine.Run(import.Graph,
            new ExplicitOptions { Batch = probe.Batch, Seed = options.Seed + (ulong)k, Threads = options.Threads })).ToList();
        var check = FiniteWidthCheck.Compare(import.Graph, predicted, spread).ToDictionary(n => n.Name, StringComparer.Ordinal);
        var result = new List<MomentNodeComparison>();
        foreach (var n in nodes)
        {
            if (!check.TryGetValue(n.Node.Node, out var c)) continue;
            var p = predicted[n.Node.Node];
            long count = (long)probe.Batch * p.Shape.Size;
            double std = n.OnnxRuntime.Std;
            result.Add(new MomentNodeComparison(c.Name, c.Op, c.PredictedStd, std, Math.Log(std * std * (count - 1) / count / p.Variance), c.LogRatioSd,
                FiniteWidthCheck.SingleTolerance(c, MomentSeeds), c.Exact));
        }
        return new MomentComparison(null, MomentSeeds, result);
    }
}
