using InitLab.Numerics;

namespace InitLab.Tests.Numerics;

public class SpecialFunctionsTests
{
    // Reference values from high-precision tables (Abramowitz & Stegun 7.1; mpmath to 17 digits).
    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.52049987781304654)]
    [InlineData(1.0, 0.84270079294971487)]
    [InlineData(2.0, 0.99532226501895273)]
    [InlineData(-1.5, -0.96610514647531073)]
    public void Erf_matches_reference_values_to_a_few_ulp(double x, double expected) =>
        Assert.True(Math.Abs(SpecialFunctions.Erf(x) - expected) <= 1e-15 * Math.Abs(expected) + 1e-300, $"{SpecialFunctions.Erf(x):R}");

    [Theory]
    [InlineData(3.0, 2.2090496998585441e-05)]
    [InlineData(5.0, 1.5374597944280349e-12)]
    [InlineData(10.0, 2.0884875837625448e-45)]
    [InlineData(26.0, 5.6631924088561286e-296)]
    public void Erfc_keeps_full_relative_precision_in_the_tail(double x, double expected) =>
        Assert.Equal(1.0, SpecialFunctions.Erfc(x) / expected, 13);

    [Theory]
    [InlineData(1e-300)]
    [InlineData(1e-20)]
    [InlineData(0.001)]
    [InlineData(0.025)]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999999)]
    public void NormalQuantile_inverts_NormalCdf(double p)
    {
        // A one-ulp change of x moves Phi(x) by a relative |x| phi(x)/Phi(x) ulp(x) ~ x^2 * 1.1e-16: allow 8 such ulps.
        double x = SpecialFunctions.NormalQuantile(p);
        double tolerance = 8 * Math.Max(1, x * x) * 1.1e-16;
        Assert.True(Math.Abs(SpecialFunctions.NormalCdf(x) / p - 1) <= tolerance, $"x = {x:R}, Phi(x)/p - 1 = {SpecialFunctions.NormalCdf(x) / p - 1}");
    }

    [Fact]
    public void NormalQuantile_of_three_quarters_is_the_median_absolute_normal() =>
        Assert.Equal(0.67448975019608171, SpecialFunctions.NormalQuantile(0.75), 15);

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.1)]
    [InlineData(double.NaN)]
    public void NormalQuantile_outside_0_1_names_p(double p) =>
        Assert.Equal("p", Assert.Throws<ArgumentException>(() => SpecialFunctions.NormalQuantile(p)).ParamName);
}
