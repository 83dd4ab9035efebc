using System.Numerics;
using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

/// <summary>
/// Every i.i.d. initializer x every shape x float and double: the shape is kept, every element lies in the support,
/// a KS test against the exact law passes at alpha = 1e-4, and the sample std is within 5 standard errors of the law's std.
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
    public void Float_samples_follow_the_exact_law(int scheme, int shape) => Check<float>(scheme, shape, 100 + (ulong)scheme);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Double_samples_follow_the_exact_law(int scheme, int shape) => Check<double>(scheme, shape, 200 + (ulong)scheme);

    private static void Check<T>(int scheme, int shapeIndex, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (label, create) = InitializerCases.IidSchemes[scheme];
        var shape = InitializerCases.ShapeOf(shapeIndex);
        var init = create();
        var tensor = init.Create<T>(shape, new Generator(seed, (ulong)shapeIndex));
        Assert.Equal(shape, tensor.Shape);

        var law = init.DistributionOf(shape)!;
        Assert.NotNull(law);
        var x = Array.ConvertAll(tensor.Data, v => double.CreateTruncating(v));
        // Bounds with the element type's rounding of the bounds.
        double low = double.CreateTruncating(T.CreateTruncating(law.Low)), high = double.CreateTruncating(T.CreateTruncating(law.High));
        Assert.All(x, v => Assert.True(v >= low && v <= high, $"{label}: {v} outside [{low}, {high}]"));

        if (law.Kind == DistributionKind.PointMass)
        {
            Assert.All(x, v => Assert.Equal(double.CreateTruncating(T.CreateTruncating(law.Location)), v));
            return;
        }
        var ks = KolmogorovSmirnov.Test(x, law.Cdf);
        Assert.True(ks.Passes(Alpha), $"{label} on {shape}: KS D = {ks.Statistic}, p = {ks.PValue}");
        var stats = Stats.Of(x);
        double se = law.StdStandardError(x.Length);
        Assert.True(Math.Abs(stats.Std - law.Std) <= 5 * se, $"{label} on {shape}: std {stats.Std}, law {law.Std}, 5 SE = {5 * se}");
    }
}
