using InitLab.Activations;
using InitLab.Numerics;

namespace InitLab.Tests.Activations;

public class FloatErfTests
{
    [Fact]
    public void Float_accuracy_erf_and_erfc_are_within_1_2e_7_relative_of_the_double_functions()
    {
        for (double x = -6; x <= 6; x += 0.0137)
        {
            double erf = SpecialFunctions.Erf(x), erfc = SpecialFunctions.Erfc(x);
            Assert.True(Math.Abs(FloatErf.Erf(x) - erf) <= 1.2e-7 * Math.Abs(erf), $"erf({x}) = {FloatErf.Erf(x):R}, expected {erf:R}");
            Assert.True(Math.Abs(FloatErf.Erfc(x) - erfc) <= 1.2e-7 * erfc, $"erfc({x}) = {FloatErf.Erfc(x):R}, expected {erfc:R}");
        }
        Assert.True(double.IsNaN(FloatErf.Erf(double.NaN)));
        Assert.Equal(0.0, FloatErf.Erf(0.0));
    }
}
