using InitLab.Numerics;

namespace InitLab.Tests.Numerics;

public sealed class AiryTests
{
    // Reference values: Abramowitz & Stegun Table 10.11 and DLMF 9 (Ai(0) = 1 / (3^(2/3) Gamma(2/3))).
    [Theory]
    [InlineData(0.0, 0.35502805388781724)]
    [InlineData(1.0, 0.13529241631288141)]
    [InlineData(-1.0, 0.53556088329235211)]
    [InlineData(2.0, 0.034924130423274379)]
    [InlineData(-2.0, 0.22740742820168557)]
    [InlineData(5.0, 1.0834442813607441e-4)]
    [InlineData(10.0, 1.1047532552898687e-10)]
    public void Ai_matches_reference_values(double x, double expected) =>
        Assert.True(Math.Abs(Airy.Ai(x) - expected) <= 1e-9 * Math.Abs(expected), $"Ai({x}) = {Airy.Ai(x):R}");

    [Theory]
    [InlineData(-7.5)]
    [InlineData(-3.3)]
    [InlineData(-0.4)]
    [InlineData(0.8)]
    [InlineData(3.1)]
    [InlineData(5.9)]
    [InlineData(7.2)]
    public void Ai_solves_the_Airy_equation(double x)
    {
        // y'' = x y, checked by the central second difference: truncation h^2 y'''' / 12 = h^2 (x^2 y + 2 y') / 12 and
        // rounding of about 1e-10 (the series' cancellation) over h^2, both well inside the tolerance.
        const double h = 0.01;
        double y = Airy.Ai(x);
        double second = (Airy.Ai(x + h) - 2 * y + Airy.Ai(x - h)) / (h * h);
        Assert.True(Math.Abs(second - x * y) <= 1e-4 * (Math.Abs(x * y) + Math.Abs(y)) + 1e-10 / (h * h),
            $"Ai''({x}) = {second:R}, x Ai(x) = {x * y:R}");
    }

    [Fact]
    public void The_series_and_the_asymptotic_expansion_agree_where_they_meet() =>
        Assert.Equal(1.0, Airy.Ai(6.0) / Airy.Ai(Math.BitIncrement(6.0)), 6);

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-10.5)]
    public void Ai_rejects_arguments_where_it_has_no_precision(double x) =>
        Assert.Throws<ArgumentException>(() => Airy.Ai(x));
}
