using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Ops;

namespace InitLab.Tests.Networks;

/// <summary>Fixup, SkipInit/ReZero and muP against their papers' closed forms, written out here.</summary>
public class RecipeTests
{
    private static double Std(Graph g, string node, string param = "weight")
    {
        var p = g[node].Parameter(param);
        return p.Initializer.TargetStd(p.Shape);
    }

    [Fact]
    public void Fixup_scale_is_L_to_the_minus_one_over_2m_minus_2()
    {
        Assert.Equal(0.25, Recipes.FixupScale(16, 2), 1e-15);        // 16^(-1/2)
        Assert.Equal(1.0 / 3, Recipes.FixupScale(81, 3), 1e-15);     // 81^(-1/4)
        Assert.Equal(0.5, Recipes.FixupScale(64, 4), 1e-15);         // 64^(-1/6)
    }

    [Fact]
    public void Fixup_on_a_resnet_zeroes_last_layers_and_the_classifier_and_scales_the_rest()
    {
        var g = Recipes.Apply(ModelFamilies.Build("resnet:blocks=16,width=32,size=4,norm=none,preact=true"), "fixup");
        Assert.Equal(Math.Sqrt(2.0 / (3 * 9)), Std(g, "stem.conv"), 1e-12);            // He, outside the branches
        Assert.Equal(Math.Sqrt(2.0 / (32 * 9)) / 4, Std(g, "block7.conv1"), 1e-12);     // He x 16^(-1/2)
        Assert.Equal(0, Std(g, "block7.conv2"));
        Assert.Equal(0, Std(g, "fc"));
        // Every block is the identity at init: the moment engine predicts the stem's std at the last add.
        var t = MomentEngine.Run(g, new MomentOptions { Batch = 4 });
        Assert.Equal(t["stem.conv"].Std, t["block16.add"].Std, 1e-12);
        // Bottleneck branches have m = 3: 16^(-1/4) = 1/2.
        var b = Recipes.Apply(ModelFamilies.Build("resnet:blocks=16,width=32,size=4,norm=none,block=bottleneck"), "fixup");
        Assert.Equal(Math.Sqrt(2.0 / (8 * 9)) / 2, Std(b, "block3.conv2"), 1e-12);
    }

    [Theory]
    [InlineData("skipinit")]
    [InlineData("rezero")]
    public void SkipInit_and_ReZero_make_every_branch_scale_zero(string recipe)
    {
        var g = Recipes.Apply(ModelFamilies.Build("transformer:layers=2,dim=32,heads=2,tokens=4,ln=pre"), recipe);
        var adds = g.Nodes.Where(n => n.Op is AddOp).ToList();
        Assert.Equal(4, adds.Count);
        Assert.All(adds, n => Assert.Equal([1.0, 0.0], ((AddOp)n.Op).Scales!));
        var t = MomentEngine.Run(g, new MomentOptions { Batch = 2 });
        Assert.Equal(t["input"].Variance, t["block2.add2"].Variance, 1e-12);
    }

    [Fact]
    public void MuP_readout_std_is_sqrt_base_width_over_fan_in_and_hidden_layers_keep_one_over_sqrt_fan_in()
    {
        var g = Recipes.Apply(ModelFamilies.Build("mlp:depth=3,width=256,act=relu"), "mup:base_width=64");
        Assert.Equal(1 / Math.Sqrt(256), Std(g, "linear2"), 1e-15);
        Assert.Equal(Math.Sqrt(64) / 256, Std(g, "linear3"), 1e-15);
        // At the base width muP is the standard parameterization.
        var b = Recipes.Apply(ModelFamilies.Build("mlp:depth=3,width=64,act=relu"), "mup:base_width=64");
        Assert.Equal(1 / Math.Sqrt(64), Std(b, "linear3"), 1e-15);
    }

    [Fact]
    public void Residual_branches_are_found_with_their_weighted_layers()
    {
        var r = Recipes.Residuals(ModelFamilies.Build("transformer:layers=2,dim=32,heads=2,tokens=4,ln=post"));
        Assert.Equal(["block1.attn"], r[0].Weighted.Select(n => n.Name));
        Assert.Equal(["block1.fc1", "block1.fc2"], r[1].Weighted.Select(n => n.Name));
        Assert.All(r, b => Assert.Equal(0, b.Shortcut));
    }

    [Theory]
    [InlineData("mlp:depth=2,width=8", "fixup", "has none")]
    [InlineData("resnet:blocks=2,width=8,size=4,norm=none", "nope", "unknown recipe 'nope'")]
    [InlineData("resnet:blocks=2,width=8,size=4,norm=none", "mup", "needs its base shapes")]
    [InlineData("resnet:blocks=2,width=8,size=4,norm=none", "mup:base_width=-3", "base_width must be an integer >= 1")]
    [InlineData("resnet:blocks=2,width=8,size=4,norm=none", "mup:width=3", "has no key 'width'")]
    [InlineData("resnet:blocks=1,width=8,size=4,norm=none,classes=0", "mup:base_width=4", "not a linear layer")]
    public void Bad_recipes_are_refused_by_name(string model, string recipe, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Recipes.Apply(ModelFamilies.Build(model), recipe));
        Assert.Contains(expected, e.Message);
    }
}
