using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Random;

namespace InitLab.Tests.Networks;

/// <summary>
/// Whole families against PyTorch 1.13: the parameters below (InitLab's draws for seed 3 plus N(0, 0.2^2) noise from stream 5
/// of seed 77, so that norms and biases are not at their defaults) were loaded into nn.MultiheadAttention, F.layer_norm,
/// F.conv2d, F.batch_norm(training=True), F.gelu and F.linear in float64, and PyTorch's first six outputs are the golden values.
/// Every op's semantics (head split, causal mask, pre/post layer norm, biased batch variance, padding) must match.
/// </summary>
public class PyTorchGoldenTests
{
    [Theory]
    [InlineData("transformer:layers=2,dim=8,heads=2,tokens=5,ln=pre", new[] { 0.2749568735623136, -0.526279839987455, 0.6347111896718649, 0.7506415646252714, -1.7668936908589352, 2.543930175370966 })]
    [InlineData("transformer:layers=2,dim=8,heads=2,tokens=5,ln=post,causal=true", new[] { -0.3422879772312851, -0.8227330357622972, -0.31949889432379014, 1.031036458125388, -1.4808027059911826, 1.2208316230276588 })]
    [InlineData("resnet:blocks=2,width=8,size=5,in_channels=2,classes=3", new[] { 0.5295036201010391, -1.780815730629483, -1.1684577345738076, 0.19606836039225867, -1.9700692956411257, -1.4800929363827908 })]
    [InlineData("resnet:blocks=2,width=8,size=5,in_channels=2,classes=3,preact=true,block=bottleneck", new[] { -0.3683219677997922, -0.6273899115767383, -0.8624808772248306, -0.5969369062527061, -0.41963810599010076, -0.8675882331089896 })]
    public void Families_reproduce_pytorchs_outputs(string model, double[] golden)
    {
        var g = ModelFamilies.Build(model);
        var p = NetworkParameters<double>.Draw(g, 3);
        var gen = new Generator(77, 5);
        foreach (var q in g.Parameters)
        {
            var noise = new double[q.Shape.Size];
            gen.Normal(noise, 0, 0.2);
            for (int i = 0; i < noise.Length; i++) p[q][i] += noise[i];
        }
        var input = g.Inputs.First();
        var x = new double[3 * input.Shape.Size];
        gen.Normal(x);
        var y = ExplicitGraphEngine.Forward(g, p, 3, new Dictionary<string, double[]> { [input.Name] = x }).Output;
        // float64 on both sides over a few dozen operations: agreement to 1e-13 (measured 2e-15).
        for (int i = 0; i < golden.Length; i++) Assert.Equal(golden[i], y[i], 1e-13);
    }
}
