using System.Numerics;
using InitLab.Networks.Ops;

namespace InitLab.Networks;

/// <summary>
/// How one node of a graph agrees with another implementation's value of it (e.g. ONNX Runtime running the model the graph
/// was imported from), in two ways: along InitLab's own chain (every node computed from InitLab's values of its inputs) and
/// locally (the node computed from the reference's values of its inputs, so that only the op itself differs).
/// </summary>
/// <param name="Name">The node.</param>
/// <param name="Op">The node's op.</param>
/// <param name="Elements">Number of values compared (batch x shape).</param>
/// <param name="ReferenceMaxAbs">The largest |value| of the reference.</param>
/// <param name="ChainMaxDifference">max |InitLab's chain - reference| over the elements.</param>
/// <param name="ChainRatio">max over elements of |difference| / tolerance along the chain (at most 1: they agree to float tolerance).</param>
/// <param name="LocalMaxDifference">max |InitLab's op on the reference's inputs - reference|.</param>
/// <param name="LocalRatio">max over elements of |difference| / tolerance for the local comparison.</param>
/// <param name="ChainTolerance">The largest element tolerance along the chain (2 e, e the forward-error bound of either implementation).</param>
/// <param name="LocalTolerance">The largest element tolerance of the local comparison.</param>
public sealed record NodeAgreement(
    string Name, string Op, long Elements, double ReferenceMaxAbs, double ChainMaxDifference, double ChainRatio,
    double LocalMaxDifference, double LocalRatio, double ChainTolerance, double LocalTolerance)
{
    /// <summary>ChainMaxDifference / ReferenceMaxAbs (0 when both are 0).</summary>
    public double ChainRelative => Relative(ChainMaxDifference);

    /// <summary>LocalMaxDifference / ReferenceMaxAbs (0 when both are 0).</summary>
    public double LocalRelative => Relative(LocalMaxDifference);

    /// <summary>Both comparisons within tolerance (ratios at most 1; NaN, from a non-finite value, fails).</summary>
    public bool Agrees => ChainRatio <= 1 && LocalRatio <= 1;

    private double Relative(double d) => d == 0 ? 0 : d / ReferenceMaxAbs;
}

/// <summary>
/// Compares a graph, run by the explicit engine in float32, with another implementation's values of its nodes, element by
/// element, to a tolerance derived per element from the ops' forward-error rules (<see cref="IErrorBoundRule"/>): each
/// implementation is within e of the exact result, e propagated node by node (|W| e_x + gamma_K sum |w x| for a dot product of
/// K terms, ...), so two correct implementations differ by at most 2 e.
/// </summary>
public static class ReferenceComparison
{
    /// <summary>
    /// Runs <paramref name="graph"/> with <paramref name="parameters"/> on <paramref name="inputs"/> and compares every node for
    /// which <paramref name="reference"/> returns values (batch x shape, row-major), along the chain and locally.
    /// </summary>
    /// <exception cref="ArgumentException">An input is missing or of the wrong size, a reference has the wrong size, or an op has no error rule (the message names the node).</exception>
    public static IReadOnlyList<NodeAgreement> Compare(Graph graph, NetworkParameters<float> parameters, int batch,
        IReadOnlyDictionary<string, float[]> inputs, Func<Node, float[]?> reference, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(reference);
        if (batch < 1) throw new ArgumentException($"batch must be >= 1, got {batch}.", nameof(batch));
        Numerics.Guard.Threads(threads);
        if (parameters.Graph != graph) throw new ArgumentException("the parameters belong to another graph.", nameof(parameters));
        foreach (var node in graph.Nodes) Graph.Require<IErrorBoundRule>(node, "float comparison");

        int n = graph.Nodes.Count;
        var values = new float[]?[n];
        var errors = new double[]?[n];
        var references = new float[]?[n];
        var pending = Enumerable.Range(0, n).Select(i => graph.Consumers(i).Count).ToArray();
        var result = new List<NodeAgreement>();
        foreach (var node in graph.Nodes)
        {
            int i = node.Index;
            long size = (long)batch * node.Shape.Size;
            var p = node.Parameters.Select(q => parameters[q]).ToArray();
            var pd = p.Select(Widen).ToArray();
            var rule = (IErrorBoundRule)node.Op;
            // An input is what both implementations were fed: its given values, never a reference's.
            var r = node.Op is InputOp ? null : reference(node);
            if (r is not null && r.Length != size)
                throw new ArgumentException($"node '{node.Name}' ({node.Op.Kind}): the reference has {r.Length} values, expected batch x {node.Shape} = {size}.", nameof(reference));
            references[i] = r;

            if (node.Op is InputOp)
            {
                if (!inputs.TryGetValue(node.Name, out var data))
                    throw new ArgumentException($"input '{node.Name}' is missing.", nameof(inputs));
                if (data.Length != size)
                    throw new ArgumentException($"input '{node.Name}' has {data.Length} values, expected batch x {node.Shape} = {size}.", nameof(inputs));
                values[i] = data;
                errors[i] = new double[size];
            }
            else
            {
                var ins = node.InputIndices.Select(j => values[j]!).ToArray();
                values[i] = Run(node, batch, ins, p, threads);
                errors[i] = Bound(rule, node, batch, ins.Select(Widen).ToArray(), node.InputIndices.Select(j => errors[j]!).ToArray(), pd, threads);
            }

            if (r is not null)
            {
                // Locally: the reference's own inputs where it has them (exact for this comparison: error 0), else the chain's.
                var localIns = node.InputIndices.Select(j => references[j] ?? values[j]!).ToArray();
                var localErrIns = node.InputIndices.Select(j => references[j] is null ? errors[j]! : new double[references[j]!.Length]).ToArray();
                var local = Run(node, batch, localIns, p, threads);
                var localBound = Bound(rule, node, batch, localIns.Select(Widen).ToArray(), localErrIns, pd, threads);
                var (chainDiff, chainRatio, chainTol) = Differences(values[i]!, r, errors[i]!);
                var (localDiff, localRatio, localTol) = Differences(local, r, localBound);
                double maxAbs = 0;
                foreach (float v in r) maxAbs = Math.Max(maxAbs, Math.Abs((double)v));
                result.Add(new NodeAgreement(node.Name, node.Op.Kind, size, maxAbs, chainDiff, chainRatio, localDiff, localRatio, chainTol, localTol));
            }

            foreach (int j in node.InputIndices.Distinct())
                if (--pending[j] == 0 && j != graph.Output.Index) values[j] = null;
            foreach (int j in node.InputIndices.Distinct())
                if (pending[j] == 0) errors[j] = null;
        }
        return result;
    }

    private static float[] Run(Node node, int batch, float[][] inputs, float[][] parameters, int threads)
    {
        var output = new float[batch * node.Shape.Size];
        var pass = new ForwardPass<float>(node, batch, inputs, parameters, k => parameters[k], output, threads, keepState: false, seed: 0);
        node.Op.Forward(pass);
        return output;
    }

    private static double[] Bound(IErrorBoundRule rule, Node node, int batch, double[][] inputs, double[][] inputErrors, double[][] parameters, int threads)
    {
        var pass = new ErrorBoundPass(node, batch, inputs, inputErrors, parameters, threads);
        rule.ErrorBound(pass);
        return pass.Error;
    }

    /// <summary>max |a - b|, max |a - b| / (2 e) (0 / 0 = 0, x / 0 = infinity, NaN stays NaN) and max 2 e.</summary>
    private static (double MaxDifference, double Ratio, double Tolerance) Differences(float[] ours, float[] theirs, double[] e)
    {
        double maxDiff = 0, ratio = 0, tol = 0;
        for (int k = 0; k < ours.Length; k++)
        {
            float a = ours[k], b = theirs[k];
            if (!float.IsFinite(a) || !float.IsFinite(b))
            {
                // Both NaN, or the same infinity, agree; anything else is a disagreement no tolerance covers.
                if (a.Equals(b)) continue;
                return (double.NaN, double.NaN, tol);
            }
            double d = Math.Abs((double)a - b);
            double t = 2 * e[k];
            maxDiff = Math.Max(maxDiff, d);
            tol = Math.Max(tol, t);
            double q = d == 0 ? 0 : t == 0 ? double.PositiveInfinity : d / t;
            ratio = Math.Max(ratio, q);
        }
        return (maxDiff, ratio, tol);
    }

    private static double[] Widen<T>(T[] x) where T : unmanaged, INumberBase<T>
    {
        var d = new double[x.Length];
        for (int k = 0; k < x.Length; k++) d[k] = double.CreateTruncating(x[k]);
        return d;
    }
}
