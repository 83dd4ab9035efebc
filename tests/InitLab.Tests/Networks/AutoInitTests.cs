using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

/// <summary>Automatic initialization with the moment engine, then measured on the explicit engine.</summary>
public class AutoInitTests
{
    [Fact]
    public void A_relu_mlp_gets_the_kaiming_scale_written_out_here()
    {
        // Input N(0, 1): layer 1's std = 1/sqrt(fan_in); after a relu of a unit Gaussian E[x^2] = 1/2, so every later layer gets
        // sqrt(2/fan_in) (He et al. 2015); biases zero.
        var graph = MlpFamily.Build([20, 48, 48, 48, 48], InitLab.Activations.Activation.Relu, bias: Init.Zeros(), defaultBias: true);
        var result = AutoInit.Run(graph, new AutoInitOptions { Batch = 8 });
        var linears = result.Layers.Where(l => l.Op == "linear").ToList();
        Assert.Equal(4, linears.Count);
        Assert.Equal(1 / Math.Sqrt(20), linears[0].Std!.Value, 1e-12);
        foreach (var l in linears.Skip(1)) Assert.Equal(Math.Sqrt(2.0 / 48), l.Std!.Value, 1e-12);
        foreach (var l in linears) Assert.Equal(1, result.Prediction[l.Name].Std, 1e-12);
        Assert.All(result.Graph.Parameters.Where(p => p.Role == ParameterRole.Bias), p => Assert.Equal("zeros", p.Initializer.Name));
    }

    [Fact]
    public void A_target_std_scales_every_weight_and_add()
    {
        var graph = ModelFamilies.Build("resnet:blocks=2,width=16,size=4,norm=none,preact=true");
        var a = AutoInit.Run(graph, new AutoInitOptions { Batch = 4 });
        var b = AutoInit.Run(graph, new AutoInitOptions { Batch = 4, TargetStd = 0.5 });
        foreach (var layer in b.Layers) Assert.Equal(0.5, b.Prediction[layer.Name].Std, 1e-9);
        // stem.conv sees the same input under both; the first add's inputs are 0.5x, so its scales are unchanged.
        Assert.Equal(0.5 * a.Layers[0].Std!.Value, b.Layers[0].Std!.Value, 1e-12);
    }

    [Fact]
    public void An_add_of_a_shortcut_and_its_own_relu_uses_their_exact_covariance()
    {
        // y = a (x + relu(x)), x ~ N(0, 1): Var(x + relu(x)) = E[x^2] + 2 E[x relu(x)] + E[relu^2] - E[relu]^2 = 1 + 1 + 1/2 - 1/(2 pi),
        // so a = 1/sqrt(5/2 - 1/(2 pi)) (the two inputs are far from independent: treating them so would give 1/sqrt(3/2 - 1/(2 pi))).
        var b = new GraphBuilder("x+relu");
        string x = b.Input("input", new Shape(64));
        string h = b.Add("fc", new LinearOp(64, bias: false), x);
        string r = b.Add("relu", new ActivationOp(InitLab.Activations.Activation.Relu), h);
        b.Add("add", new AddOp(), h, r);
        var result = AutoInit.Run(b.Build(), new AutoInitOptions { Batch = 4 });
        double expected = 1 / Math.Sqrt(2.5 - 1 / (2 * Math.PI));
        Assert.Equal([expected, expected], result.Layers.Single(l => l.Op == "add").Scales!, (p, q) => Math.Abs(p - q) < 1e-9);
    }

    [Theory]
    [InlineData("resnet:blocks=16,width=32,size=8,norm=none,preact=true", "kaiming_normal")]
    [InlineData("transformer:layers=8,dim=64,heads=4,tokens=8,ln=none", "xavier_normal")]
    public void Deep_networks_without_normalization_reach_the_target_where_a_standard_init_explodes(string model, string standard)
    {
        var graph = ModelFamilies.Build(model);
        const int batch = 8;
        var result = AutoInit.Run(graph, new AutoInitOptions { Batch = batch });
        // Every chosen node is at the target in the prediction, and every node's measurement agrees with the prediction within
        // finite-width error (FiniteWidthCheck's derived tolerance).
        foreach (var layer in result.Layers) Assert.Equal(1, result.Prediction[layer.Name].Std, 1e-9);
        var traces = Enumerable.Range(0, 4).Select(s => ExplicitGraphEngine.Run(result.Graph, new ExplicitOptions { Batch = batch, Seed = 10 + (ulong)s })).ToList();
        var check = FiniteWidthCheck.Compare(result.Graph, result.Prediction, traces);
        Assert.True(check.All(n => n.Within), string.Join("\n", check.Where(n => !n.Within).Select(n => $"{n.Name}: {n.LogRatio:G4} > {n.Tolerance:G3}")));
        // The standard init's output std, measured: more than 4x the target (it explodes), while autoinit's last add is within
        // a factor 2 of it.
        var standardTrace = ExplicitGraphEngine.Run(graph.WithScheme(Schemes.Create(standard)), new ExplicitOptions { Batch = batch, Seed = 10 });
        string last = result.Layers.Last(l => l.Op == "add").Name;
        Assert.True(standardTrace[last].Std > 4, $"{standard}: std {standardTrace[last].Std} at {last}");
        Assert.InRange(traces.Average(t => t[last].Std), 0.5, 2);
    }

    [Fact]
    public void Shared_weights_and_a_bad_target_are_refused_by_name()
    {
        var shared = MlpFamily.Build([8, 8, 8, 8], InitLab.Activations.Activation.Tanh, sharedWeights: true);
        var e = Assert.Throws<ArgumentException>(() => AutoInit.Run(shared));
        Assert.Contains("shared", e.Message);
        var plain = ModelFamilies.Build("mlp:depth=2,width=8,act=tanh");
        Assert.Throws<ArgumentException>(() => AutoInit.Run(plain, new AutoInitOptions { TargetStd = 0 }));
        Assert.Throws<ArgumentException>(() => AutoInit.Run(plain, new AutoInitOptions { TargetStd = double.NaN }));
    }
}
