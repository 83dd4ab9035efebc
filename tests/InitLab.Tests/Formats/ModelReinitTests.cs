using InitLab.Formats;
using InitLab.Initializers;
using InitLab.Inspection;

namespace InitLab.Tests.Formats;

public sealed class ModelReinitTests
{
    private static double Std(float[] x)
    {
        double mean = x.Average(v => (double)v);
        return Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1));
    }

    [Fact]
    public void Weights_get_the_scheme_with_fans_from_their_layout_and_the_rest_the_fresh_model_values()
    {
        // A Keras kernel (in = 256, out = 64) and a PyTorch weight (out = 64, in = 256): both have fan_in 256.
        var model = new ModelFile(ModelFormats.Npz, "m", [
            ModelTensor.FromSingles("keras", [256, 64], new float[256 * 64], TensorLayout.InOut, ParameterRole.Weight),
            ModelTensor.FromSingles("torch", [64, 256], new float[256 * 64], TensorLayout.OutIn, ParameterRole.Weight),
            ModelTensor.FromSingles("b", [64], new float[64].Select(_ => 3f).ToArray(), TensorLayout.Unknown, ParameterRole.Bias),
            ModelTensor.FromSingles("gamma", [64], new float[64], TensorLayout.Unknown, ParameterRole.NormScale),
            ModelTensor.FromDoubles("var", [64], new double[64], TensorLayout.Unknown, ParameterRole.RunningVariance),
            ModelTensor.FromSingles("mean", [64], new float[64].Select(_ => 5f).ToArray(), TensorLayout.Unknown, ParameterRole.RunningMean),
            ModelTensor.FromSingles("other", [3], [1, 2, 3]),
        ]);
        var (result, changes) = ModelReinit.Apply(model, Schemes.Create("kaiming_normal"), 7);
        Assert.Equal(["scheme", "scheme", "zeros", "ones", "ones", "zeros", "kept"], changes.Select(c => c.Action));
        // kaiming_normal: std = sqrt(2 / fan_in) = sqrt(2 / 256); 16,384 draws put the sample std within 5 sigma,
        // sigma = std / sqrt(2 n), of it.
        double expected = Math.Sqrt(2.0 / 256), tolerance = 5 * expected / Math.Sqrt(2 * 16384);
        Assert.Equal(expected, Std(result.Find("keras")!.ReadSingles()), tolerance);
        Assert.Equal(expected, Std(result.Find("torch")!.ReadSingles()), tolerance);
        Assert.All(result.Find("b")!.ReadSingles(), v => Assert.Equal(0f, v));
        Assert.All(result.Find("gamma")!.ReadSingles(), v => Assert.Equal(1f, v));
        Assert.Equal(DTypes.Float64, result.Find("var")!.DType);
        Assert.All(result.Find("var")!.ReadDoubles(), v => Assert.Equal(1.0, v));
        Assert.All(result.Find("mean")!.ReadSingles(), v => Assert.Equal(0f, v));
        Assert.Equal([1f, 2, 3], result.Find("other")!.ReadSingles());
    }

    [Fact]
    public void A_keras_kernel_holds_the_transpose_of_the_torch_draw_from_the_same_stream()
    {
        // Tensor 0 of both models draws from Fork(0): the (k, in, out) kernel is the (out, in, k) draw transposed.
        var keras = new ModelFile("npz", "k", [ModelTensor.FromSingles("w", [3, 4, 5], new float[60], TensorLayout.InOut, ParameterRole.Weight)]);
        var torch = new ModelFile("npz", "t", [ModelTensor.FromSingles("w", [5, 4, 3], new float[60], TensorLayout.OutIn, ParameterRole.Weight)]);
        var scheme = Schemes.Create("xavier_uniform");
        var k = ModelReinit.Apply(keras, scheme, 1).Model.Tensors[0].ReadSingles();
        var t = ModelReinit.Apply(torch, scheme, 1).Model.Tensors[0].ReadSingles();
        for (int r = 0; r < 3; r++)
            for (int i = 0; i < 4; i++)
                for (int o = 0; o < 5; o++)
                    Assert.Equal(t[(o * 4 + i) * 3 + r], k[(r * 4 + i) * 5 + o]);
    }

    [Fact]
    public void The_same_seed_gives_the_same_bits_and_a_scheme_that_does_not_fit_names_the_tensor()
    {
        var model = ModelFiles.Read(Fixtures.PathOf("cnn.onnx"));
        var a = ModelReinit.Apply(model, Schemes.Create("orthogonal"), 3).Model;
        var b = ModelReinit.Apply(model, Schemes.Create("orthogonal"), 3).Model;
        Assert.Equal(a.Tensors.Select(t => t.ReadBytes()), b.Tensors.Select(t => t.ReadBytes()));
        var e = Assert.Throws<ArgumentException>(() => ModelReinit.Apply(model, Schemes.Create("eye"), 3));
        Assert.Contains("conv1.weight", e.Message);
    }
}
