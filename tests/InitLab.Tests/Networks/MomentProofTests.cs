using InitLab.Tensors;
using InitLab.Activations;
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

    /// <summary>
    /// Global pooling after zero-padded convolutions on small images: a border position's offset sums fewer taps, and two positions
    /// share only the taps valid at both (corner to opposite corner of a 3x3 kernel on a 2x2 image: 4 of 9 each, 1 shared), so the
    /// rank-one product A(p) A(p') the engine uses is an upper bound on their covariance. The pooled node must say so in its trace and
    /// its prediction must be an upper bound within finite-width error (ln(measured/predicted) &lt;= tolerance), while every node
    /// before the pooling (exact per position) agrees both ways.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Pooling_after_padded_convs_on_small_images_is_flagged_and_an_upper_bound(int size)
    {
        var graph = Build($"cnn:depth=3,channels=64,size={size}", "kaiming_normal");
        var predicted = MomentEngine.Run(graph, new MomentOptions { Batch = 8 });
        var traces = Enumerable.Range(0, 6).Select(s => ExplicitGraphEngine.Run(graph, new ExplicitOptions { Batch = 8, Seed = 100 + (ulong)s })).ToList();
        var nodes = FiniteWidthCheck.Compare(graph, predicted, traces);
        var pool = nodes.Single(n => n.Op == "global_avg_pool");
        Assert.False(pool.Exact);
        Assert.Contains(predicted[pool.Name].Assumptions, a => a.Contains("upper bound at zero-padded borders", StringComparison.Ordinal));
        Assert.True(pool.LogRatio <= pool.Tolerance, $"size {size}: pooled ln(measured/predicted) = {pool.LogRatio:G3} above {pool.Tolerance:G3}");
        foreach (var n in nodes.TakeWhile(n => n.Op != "global_avg_pool"))
        {
            Assert.True(n.Within, $"size {size}: {n.Name} ln(measured/predicted) = {n.LogRatio:G3}, tolerance {n.Tolerance:G3}");
            Assert.True(n.Exact, $"{n.Name}: {string.Join("; ", predicted[n.Name].Assumptions)}");
        }
    }

    /// <summary>
    /// Batch norm in inference mode is y = gamma_c (x - m_c) / sqrt(v_c + eps) + beta_c per channel, an affine map: its moments are
    /// exact. One affine map for every channel (constant running statistics other than PyTorch's 0 and 1, gamma 1.5, beta -0.2) keeps
    /// the law, so the relu and the layers after it stay exact; running statistics given per channel (as imported from ONNX) and a
    /// random beta give a per-channel mixture, exact in its moments, followed here by a linear layer (which needs only those).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Batch_norm_with_running_statistics_agrees_with_the_explicit_engine(bool perChannel)
    {
        const int c = 64;
        var b = new GraphBuilder(perChannel ? "bn-running-per-channel" : "bn-running-constant");
        b.Input("x", new Shape(4, 6, 6));
        b.Add("conv1", new ConvOp(c, [3, 3], padding: [1, 1], bias: false), "x");
        b.SetInit("conv1", "weight", Init.KaimingNormal());
        b.Add("bn1", new BatchNormOp(runningStats: true), "conv1");
        if (perChannel)
        {
            b.SetInit("bn1", "running_mean", Init.Given(Enumerable.Range(0, c).Select(i => 0.1f * (i % 7) - 0.3f).ToArray(), "file"));
            b.SetInit("bn1", "running_var", Init.Given(Enumerable.Range(0, c).Select(i => 0.5f + 0.05f * i).ToArray(), "file"));
            b.SetInit("bn1", "weight", Init.Given(Enumerable.Range(0, c).Select(i => 0.5f + 0.02f * i).ToArray(), "file"));
            b.SetInit("bn1", "bias", Init.Normal(0.1, 0.3));
            b.Add("conv2", new ConvOp(c, [3, 3], padding: [1, 1], bias: false), "bn1");
            b.SetInit("conv2", "weight", Init.KaimingNormal());
        }
        else
        {
            b.SetInit("bn1", "running_mean", Init.Constant(0.5));
            b.SetInit("bn1", "running_var", Init.Constant(4));
            b.SetInit("bn1", "weight", Init.Constant(1.5));
            b.SetInit("bn1", "bias", Init.Constant(-0.2));
            b.Add("relu", new ActivationOp(Activation.Relu), "bn1");
            b.Add("conv2", new ConvOp(c, [3, 3], padding: [1, 1], bias: false), "relu");
            b.SetInit("conv2", "weight", Init.KaimingNormal());
            b.Add("bn2", new BatchNormOp(runningStats: true), "conv2");
            b.Add("tanh", new ActivationOp(Activation.Tanh), "bn2");
        }
        var graph = b.Build(perChannel ? "conv2" : "tanh");
        AgreesWithinFiniteWidthError(graph);
        // The closed form at bn1 for the constant case: conv1's output is N(0, 2 * 4/4 ...) with variance v1 (from the engine's conv
        // node), so E[y] = 1.5 (0 - 0.5)/sqrt(4 + eps) - 0.2 and Var(y) = 1.5^2 v1 / (4 + eps).
        if (!perChannel)
        {
            var t = MomentEngine.Run(graph, new MomentOptions { Batch = 8 });
            double v1 = t["conv1"].Variance;
            Assert.Equal(1.5 * -0.5 / Math.Sqrt(4 + 1e-5) - 0.2, t["bn1"].Mean, 1e-12);
            Assert.Equal(2.25 * v1 / (4 + 1e-5), t["bn1"].Variance, 1e-12);
            Assert.True(t["bn1"].Exact && t["relu"].Exact, string.Join("; ", t["relu"].Assumptions));
        }
    }

    private static Graph Build(string model, string? init)
    {
        var g = ModelFamilies.Build(model);
        return init is null ? g : g.WithScheme(Schemes.Create(init));
    }
}
