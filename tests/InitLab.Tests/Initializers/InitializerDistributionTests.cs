using System.Numerics;
using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

/// <summary>
/// Every i.i.d. initializer x every shape x float and double, against the law written out by hand in
/// <see cref="InitializerCases"/> (fans and constants from the papers and PyTorch, not the library's law): the shape is
/// kept, every element lies in the hand law's support, a KS test against the hand law's CDF passes at alpha = 1e-4, the
/// sample mean and std are within 5 standard errors of the hand law's, and the law the library reports
/// (DistributionOf, TargetStd) equals the hand law to rounding. A wrong fan or constant fails the last check exactly
/// and, on the larger shapes, the statistical ones.
/// </summary>
public sealed class InitializerDistributionTests
{
    private const double Alpha = 1e-4;

    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        for (int s = 0; s < InitializerCases.IidSchemes.Length; s++)
            for (int shape = 0; shape < InitializerCases.Shapes.Length; shape++)
                data.Add(s, shape);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float_samples_follow_the_law_written_by_hand(int scheme, int shape) => Check<float>(scheme, shape, 100 + (ulong)scheme);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Double_samples_follow_the_law_written_by_hand(int scheme, int shape) => Check<double>(scheme, shape, 200 + (ulong)scheme);

    private static void Check<T>(int scheme, int shapeIndex, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (label, create, handLaw) = InitializerCases.IidSchemes[scheme];
        var dims = InitializerCases.Shapes[shapeIndex];
        var shape = InitializerCases.ShapeOf(shapeIndex);
        var init = create();
        var law = handLaw(dims);
        var tensor = init.Create<T>(shape, new Generator(seed, (ulong)shapeIndex));
        Assert.Equal(shape, tensor.Shape);

        // The law the library claims is the hand law.
        var claimed = init.DistributionOf(shape)!;
        Assert.NotNull(claimed);
        AssertRelative(law.Std, claimed.Std, 1e-9, $"{label} on {shape}: claimed std");
        AssertRelative(law.Std, init.TargetStd(shape), 1e-9, $"{label} on {shape}: target std");
        Assert.True(Math.Abs(claimed.Mean - law.Mean) <= 1e-9 * (Math.Abs(law.Mean) + law.Std), $"{label} on {shape}: claimed mean {claimed.Mean:R}, expected {law.Mean:R}");
        AssertRelative(law.Low, claimed.Low, 1e-12, $"{label} on {shape}: claimed low");
        AssertRelative(law.High, claimed.High, 1e-12, $"{label} on {shape}: claimed high");

        var x = Array.ConvertAll(tensor.Data, v => double.CreateTruncating(v));
        // Support, allowing the element type's rounding of the bounds.
        double low = double.CreateTruncating(T.CreateTruncating(law.Low)), high = double.CreateTruncating(T.CreateTruncating(law.High));
        Assert.All(x, v => Assert.True(v >= low && v <= high, $"{label}: {v} outside [{low}, {high}]"));
        if (law is HandLaw.Constant c)
        {
            Assert.All(x, v => Assert.Equal(double.CreateTruncating(T.CreateTruncating(c.Value)), v));
            return;
        }
        var ks = KolmogorovSmirnov.Test(x, law.Cdf);
        Assert.True(ks.Passes(Alpha), $"{label} on {shape}: KS D = {ks.Statistic}, p = {ks.PValue}");
        var stats = Stats.Of(x);
        double meanTol = 5 * law.Std / Math.Sqrt(x.Length), stdTol = 5 * law.StdStandardError(x.Length);
        Assert.True(Math.Abs(stats.Mean - law.Mean) <= meanTol, $"{label} on {shape}: mean {stats.Mean}, law {law.Mean}, 5 SE = {meanTol}");
        Assert.True(Math.Abs(stats.Std - law.Std) <= stdTol, $"{label} on {shape}: std {stats.Std}, law {law.Std}, 5 SE = {stdTol}");
    }

    private static void AssertRelative(double expected, double actual, double tolerance, string what)
    {
        bool ok = double.IsInfinity(expected) ? expected.Equals(actual) : Math.Abs(actual - expected) <= tolerance * Math.Max(Math.Abs(expected), 1e-300);
        Assert.True(ok, $"{what}: {actual:R}, expected {expected:R}");
    }

    [Fact]
    public void The_hand_written_normal_cdf_matches_published_values()
    {
        // Abramowitz and Stegun table 26.1.
        Assert.Equal(0.5, HandMath.Phi(0), 15);
        Assert.Equal(0.8413447460685429, HandMath.Phi(1), 13);
        Assert.Equal(0.9772498680518208, HandMath.Phi(2), 13);
        Assert.Equal(0.0013498980316300946, HandMath.Phi(-3), 15);
        Assert.True(Math.Abs(HandMath.Phi(-5) / 2.866515718791939e-7 - 1) < 1e-12);
        Assert.Equal(1 - 0.9772498680518208, HandMath.Phi(-2), 13);
    }
}
