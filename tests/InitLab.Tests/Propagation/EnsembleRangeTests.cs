using InitLab.Activations;
using InitLab.Numerics;
using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

/// <summary>
/// The ensemble engine must reach float's limits where the explicit engine does. Its B x B Gram matrix holds squares
/// summed over n units, so computed in float it overflowed at max|x| ~ 1e19 (and underflowed at 1e-19): half the depth
/// of the explicit engine (relu, N(0,1) weights, width 512: layer 16 instead of 32; identity: 15 instead of 28).
/// </summary>
public class EnsembleRangeTests
{
    private const int Width = 512, Batch = 16;

    // With W ~ N(0, 1) the pre-activation std is sqrt(n) after layer 1 and grows by sqrt(n g) per layer after, g = 1
    // (identity) or 1/2 (relu: E[relu(h)^2] = q/2). Layer L overflows when max|h| = std_L m > FLT_MAX, m the median of the
    // largest |z| of the B n entries. log std_L is a sum of per-layer log-gains, each of variance at most (kappa - 1 + 2) / n
    // (kappa = E[phi^4] / E[phi^2]^2: 3 for identity, 6 for relu; 2 / n from the weights), so over 32 layers its sd is at
    // most sqrt(32 * 7 / 512) / 2 = 0.33 in ln, 0.14 decades, against 1.2 to 1.35 decades per layer: the crossing is known
    // to about 0.12 layers, the max over 8192 entries moves it by less than 0.05 decades. Both engines must then report
    // the layer within 1.5 of the continuous crossing (the ceiling of a crossing within 0.5 of it, with margin).
    [Theory]
    [InlineData("relu", 0.5)]
    [InlineData("identity", 1.0)]
    public void Both_engines_overflow_at_the_predicted_layer(string act, double gain)
    {
        var spec = new NetworkSpec(Width, 40, ActivationRegistry.Parse(act), WeightDistribution.Gaussian.WithSigmaW(Math.Sqrt(Width))) { Batch = Batch };
        double maxZ = -SpecialFunctions.NormalQuantile((1 - Math.Pow(0.5, 1.0 / (Batch * Width))) / 2);
        double first = 0.5 * Math.Log10(Width), perLayer = 0.5 * Math.Log10(Width * gain);
        double crossing = 1 + (Math.Log10(float.MaxValue) - Math.Log10(maxZ) - first) / perLayer;
        for (ulong seed = 1; seed <= 3; seed++)
        {
            int? ex = ExplicitEngine.Run(spec, seed).FirstNonFiniteLayer;
            int? en = EnsembleEngine.Run(spec, seed).FirstNonFiniteLayer;
            Assert.NotNull(ex);
            Assert.NotNull(en);
            Assert.True(Math.Abs(ex.Value - crossing) <= 1.5, $"{act} explicit: layer {ex}, predicted crossing {crossing:F2}");
            Assert.True(Math.Abs(en.Value - crossing) <= 1.5, $"{act} ensemble: layer {en}, predicted crossing {crossing:F2}");
            Assert.InRange(en.Value - ex.Value, -1, 1); // two crossings 0.12 layers apart straddle at most one integer

        }
    }

    // sigma_w = 0.1: the std shrinks by 0.1 per layer, reaching float's smallest subnormal (1.4e-45) near layer 45. The
    // ensemble rounds each h once, so it is all zero once max|h| < 2^-150; the explicit GEMM adds products rounded to the
    // subnormal grid, which vanish once max|w x| < 2^-150, up to sqrt(n) max|z| = 10^2 earlier: two layers at most, plus one
    // for the discreteness. The float Gram matrix underflowed at std 1e-19 (layer 25 instead of 46).
    [Fact]
    public void Both_engines_underflow_to_zero_at_nearly_the_same_layer()
    {
        var spec = new NetworkSpec(Width, 60, Activation.Identity, WeightDistribution.Gaussian.WithSigmaW(0.1)) { Batch = Batch };
        static int FirstZero(PropagationTrace t) => t.Layers.First(l => l.Min == 0 && l.Max == 0).Layer;
        int ex = FirstZero(ExplicitEngine.Run(spec, 7)), en = FirstZero(EnsembleEngine.Run(spec, 7));
        Assert.InRange(ex, 40, 50);
        Assert.InRange(en - ex, 0, 3);
    }

    [Fact]
    public void Scaling_by_a_power_of_two_rounds_once_as_the_exact_double_product_does()
    {
        // The ensemble scales X down before its Gram matrix and H back up after: float multiplies where 2^k is a normal
        // float, double products otherwise; both must give (float)(x * 2^k) for every k, into the subnormals and to Inf.
        float[] x = [1f, -1.5f, 3.4028235e38f, 1.17549435e-38f, 1.4e-45f, -7.006492e-45f, 0.1f, 1.9999999f, 0f, -0f,
            float.PositiveInfinity, 123456.79f, 5.877472e-39f];
        var y = new float[x.Length];
        for (int k = -300; k <= 300; k++)
        {
            EnsembleEngine.ScaleByPowerOfTwo(x, k, y);
            for (int i = 0; i < x.Length; i++)
            {
                float expected = (float)(x[i] * Math.ScaleB(1.0, k));
                Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(y[i]), $"x = {x[i]:R}, k = {k}: {y[i]:R} vs {expected:R}");
            }
            var inPlace = (float[])x.Clone();
            EnsembleEngine.ScaleByPowerOfTwo(inPlace, k, inPlace);
            Assert.Equal(y, inPlace);
        }
    }
}
