using InitLab.Initializers;
using InitLab.Inspection;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Inspection;

public sealed class ModelInspectionTests
{
    [Fact]
    public void A_fresh_PyTorch_layer_is_init_and_its_verdicts_are_counted()
    {
        // nn.Linear(64, 128) as PyTorch makes it: weight torch_default, bias U(-1/8, 1/8); a BatchNorm1d after it.
        var w = Init.TorchDefault().Create<float>(new Shape(128, 64), new Generator(1)).Data;
        var b = BiasRule.TorchDefault(64).Create<float>(new Shape(128), new Generator(2)).Data;
        var data = new Dictionary<string, TensorData>
        {
            ["fc.weight"] = new(Array.ConvertAll(w, v => (double)v), Math.Pow(2, -24)),
            ["fc.bias"] = new(Array.ConvertAll(b, v => (double)v), Math.Pow(2, -24)),
            ["bn.weight"] = new(Enumerable.Repeat(1.0, 128).ToArray(), Math.Pow(2, -24)),
            ["bn.running_var"] = new(Enumerable.Range(0, 128).Select(i => 1 + i / 1000.0).ToArray(), Math.Pow(2, -24)),
            ["bn.num_batches_tracked"] = new([7], null),
            ["ids"] = new([1, 2, 3, 4], null),
        };
        var parameters = ParameterNaming.Resolve(
        [
            new("fc.weight", new Shape(128, 64)), new("fc.bias", new Shape(128)), new("bn.weight", new Shape(128)),
            new("bn.running_var", new Shape(128)), new("bn.num_batches_tracked", new Shape()), new("ids", new Shape(4)),
        ]);
        var result = ModelInspection.Inspect(parameters, p => data[p.Name]);
        Assert.Equal(["torch_default", "torch_default_bias", "ones", null, "constant(value=7)", null], result.Select(r => r.BestScheme?.Name));
        Assert.Equal([Verdict.Init, Verdict.Init, Verdict.Constant, Verdict.Trained, Verdict.Constant, Verdict.Unknown], result.Select(r => r.Verdict));
        var counts = ModelInspection.Counts(result);
        Assert.Equal((2, 2, 1, 1, 0), (counts[Verdict.Init], counts[Verdict.Constant], counts[Verdict.Trained], counts[Verdict.Unknown], counts[Verdict.Structured]));
    }
}
