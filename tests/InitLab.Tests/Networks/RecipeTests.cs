using InitLab.Initializers;
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
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(18)]
    [InlineData(1000)]
    public void DeepNorm_constants_are_the_papers_closed_forms(int n)
    {
        // Wang et al. 2022, Figure 2: encoder-only alpha = (2N)^(1/4), beta = (8N)^(-1/4); decoder-only the same in M; encoder-decoder
        // (N encoder, M decoder layers; here M = N + 3): encoder alpha = 0.81 (N^4 M)^(1/16), beta = 0.87 (N^4 M)^(-1/16), decoder
        // alpha = (3M)^(1/4), beta = (12M)^(-1/4). Written as roots, not powers, to be independent of the library's form.
        double Root4(double v) => Math.Sqrt(Math.Sqrt(v));
        double Root16(double v) => Math.Sqrt(Math.Sqrt(Math.Sqrt(Math.Sqrt(v))));
        int m = n + 3;
        var enc = Recipes.DeepNormConstants(DeepNormArchitecture.EncoderOnly, n);
        Assert.Equal(Root4(2.0 * n), enc.Alpha, 1e-12);
        Assert.Equal(1 / Root4(8.0 * n), enc.Beta, 1e-12);
        Assert.Equal(enc, Recipes.DeepNormConstants(DeepNormArchitecture.DecoderOnly, n));
        var ee = Recipes.DeepNormConstants(DeepNormArchitecture.EncoderDecoderEncoder, n, m);
        Assert.Equal(0.81 * Root16((double)n * n * n * n * m), ee.Alpha, 1e-12);
        Assert.Equal(0.87 / Root16((double)n * n * n * n * m), ee.Beta, 1e-12);
        var ed = Recipes.DeepNormConstants(DeepNormArchitecture.EncoderDecoderDecoder, n, m);
        Assert.Equal(Root4(3.0 * m), ed.Alpha, 1e-12);
        Assert.Equal(1 / Root4(12.0 * m), ed.Beta, 1e-12);
    }

    [Fact]
    public void DeepNorm_constants_at_the_papers_depths()
    {
        // Hand-computed: (2 * 6)^(1/4) = 1.861210, (8 * 6)^(-1/4) = 0.379918; a 1000-layer encoder: 6.687403, 0.1057371.
        Assert.Equal(1.861210, Recipes.DeepNormConstants(DeepNormArchitecture.EncoderOnly, 6).Alpha, 6);
        Assert.Equal(0.379918, Recipes.DeepNormConstants(DeepNormArchitecture.EncoderOnly, 6).Beta, 6);
        Assert.Equal(6.687403, Recipes.DeepNormConstants(DeepNormArchitecture.EncoderOnly, 1000).Alpha, 6);
        Assert.Equal(0.1057371, Recipes.DeepNormConstants(DeepNormArchitecture.EncoderOnly, 1000).Beta, 7);
        Assert.Throws<ArgumentException>(() => Recipes.DeepNormConstants(DeepNormArchitecture.EncoderOnly, 0));
        Assert.Throws<ArgumentException>(() => Recipes.DeepNormConstants(DeepNormArchitecture.EncoderDecoderEncoder, 6, 0));
    }

    [Fact]
    public void TFixup_scales_are_the_papers_closed_forms()
    {
        // Huang et al. 2020, Section 3.3: decoder (9N)^(-1/4), encoder 0.67 N^(-1/4). 9 * 4 = 36: 36^(-1/4) = 1/sqrt(6); 16^(-1/4) = 1/2.
        Assert.Equal(1 / Math.Sqrt(6), Recipes.TFixupScale(4, decoder: true), 1e-15);
        Assert.Equal(0.67 / 2, Recipes.TFixupScale(16, decoder: false), 1e-15);
        Assert.Throws<ArgumentException>(() => Recipes.TFixupScale(0, true));
    }

    private static double BlockStd(Graph g, string node, int block)
    {
        var p = g[node].Parameter("in_proj_weight");
        var stacked = Assert.IsType<StackedInitializer>(p.Initializer);
        return stacked.Blocks[block].TargetStd(stacked.BlockShape(p.Shape));
    }

    [Fact]
    public void DeepNorm_on_a_post_ln_encoder_scales_v_out_and_ffn_by_beta_and_the_shortcut_by_alpha()
    {
        const int d = 32, n = 6;
        var g = Recipes.Apply(ModelFamilies.Build($"transformer:layers={n},dim={d},heads=2,tokens=4,ln=post"), "deepnorm");
        double alpha = Math.Sqrt(Math.Sqrt(2.0 * n)), beta = 1 / Math.Sqrt(Math.Sqrt(8.0 * n));
        // xavier_normal of a (fan_out, fan_in) matrix: gain sqrt(2 / (fan_in + fan_out)).
        Assert.Equal(Math.Sqrt(2.0 / (d + d)), BlockStd(g, "block3.attn", 0), 1e-12);
        Assert.Equal(Math.Sqrt(2.0 / (d + d)), BlockStd(g, "block3.attn", 1), 1e-12);
        Assert.Equal(beta * Math.Sqrt(2.0 / (d + d)), BlockStd(g, "block3.attn", 2), 1e-12);
        Assert.Equal(beta * Math.Sqrt(2.0 / (d + d)), Std(g, "block3.attn", "out_proj_weight"), 1e-12);
        Assert.Equal(beta * Math.Sqrt(2.0 / (d + 4 * d)), Std(g, "block3.fc1"), 1e-12);
        Assert.Equal(beta * Math.Sqrt(2.0 / (4 * d + d)), Std(g, "block3.fc2"), 1e-12);
        Assert.All(g.Nodes.Where(x => x.Op is AddOp), x => Assert.Equal([alpha, 1.0], ((AddOp)x.Op).Scales!));
        // The family's alpha key builds the same residual.
        var f = ModelFamilies.Build($"transformer:layers=2,dim={d},heads=2,tokens=4,ln=post,alpha=2.5");
        Assert.Equal([2.5, 1.0], ((AddOp)f["block2.add1"].Op).Scales!);
        // Decoder-only (causal) uses M = the number of blocks, the same closed form.
        var c = Recipes.Apply(ModelFamilies.Build($"transformer:layers=2,dim={d},heads=2,tokens=4,ln=post,causal=true"), "deepnorm");
        Assert.Equal(Math.Sqrt(Math.Sqrt(4.0)), ((AddOp)c["block1.add2"].Op).Scale(0), 1e-12);
    }

    [Fact]
    public void TFixup_on_a_transformer_without_ln_scales_v_out_ffn_and_embeddings_but_not_q_k()
    {
        const int d = 32, n = 4;
        var enc = Recipes.Apply(ModelFamilies.Build($"transformer:layers={n},dim={d},heads=2,tokens=4,ln=none,vocab=50"), "tfixup");
        double e = 0.67 / Math.Sqrt(2), dec = 1 / Math.Sqrt(6); // 0.67 N^(-1/4) and (9N)^(-1/4) at N = 4
        // xavier_uniform: gain sqrt(2 / (fan_in + fan_out)) (std of U(-a, a), a = sqrt 3 std).
        Assert.Equal(Math.Sqrt(2.0 / (2 * d)), BlockStd(enc, "block2.attn", 0), 1e-12);
        Assert.Equal(Math.Sqrt(2.0 / (2 * d)), BlockStd(enc, "block2.attn", 1), 1e-12);
        Assert.Equal(e * Math.Sqrt(2.0 / (2 * d)), BlockStd(enc, "block2.attn", 2), 1e-12);
        Assert.Equal(e * Math.Sqrt(2.0 / (2 * d)), Std(enc, "block2.attn", "out_proj_weight"), 1e-12);
        Assert.Equal(e * Math.Sqrt(2.0 / (5 * d)), Std(enc, "block2.fc1"), 1e-12);
        // Embeddings: N(0, d^(-1/2)) scaled by (9N)^(-1/4), in the encoder too.
        Assert.Equal(dec / Math.Sqrt(d), Std(enc, "embed"), 1e-12);
        var causal = Recipes.Apply(ModelFamilies.Build($"transformer:layers={n},dim={d},heads=2,tokens=4,ln=none,causal=true"), "tfixup");
        Assert.Equal(dec * Math.Sqrt(2.0 / (2 * d)), BlockStd(causal, "block2.attn", 2), 1e-12);
        Assert.Equal(dec * Math.Sqrt(2.0 / (5 * d)), Std(causal, "block4.fc2"), 1e-12);
        Assert.Equal(Math.Sqrt(2.0 / (2 * d)), BlockStd(causal, "block4.attn", 0), 1e-12);
    }

    [Theory]
    [InlineData("mlp:depth=2,width=8", "fixup", "has none")]
    [InlineData("resnet:blocks=2,width=8,size=4,norm=none", "tfixup", "has no attention")]
    [InlineData("transformer:layers=2,dim=8,heads=2,tokens=4,ln=pre", "tfixup", "without layer normalization")]
    [InlineData("transformer:layers=2,dim=8,heads=2,tokens=4,ln=pre", "deepnorm", "post-LN")]
    [InlineData("transformer:layers=2,dim=8,heads=2,tokens=4,ln=none", "deepnorm", "post-LN")]
    [InlineData("transformer:layers=2,dim=8,heads=2,tokens=4,ln=post", "deepnorm:alpha=2", "has no key 'alpha'")]
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
