using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Propagation;

namespace InitLab.Tests.Networks;

public class GraphDiagnoserTests
{
    private static GraphDiagnosis Diagnose(string model, Initializer? init, bool backward = false, int batch = 8)
    {
        var g = ModelFamilies.Build(model);
        if (init is not null) g = g.WithScheme(init);
        return GraphDiagnoser.Diagnose(g, ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = batch, Seed = 5, Backward = backward }));
    }

    [Fact]
    public void A_relu_stack_with_xavier_vanishes_and_is_told_to_use_kaiming_not_xavier()
    {
        var d = Diagnose("mlp:depth=40,width=128", Init.XavierNormal(), backward: true);
        Assert.Equal(Verdict.Vanishing, d.Verdict);
        Assert.Equal(Verdict.Vanishing, d.GradientVerdict);
        // relu halves the second moment; xavier on a square layer keeps it: std x sqrt(1/2) = 0.707 per layer.
        Assert.InRange(d.GrowthPerBlock, 0.6, 0.8);
        Assert.Contains("kaiming_normal (gain sqrt(2))", d.Advice);
        Assert.DoesNotContain("xavier", d.Advice);
        Assert.Equal(40, d.Blocks.Count);
    }

    [Fact]
    public void Advice_never_names_the_scheme_already_in_use()
    {
        // kaiming_normal with the linear gain 1 on relu layers: the advice is the gain, not the scheme.
        var d = Diagnose("mlp:depth=40,width=128", Init.KaimingNormal(mode: FanMode.FanOut, nonlinearity: "linear"));
        Assert.Equal(Verdict.Vanishing, d.Verdict);
        Assert.Contains("use kaiming_normal (gain sqrt(2)) instead of the current gain 1 or orthogonal (gain 1.414)", d.Advice);
        var o = Diagnose("mlp:depth=40,width=128", Init.Orthogonal());
        Assert.Equal(Verdict.Vanishing, o.Verdict);
        Assert.Contains("orthogonal (gain 1.414) instead of the current gain", o.Advice);
    }

    [Fact]
    public void Zero_padding_losses_under_a_variance_preserving_init_are_named_as_such()
    {
        var d = Diagnose("cnn:depth=60,channels=16,size=6,classes=0", Init.KaimingNormal(), batch: 4);
        Assert.Equal(Verdict.Vanishing, d.Verdict);
        Assert.Contains("zero padding", d.Advice);
        Assert.DoesNotContain("use kaiming_normal", d.Advice);
        // At 6x6 a 3x3 conv with padding 1 keeps (16/18)^2 = 0.79 of its taps on average.
        Assert.Contains("keeps on average 0.79 of its fan-in", d.Advice);
    }

    [Fact]
    public void An_overflow_is_reported_at_its_node()
    {
        var d = Diagnose("mlp:depth=60,width=64", Init.Normal(0, 1));
        Assert.Equal(Verdict.Exploding, d.Verdict);
        Assert.StartsWith("the signal overflows at node 'linear", d.Advice);
        Assert.StartsWith("linear", d.WorstNode);
        Assert.Contains("kaiming_normal", d.Advice);
    }

    [Fact]
    public void A_stable_network_gets_no_advice_and_blocks_report_both_directions()
    {
        var d = Diagnose("resnet:blocks=3,width=16,size=8", null, backward: true);
        Assert.Equal(Verdict.Stable, d.Verdict);
        Assert.Equal(["stem", "block1", "block2", "block3", "head"], d.Blocks.Select(b => b.Block));
        Assert.All(d.Blocks, b => Assert.True(b.GradientGrowth > 0 && b.ParamGradNorm > 0));
        var b1 = d.Blocks[1];
        Assert.Equal("stem.relu", b1.Input);
        Assert.Equal("block1.relu", b1.Output);
        Assert.Equal(b1.StdOut / b1.StdIn, b1.Growth);
    }
}
