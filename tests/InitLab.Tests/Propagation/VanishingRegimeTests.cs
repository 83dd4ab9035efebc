using InitLab.Activations;
using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

public class VanishingRegimeTests
{
    // tanh with sigma_w = 0.5: once the signal is small tanh(h) = h, each layer multiplies q by sigma_w^2 chi^2_n / n, so
    // after 50 layers the std is about 0.5^50 = 9e-16. ln q_L / q_MF is a sum of L per-layer terms of variance at most
    // 2 / n (one input; the batch average only reduces it), so ln std_L / std_MF has sd <= sqrt(L / (2 n)); 5 sd is the
    // band. A float tanh with an absolute error of 6e-8 (TensorPrimitives) held both engines at std 3.5e-8 instead.
    [Theory]
    [InlineData(Engine.Explicit)]
    [InlineData(Engine.Ensemble)]
    public void A_vanishing_tanh_network_follows_mean_field_down_to_1e_15(Engine engine)
    {
        const int width = 256, depth = 50;
        var spec = new NetworkSpec(width, depth, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(0.5)) { Batch = 16 };
        double predicted = MeanFieldEngine.Run(spec).Layers[^1].Std;
        Assert.InRange(predicted, 1e-16, 1e-14);
        double measured = Propagator.Run(spec, engine, seed: 3).Layers[^1].Std;
        double band = 5 * Math.Sqrt(depth / (2.0 * width));
        Assert.True(Math.Abs(Math.Log(measured / predicted)) <= band,
            $"{engine}: final std {measured:G4}, mean field {predicted:G4}, allowed factor e^{band:F2}");
    }
}
