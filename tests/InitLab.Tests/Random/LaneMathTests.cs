using InitLab.Numerics;
using InitLab.Random;

namespace InitLab.Tests.Random;

public class LaneMathTests
{
    private static double UlpOf(double x) => MathF.BitIncrement(MathF.Abs((float)x)) - MathF.Abs((float)x);

    [Fact]
    public void Polynomial_log_is_within_2_ulp_on_every_box_muller_input_sampled()
    {
        // u1 = k 2^-24, k = 1..2^24: every 61st k plus the smallest ones.
        double worst = 0;
        for (int k = 1; k <= 1 << 24; k += k < 4096 ? 1 : 61)
        {
            float u = k * PhiloxFill.Inv24;
            float actual = LaneMath.Log<ScalarLanes, float, uint>(u);
            double exact = Math.Log(u);
            if (exact == 0) { Assert.Equal(0f, actual); continue; }
            worst = Math.Max(worst, Math.Abs(actual - exact) / UlpOf(exact));
        }
        Assert.True(worst <= 2, $"worst error {worst} ulp");
    }

    [Fact]
    public void Polynomial_sincos_in_turns_is_within_2e_7_of_double()
    {
        double worst = 0;
        for (uint j = 0; j < 1u << 24; j += 53)
        {
            LaneMath.SinCosTurns<ScalarLanes, float, uint>(j, out float cos, out float sin);
            double theta = 2 * Math.PI * j / 16777216.0;
            worst = Math.Max(worst, Math.Max(Math.Abs(cos - Math.Cos(theta)), Math.Abs(sin - Math.Sin(theta))));
        }
        Assert.True(worst <= 2e-7, $"worst absolute error {worst}");
    }

    [Fact]
    public void Float_normal_quantile_is_within_1e_6_relative_of_the_double_quantile_for_z_up_to_5()
    {
        double worst = 0;
        double pMin = SpecialFunctions.NormalCdf(-5);
        for (int k = 1; k < 1 << 24; k += k < 65536 ? 3 : 97)
        {
            // p and q = 1 - p both exact in float.
            float p = k * PhiloxFill.Inv24, q = 1f - p;
            foreach (var (pp, qq) in new[] { (p, q), (q, p) })
            {
                if (pp < pMin || qq < pMin) continue;
                double exact = SpecialFunctions.NormalQuantile(pp);
                float actual = LaneMath.NormalQuantile<ScalarLanes, float, uint>(pp, qq);
                worst = Math.Max(worst, Math.Abs(actual - exact) / Math.Max(Math.Abs(exact), 1e-30));
            }
        }
        Assert.True(worst <= 1e-6, $"worst relative error {worst}");
    }
}
