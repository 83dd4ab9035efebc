using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

public class FamilyTests
{
    private static string Error(string model) => GraphBuilder.Strip(Assert.Throws<ArgumentException>(() => ModelFamilies.Build(model)));

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    [InlineData("resnet")]
    [InlineData("transformer")]
    public void Every_family_builds_with_its_defaults_and_names_itself_canonically(string family)
    {
        var g = ModelFamilies.Build(family);
        Assert.StartsWith(family + ":", g.Name);
        Assert.Equal(ModelFamilies.Get(family).Keys.Count, g.Name!.Split(',').Length);
        Assert.Equal(g.Name, ModelFamilies.Build(g.Name).Name);
    }

    [Fact]
    public void Parameter_counts_equal_the_architectures_closed_forms()
    {
        // Transformer block: attention 4 D^2 + 4 D, MLP 2 r D^2 + (r + 1) D, two layer norms 4 D; pre-LN adds ln_f (2 D).
        var t = ModelFamilies.Build("transformer:layers=3,dim=32,heads=4,tokens=5,ln=pre");
        Assert.Equal(3 * (4 * 32 * 32 + 4 * 32 + 2 * 4 * 32 * 32 + 5 * 32 + 4 * 32) + 2 * 32, t.ParameterCount);
        // Basic ResNet block at width C: two 3x3 convs without bias (18 C^2) and two batch norms (4 C); stem 27 C + 2 C; fc 10 C + 10.
        var r = ModelFamilies.Build("resnet:blocks=4,width=16,size=8");
        Assert.Equal(4 * (18 * 16 * 16 + 4 * 16) + 27 * 16 + 2 * 16 + 10 * 16 + 10, r.ParameterCount);
        // Bottleneck (expansion 4, inner C/4): C^2/4 + 9 C^2/16 + C^2/4, batch norms 2 (C/4 + C/4 + C).
        var bn = ModelFamilies.Build("resnet:blocks=2,width=16,size=8,block=bottleneck,norm=none,classes=0");
        Assert.Equal(2 * (16 * 4 + 9 * 4 * 4 + 4 * 16) + 27 * 16, bn.ParameterCount);
        var c = ModelFamilies.Build("cnn:depth=3,channels=8,size=6,in_channels=2,classes=0,bias=false");
        Assert.Equal(9 * 2 * 8 + 2 * 9 * 8 * 8, c.ParameterCount);
    }

    [Fact]
    public void Resnet_blocks_follow_the_papers_orderings()
    {
        var post = ModelFamilies.Build("resnet:blocks=1,width=8,size=4");
        Assert.Equal(["block1.conv1", "block1.bn1", "block1.relu1", "block1.conv2", "block1.bn2", "block1.add", "block1.relu"],
            post.Nodes.Where(n => n.Block == "block1").Select(n => n.Name));
        Assert.Equal(["stem.relu", "block1.bn2"], post["block1.add"].Inputs);
        var pre = ModelFamilies.Build("resnet:blocks=1,width=8,size=4,preact=true");
        Assert.Equal(["block1.bn1", "block1.relu1", "block1.conv1", "block1.bn2", "block1.relu2", "block1.conv2", "block1.add"],
            pre.Nodes.Where(n => n.Block == "block1").Select(n => n.Name));
        Assert.Equal(["stem.conv", "block1.conv2"], pre["block1.add"].Inputs);
        var none = ModelFamilies.Build("resnet:blocks=1,width=8,size=4,norm=none,block=bottleneck");
        Assert.DoesNotContain(none.Nodes, n => n.Op is BatchNormOp);
        Assert.Equal(new Shape(2, 8, 1, 1), none["block1.conv1"].Parameter("weight").Shape);
    }

    [Fact]
    public void Transformer_layer_norm_placements_follow_the_papers()
    {
        var pre = ModelFamilies.Build("transformer:layers=1,dim=8,heads=2,tokens=3,ln=pre");
        Assert.Equal(["input", "block1.ln1"], pre["block1.add1"].Inputs.Take(1).Concat(pre["block1.attn"].Inputs));
        Assert.Equal("ln_f", pre.Output.Name);
        var post = ModelFamilies.Build("transformer:layers=1,dim=8,heads=2,tokens=3,ln=post");
        Assert.Equal(["block1.add1"], post["block1.ln1"].Inputs);
        Assert.Equal(["input"], post["block1.attn"].Inputs);
        Assert.Equal("block1.ln2", post.Output.Name);
        var tokens = ModelFamilies.Build("transformer:layers=1,dim=8,heads=2,tokens=3,vocab=11,causal=true");
        Assert.True(((AttentionOp)tokens["block1.attn"].Op).Causal);
        Assert.Equal(new Shape(11, 8), tokens["embed"].Parameter("weight").Shape);
    }

    [Theory]
    [InlineData("resnet:blocks=0", "model 'resnet': key 'blocks' must be an integer >= 1, got '0'.")]
    [InlineData("resnet:blocks=8,depth=3", "model 'resnet': unknown key 'depth'; valid keys: blocks, width, size, norm, block, preact, in_channels, classes.")]
    [InlineData("resnet:norm=layer", "model 'resnet': key 'norm' must be batch or none, got 'layer'.")]
    [InlineData("resnet:width=10,block=bottleneck", "model 'resnet': key 'width' must be a multiple of 4 for bottleneck blocks, got '10'.")]
    [InlineData("resnet:blocks", "model 'resnet': 'blocks' is not key=value (write resnet:key=value,key=value).")]
    [InlineData("resnet:blocks=2,blocks=3", "model 'resnet': key 'blocks' is given twice.")]
    [InlineData("transformer:dim=10,heads=4", "model 'transformer': key 'heads' must divide dim = 10, got '4'.")]
    [InlineData("transformer:causal=yes", "model 'transformer': key 'causal' must be true or false, got 'yes'.")]
    [InlineData("mlp:width=1,5", "model 'mlp': '5' is not key=value (write mlp:key=value,key=value).")]
    [InlineData("mlp:width=1.5", "model 'mlp': key 'width' must be an integer >= 1, got '1.5'.")]
    [InlineData("mlp:act=swoosh", "model 'mlp': key 'act': unknown activation 'swoosh'; valid names: identity, relu, leaky_relu, tanh, sigmoid, erf, gelu, silu, selu, elu, softplus, mish (aliases: linear = identity, swish = silu).")]
    [InlineData("vgg:depth=3", "unknown model family 'vgg'; valid families: mlp, cnn, resnet, transformer.")]
    [InlineData("cnn:size=2,depth=1", null)]
    public void Bad_model_strings_get_one_message_naming_the_key(string model, string? expected)
    {
        if (expected is null) ModelFamilies.Build(model);
        else Assert.Equal(expected, Error(model));
    }

    [Theory]
    [InlineData("mlp:depth=3,width=5,act=tanh,bias=true,residual=0.5")]
    [InlineData("cnn:depth=2,channels=3,size=4,in_channels=2,classes=3,act=gelu")]
    [InlineData("resnet:blocks=2,width=4,size=4,in_channels=2,classes=3")]
    [InlineData("resnet:blocks=2,width=4,size=3,in_channels=2,classes=3,preact=true")]
    [InlineData("resnet:blocks=1,width=8,size=3,in_channels=1,classes=2,block=bottleneck,norm=none")]
    [InlineData("resnet:blocks=1,width=8,size=3,in_channels=1,classes=0,block=bottleneck,preact=true")]
    [InlineData("transformer:layers=2,dim=8,heads=2,tokens=3,ln=pre")]
    [InlineData("transformer:layers=2,dim=8,heads=2,tokens=3,ln=post,causal=true,mlp_ratio=2")]
    [InlineData("transformer:layers=1,dim=6,heads=3,tokens=4,ln=none,vocab=5,act=relu")]
    public void Every_family_backward_matches_finite_differences(string model) =>
        GradientCheck.Run(ModelFamilies.Build(model), batch: 3, samplesPerTensor: 6);

    [Fact]
    public void The_mlp_family_gives_the_labs_numbers_for_the_same_network()
    {
        var graph = ModelFamilies.Build("mlp:depth=6,width=32,act=tanh").WithScheme(InitLab.Initializers.Init.KaimingNormal());
        var spec = new InitLab.Propagation.NetworkSpec(32, 6, InitLab.Activations.Activation.Tanh,
            InitLab.Propagation.WeightDistribution.Gaussian.WithSigmaW(Math.Sqrt(2))) { Batch = 16 };
        var lab = InitLab.Propagation.ExplicitEngine.Run(spec, 4);
        var trace = ExplicitGraphEngine.Run(graph, new ExplicitOptions { Batch = 16, Seed = 4 });
        for (int l = 1; l <= 6; l++)
        {
            Assert.Equal(lab.Layers[l - 1].Std, trace[$"act{l}"].Std);
            Assert.Equal(lab.Layers[l - 1].Pre.Std, trace[$"linear{l}"].Std);
        }
    }

    [Fact]
    public void With_scheme_sets_weights_zeroes_biases_and_keeps_norms()
    {
        var g = ModelFamilies.Build("cnn:depth=2,channels=4,size=4").WithScheme(InitLab.Initializers.Init.DeltaOrthogonal(2));
        Assert.Equal("delta_orthogonal", g["conv1"].Parameter("weight").Initializer.Name);
        Assert.Equal("orthogonal", g["fc"].Parameter("weight").Initializer.Name);
        Assert.Equal("zeros", g["conv2"].Parameter("bias").Initializer.Name);
        var t = ModelFamilies.Build("transformer:layers=1,dim=8,heads=2,tokens=3").WithScheme(InitLab.Initializers.Init.XavierNormal());
        Assert.Equal("xavier_normal", t["block1.attn"].Parameter("in_proj_weight").Initializer.Name);
        Assert.Equal("ones", t["block1.ln1"].Parameter("weight").Initializer.Name);
    }
}
