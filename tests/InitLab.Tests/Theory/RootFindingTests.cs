using InitLab.Theory;

namespace InitLab.Tests.Theory;

public sealed class RootFindingTests
{
    // Roots known in closed form or to 16 digits: the Dottie number cos(x) = x, 2^(1/3), and a root at the left end of a
    // bracket where f changes sign slowly (x - 1)^3, whose bracket [0, 3] makes a wrong step direction show.
    [Theory]
    [InlineData(0.0, 1.0, 0.73908513321516064)]
    [InlineData(0.0, 2.0, 1.2599210498948732)]
    [InlineData(0.0, 3.0, 1.0)]
    public void Brent_finds_the_root_of_a_bracketed_sign_change(double a, double b, double root)
    {
        Func<double, double> f = root switch
        {
            < 1 => x => Math.Cos(x) - x,
            > 1 => x => x * x * x - 2,
            _ => x => (x - 1) * (x - 1) * (x - 1),
        };
        double found = RootFinding.Brent(f, a, b, f(a), f(b), 1e-15);
        // Brent stops when the bracket [b, c] around the root is within 2 tol = 2 (4e-16 |b| + 0.5e-15) (+ subnormals) wide;
        // 4e-15 allows for that and the last ulp. (x - 1)^3 is flat there, so only the bracket bounds its error.
        Assert.True(Math.Abs(found - root) <= 4e-15 * Math.Max(1, Math.Abs(root)), $"root {found:R}, expected {root:R}");
        Assert.True(Math.Abs(f(found)) <= 1e-14, $"f(root) = {f(found)}");
    }

    [Fact]
    public void Brent_refuses_a_bracket_without_a_sign_change_and_returns_an_end_that_is_a_root()
    {
        Assert.Throws<InvalidOperationException>(() => RootFinding.Brent(x => x * x + 1, -1, 1, 2, 2, 0));
        Assert.Equal(2.0, RootFinding.Brent(x => x - 2, 2, 5, 0, 3, 0));
        Assert.Equal(5.0, RootFinding.Brent(x => x - 5, 2, 5, -3, 0, 0));
    }
}
