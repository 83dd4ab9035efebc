using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Ops;

namespace InitLab.Tests.Networks;

/// <summary>
/// The moment engine's per-node variance against the explicit engine's measurement, for every family, several depths and widths,
/// with and without normalization, pre- and post-LN.
/// </summary>
/// <remarks>
/// <para>Tolerance. S seeds give per-seed log ratios r_s = ln(v_s / v) of the measured population variance (std^2 (N - 1)/N over the
/// N values of the batch) to the predicted infinite-width variance v. Their mean differs from 0 by (i) the seed-to-seed
/// fluctuation, of standard error sd/sqrt(S) (allowed: 5 standard errors), (ii) the bias of a logarithm of a fluctuating quantity,
/// -sd^2/2 to second order (allowed: sd^2), and (iii) the finite-width corrections of the moments themselves, O(1/n) for a layer of n
/// units (a Gaussian layer's second moment over n units has relative variance 2/n, and smooth maps of it are biased by that order;
/// Hanin &amp; Nica 2019): allowed 2/n for the narrowest layer or normalization set upstream of the node, plus 1e-5 for float32.</para>
/// <para>Nodes downstream of an approximation the engine reports are held to the same tolerance: the test then also checks that
/// the approximations are good to within finite-width error.</para>
/// </remarks>
public class MomentProofTests
{
    internal static void AgreesWithinFiniteWidthError(Graph graph, int batch = 8, int seeds = 6, ulong firstSeed = 100)
    {
        var predicted = MomentEngine.Run(graph, new MomentOptions { Batch = batch });
        var traces = Enumerable.Range(0, seeds).Select(s => ExplicitGraphEngine.Run(graph, new ExplicitOptions { Batch = batch, Seed = firstSeed + (ulong)s })).ToList();
        var narrowest = Narrowest(graph, batch);
        var failures = new List<string>();
        foreach (var node in predicted.Nodes)
        {
            if (graph[node.Name].Op is InputOp || node.Variance == 0) continue;
            long n = batch * node.Shape.Size;
            var r = traces.Select(t => Math.Log(t[node.Name].Std * t[node.Name].Std * (n - 1) / n / node.Variance)).ToArray();
            double mean = r.Average(), sd = Math.Sqrt(r.Sum(x => (x - mean) * (x - mean)) / (seeds - 1));
            double tolerance = 5 * sd / Math.Sqrt(seeds) + sd * sd + 2.0 / narrowest[node.Name] + 1e-5;
            if (!(Math.Abs(mean) <= tolerance))
                failures.Add($"{node.Name} ({node.Op}): ln(measured/predicted) = {mean:G4} (sd {sd:G3}), tolerance {tolerance:G3}{(node.Exact ? "" : " [" + string.Join("; ", node.Assumptions) + "]")}");
        }
        Assert.True(failures.Count == 0, $"{graph.Name}: {failures.Count} node(s) outside finite-width error:\n" + string.Join("\n", failures));
    }

    /// <summary>Per node, the fewest units of a weighted layer or elements of a normalization set among the node and its ancestors.</summary>
    private static Dictionary<string, double> Narrowest(Graph graph, int batch)
    {
        var result = new Dictionary<string, double>();
        foreach (var node in graph.Nodes)
        {
            double own = node.Op switch
            {
                LinearOp l => l.OutFeatures,
                ConvOp c => c.OutChannels,
                AttentionOp => node.Shape[-1] / (double)((AttentionOp)node.Op).Heads,
                BatchNormOp => batch * node.Shape.Size / (double)node.Shape[0],
                LayerNormOp => node.Shape[-1],
                _ => double.PositiveInfinity,
            };
            foreach (int i in node.InputIndices) own = Math.Min(own, result[graph.Nodes[i].Name]);
            result[node.Name] = own;
        }
        return result;
    }

    [Theory]
    [InlineData("mlp:depth=8,width=128,act=tanh", "xavier_normal")]
    [InlineData("mlp:depth=6,width=256,act=relu,residual=1,bias=true", null)]
    [InlineData("mlp:depth=10,width=96,act=gelu", "kaiming_normal")]
    public void Mlps_agree_with_the_explicit_engine(string model, string? init) => AgreesWithinFiniteWidthError(Build(model, init));

    [Theory]
    [InlineData("cnn:depth=6,channels=64,size=8", "kaiming_normal")]
    [InlineData("cnn:depth=4,channels=48,size=12,act=tanh", null)]
    public void Cnns_agree_with_the_explicit_engine(string model, string? init) => AgreesWithinFiniteWidthError(Build(model, init));

    [Theory]
    [InlineData("resnet:blocks=4,width=64,size=8,norm=none,preact=true", "kaiming_normal")]
    [InlineData("resnet:blocks=3,width=64,size=8,norm=batch", null)]
    [InlineData("resnet:blocks=6,width=48,size=8,norm=batch", null)]
    [InlineData("resnet:blocks=3,width=64,size=8,norm=batch,preact=true", null)]
    [InlineData("resnet:blocks=2,width=64,size=8,norm=none,block=bottleneck", "kaiming_normal")]
    public void Resnets_agree_with_the_explicit_engine(string model, string? init) => AgreesWithinFiniteWidthError(Build(model, init));

    [Theory]
    [InlineData("transformer:layers=3,dim=128,heads=4,tokens=16,ln=pre", null)]
    [InlineData("transformer:layers=3,dim=128,heads=4,tokens=16,ln=post", "xavier_normal")]
    [InlineData("transformer:layers=3,dim=128,heads=4,tokens=16,ln=none", "xavier_normal")]
    [InlineData("transformer:layers=2,dim=96,heads=2,tokens=24,ln=pre,causal=true", null)]
    public void Transformers_agree_with_the_explicit_engine(string model, string? init) => AgreesWithinFiniteWidthError(Build(model, init));

    private static Graph Build(string model, string? init)
    {
        var g = ModelFamilies.Build(model);
        return init is null ? g : g.WithScheme(Schemes.Create(init));
    }
}
