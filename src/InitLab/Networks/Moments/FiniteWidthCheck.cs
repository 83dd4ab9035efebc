using InitLab.Networks.Ops;

namespace InitLab.Networks;

/// <summary>One node of <see cref="FiniteWidthCheck.Compare"/>.</summary>
/// <param name="Name">The node.</param>
/// <param name="Op">The op's JSON name.</param>
/// <param name="Block">The node's block, or null.</param>
/// <param name="PredictedStd">The moment engine's std (infinite width).</param>
/// <param name="MeasuredStd">The explicit engine's std, averaged over the seeds.</param>
/// <param name="LogRatio">The mean over seeds of ln(measured population variance / predicted variance).</param>
/// <param name="LogRatioSd">The seed-to-seed standard deviation of that log ratio.</param>
/// <param name="Tolerance">The finite-width error allowed for |LogRatio| (see <see cref="FiniteWidthCheck"/>).</param>
/// <param name="Narrowest">The fewest units of a weighted layer or elements of a normalization set at or upstream of the node.</param>
/// <param name="Exact">True when the moment engine made no approximation at the node.</param>
public sealed record FiniteWidthNode(string Name, string Op, string? Block, double PredictedStd, double MeasuredStd, double LogRatio,
    double LogRatioSd, double Tolerance, double Narrowest, bool Exact)
{
    /// <summary>|LogRatio| &lt;= Tolerance.</summary>
    public bool Within => Math.Abs(LogRatio) <= Tolerance;
}

/// <summary>
/// Whether measured per-node variances agree with the moment engine's prediction within the finite-width error.
/// </summary>
/// <remarks>
/// S seeds give per-seed log ratios r_s = ln(v_s / v) of the measured population variance (std^2 (N - 1)/N over the N values of the
/// batch) to the predicted infinite-width variance v. Their mean differs from 0 by (i) the seed-to-seed fluctuation, of standard
/// error sd/sqrt(S) with sd estimated from the S seeds (allowed: k standard errors, k = max(5, t) with t the two-sided 0.1% quantile of
/// Student's t with S - 1 degrees of freedom: 12.9 for 4 seeds, 6.87 for 6; an estimated sd needs the t quantile), (ii) the bias of a logarithm of a fluctuating quantity, -sd^2/2 to second order
/// (allowed: sd^2), and (iii) the finite-width corrections of the moments themselves, O(1/n) for a layer of n units (a Gaussian
/// layer's second moment over n units has relative variance 2/n, and smooth maps of it are biased by that order; Hanin &amp; Nica
/// 2019): allowed 2/n for the narrowest layer or normalization set upstream of the node, plus 1e-5 for float32. Tolerance =
/// k sd / sqrt(S) + sd^2 + 2 / n + 1e-5.
/// </remarks>
public static class FiniteWidthCheck
{
    /// <summary>Every node of <paramref name="predicted"/> (inputs and constant nodes skipped) against the traces of several seeds.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 measured traces (the spread needs two), or a trace without one of the nodes.</exception>
    public static IReadOnlyList<FiniteWidthNode> Compare(Graph graph, MomentTrace predicted, IReadOnlyList<GraphTrace> measured)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(measured);
        if (measured.Count < 2) throw new ArgumentException($"need the traces of at least 2 seeds to measure the spread, got {measured.Count}.", nameof(measured));
        var narrowest = Narrowest(graph, predicted.Batch);
        var result = new List<FiniteWidthNode>();
        int seeds = measured.Count;
        foreach (var node in predicted.Nodes)
        {
            if (graph[node.Name].Op is InputOp || node.Variance == 0) continue;
            long n = (long)predicted.Batch * node.Shape.Size;
            var r = measured.Select(t => Math.Log(t[node.Name].Std * t[node.Name].Std * (n - 1) / n / node.Variance)).ToArray();
            double mean = r.Average(), sd = Math.Sqrt(r.Sum(x => (x - mean) * (x - mean)) / (seeds - 1));
            double tolerance = StandardErrors(seeds) * sd / Math.Sqrt(seeds) + sd * sd + 2.0 / narrowest[node.Name] + 1e-5;
            result.Add(new FiniteWidthNode(node.Name, node.Op, node.Block, node.Std, measured.Average(t => t[node.Name].Std), mean, sd, tolerance,
                narrowest[node.Name], node.Exact));
        }
        return result;
    }

    /// <summary>
    /// The tolerance on |ln(v / predicted)| of ONE further measurement v of the node (another input or run, not the mean of the seeds):
    /// the prediction interval k sd sqrt(1 + 1/S) + sd^2 + 2/n + 1e-5, with sd, n and S those of <paramref name="node"/>'s seeds.
    /// </summary>
    public static double SingleTolerance(FiniteWidthNode node, int seeds)
    {
        ArgumentNullException.ThrowIfNull(node);
        double sd = node.LogRatioSd;
        return StandardErrors(seeds) * sd * Math.Sqrt(1 + 1.0 / seeds) + sd * sd + 2.0 / node.Narrowest + 1e-5;
    }

    /// <summary>k = max(5, t_(S-1)) with t the 0.9995 quantile of Student's t (two-sided 0.1%), from the standard table.</summary>
    public static double StandardErrors(int seeds)
    {
        if (seeds < 2) throw new ArgumentException($"seeds must be >= 2, got {seeds}.", nameof(seeds));
        double[] t = [636.62, 31.599, 12.924, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781];
        return seeds - 1 <= t.Length ? t[seeds - 2] : 5;
    }

    /// <summary>Per node, the fewest units of a weighted layer or elements of a normalization set among the node and its ancestors.</summary>
    public static IReadOnlyDictionary<string, double> Narrowest(Graph graph, int batch)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var result = new Dictionary<string, double>();
        foreach (var node in graph.Nodes)
        {
            double own = node.Op switch
            {
                LinearOp l => l.OutFeatures,
                ConvOp c => c.OutChannels,
                AttentionOp a => node.Shape[-1] / (double)a.Heads,
                BatchNormOp => batch * node.Shape.Size / (double)node.Shape[0],
                LayerNormOp => node.Shape[-1],
                _ => double.PositiveInfinity,
            };
            foreach (int i in node.InputIndices) own = Math.Min(own, result[graph.Nodes[i].Name]);
            result[node.Name] = own;
        }
        return result;
    }
}
