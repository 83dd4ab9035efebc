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

    // mpmath at 40 digits, rounded to double. 8 ulp (relative 1.8e-15); the subnormal erfc(27.2) within 8 subnormal ulps.
    [Theory]
    [InlineData(0.5, 0.47950012218695346232)]
    [InlineData(3.0, 2.2090496998585441373e-05)]
    [InlineData(5.0, 1.5374597944280348502e-12)]
    [InlineData(10.0, 2.088487583762544757e-45)]
    [InlineData(26.0, 5.6631924088561428465e-296)]
    [InlineData(27.2, 1.0189049142703155395e-323)]
    public void Erfc_keeps_full_relative_precision_in_the_tail(double x, double expected) =>
        Assert.True(Math.Abs(SpecialFunctions.Erfc(x) - expected) <= 8 * Math.Max(2.2e-16 * expected, double.Epsilon), $"{SpecialFunctions.Erfc(x):R}");

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 0.42758357615580700441)]
    [InlineData(5.0, 0.11070463773306862637)]
    [InlineData(30.0, 0.018795888861416751497)]
    [InlineData(1e10, 5.6418958354775628695e-11)]
    [InlineData(-3.0, 16205.988853999586625)]
    public void Erfcx_is_accurate_and_never_overflows_for_positive_arguments(double x, double expected) =>
        Assert.True(Math.Abs(SpecialFunctions.Erfcx(x) - expected) <= 8 * 2.2e-16 * expected, $"{SpecialFunctions.Erfcx(x):R}");

    [Theory]
    [InlineData(0.0, 1.2533141373155002512)]
    [InlineData(2.0, 0.42136922928805447322)]
    [InlineData(39.9, 0.025046943438800858146)]
    [InlineData(40.1, 0.024922176308161613407)]
    [InlineData(50.0, 0.019992009580853567311)]
    [InlineData(1e5, 9.9999999990000000003e-6)]
    public void Mills_ratio_is_continuous_across_its_two_methods(double z, double expected) =>
        Assert.True(Math.Abs(SpecialFunctions.MillsRatio(z) - expected) <= 8 * 2.2e-16 * expected, $"{SpecialFunctions.MillsRatio(z):R}");

    [Theory]
    [InlineData(-37.5, 4.6053530095819548438e-308)]
    [InlineData(-10.0, 7.619853024160526066e-24)]
    [InlineData(-1.0, 0.15865525393145705141)]
    [InlineData(0.5, 0.69146246127401310364)]
    [InlineData(8.0, 0.9999999999999993779)]
    public void Normal_cdf_is_accurate_in_relative_terms_in_the_left_tail(double x, double expected) =>
        Assert.True(Math.Abs(SpecialFunctions.NormalCdf(x) - expected) <= 8 * 2.2e-16 * expected, $"{SpecialFunctions.NormalCdf(x):R}");

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
