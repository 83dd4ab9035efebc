using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Random;

/// <summary>
/// Box-Muller turns one pair of uniforms into two independent normals z0 = r cos(theta), z1 = r sin(theta). A transform
/// that gave both halves the same trigonometric function would still produce N(0, 1) marginals, so the pair itself is
/// tested: its angle must be uniform on (-pi, pi], its squared radius exponential with mean 2, and the halves uncorrelated.
/// </summary>
public class BoxMullerPairTests
{
    private const double Alpha = 1e-4;
    private const int Pairs = 100_000;

    private static void AssertIndependentPairs(double[] z, string what)
    {
        int pairs = z.Length / 2;
        var angle = new double[pairs];
        var radius2 = new double[pairs];
        double cross = 0;
        for (int i = 0; i < pairs; i++)
        {
            double a = z[2 * i], b = z[2 * i + 1];
            angle[i] = Math.Atan2(b, a);
            radius2[i] = a * a + b * b;
            cross += a * b;
        }
        var uniformAngle = KolmogorovSmirnov.Test(angle, t => Math.Clamp((t + Math.PI) / (2 * Math.PI), 0, 1));
        Assert.True(uniformAngle.Passes(Alpha), $"{what}: angle not uniform, D = {uniformAngle.Statistic}, p = {uniformAngle.PValue}");
        // z0^2 + z1^2 ~ chi-square(2) = Exp(mean 2): F(s) = 1 - exp(-s / 2).
        var exponential = KolmogorovSmirnov.Test(radius2, s => s <= 0 ? 0 : 1 - Math.Exp(-s / 2));
        Assert.True(exponential.Passes(Alpha), $"{what}: radius^2 not Exp(2), D = {exponential.Statistic}, p = {exponential.PValue}");
        // E[z0 z1] = 0 with Var(z0 z1) = 1: 5 standard errors.
        Assert.True(Math.Abs(cross / pairs) <= 5 / Math.Sqrt(pairs), $"{what}: mean of z0 z1 = {cross / pairs}");
    }

    [Fact]
    public void Double_normal_pairs_are_independent()
    {
        var z = new double[2 * Pairs];
        new Generator(2024, 5).Normal(z);
        AssertIndependentPairs(z, "double");
    }

    [Fact]
    public void Float_normal_pairs_are_independent()
    {
        var z = new float[2 * Pairs];
        new Generator(2025, 5).Normal(z);
        AssertIndependentPairs(z.Select(v => (double)v).ToArray(), "float");
    }

    [Fact]
    public void Double_normals_are_the_box_muller_transform_of_each_block()
    {
        // Element pair (2k, 2k + 1) comes from block k: u1 = (bits53(w0, w1) + 1) 2^-53 in (0, 1], t = bits53(w2, w3) 2^-53,
        // z0 = sqrt(-2 ln u1) cos(2 pi t), z1 = sqrt(-2 ln u1) sin(2 pi t), bits53(hi, lo) = ((hi << 32) | lo) >> 11.
        const ulong seed = 77, stream = 3;
        var z = new double[1001];
        var g = new Generator(seed, stream) { Position = 40 };
        g.Normal(z);
        Assert.Equal(40UL + 501, g.Position);
        for (int e = 0; e < z.Length; e++)
        {
            var (w0, w1, w2, w3) = Philox4x32.Block(seed, stream, 40 + (ulong)(e / 2));
            double u1 = (((((ulong)w0 << 32) | w1) >> 11) + 1) * Math.Pow(2, -53);
            double t = ((((ulong)w2 << 32) | w3) >> 11) * Math.Pow(2, -53);
            double r = Math.Sqrt(-2 * Math.Log(u1));
            double expected = e % 2 == 0 ? r * Math.Cos(2 * Math.PI * t) : r * Math.Sin(2 * Math.PI * t);
            Assert.True(Math.Abs(z[e] - expected) <= 1e-14 * Math.Max(1, r), $"element {e}: {z[e]:R} vs {expected:R}");
        }
    }
}
