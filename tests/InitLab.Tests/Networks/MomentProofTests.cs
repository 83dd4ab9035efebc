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
/// <para>Tolerance: <see cref="FiniteWidthCheck"/> (5 standard errors of the seeds' mean log ratio, the log's bias sd^2, and 2/n for the
/// narrowest layer or normalization set upstream).</para>
/// <para>Nodes downstream of an approximation the engine reports are held to the same tolerance: the test then also checks that
/// the approximations are good to within finite-width error.</para>
/// </remarks>
public class MomentProofTests
{
    internal static void AgreesWithinFiniteWidthError(Graph graph, int batch = 8, int seeds = 6, ulong firstSeed = 100)
    {
        var predicted = MomentEngine.Run(graph, new MomentOptions { Batch = batch });
        var traces = Enumerable.Range(0, seeds).Select(s => ExplicitGraphEngine.Run(graph, new ExplicitOptions { Batch = batch, Seed = firstSeed + (ulong)s })).ToList();
        var failures = FiniteWidthCheck.Compare(graph, predicted, traces).Where(n => !n.Within)
            .Select(n => $"{n.Name} ({n.Op}): ln(measured/predicted) = {n.LogRatio:G4} (sd {n.LogRatioSd:G3}), tolerance {n.Tolerance:G3}{(n.Exact ? "" : " [" + string.Join("; ", predicted[n.Name].Assumptions) + "]")}").ToList();
        Assert.True(failures.Count == 0, $"{graph.Name}: {failures.Count} node(s) outside finite-width error:\n" + string.Join("\n", failures));
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

    /// <summary>
    /// T-Fixup and DeepNorm give the value projection a different scale than the query and key ones (one in_proj_weight, three row
    /// blocks): the engine must use each block's gain (with one averaged gain DeepNorm's beta^2 = 0.2 on W_v would be read as
    /// (1 + 1 + 0.2)/3 = 0.73, far outside the tolerance), and DeepNorm's alpha-scaled shortcut before the post-LN.
    /// </summary>
    [Theory]
    [InlineData("transformer:layers=4,dim=128,heads=4,tokens=16,ln=post", "deepnorm")]
    [InlineData("transformer:layers=2,dim=96,heads=2,tokens=12,ln=post,causal=true", "deepnorm")]
    [InlineData("transformer:layers=4,dim=128,heads=4,tokens=16,ln=none", "tfixup")]
    [InlineData("transformer:layers=3,dim=96,heads=2,tokens=12,ln=none,causal=true,vocab=64", "tfixup")]
    public void Transformer_recipes_agree_with_the_explicit_engine(string model, string recipe) =>
        AgreesWithinFiniteWidthError(Recipes.Apply(ModelFamilies.Build(model), recipe));

    private static Graph Build(string model, string? init)
    {
        var g = ModelFamilies.Build(model);
        return init is null ? g : g.WithScheme(Schemes.Create(init));
    }
}
