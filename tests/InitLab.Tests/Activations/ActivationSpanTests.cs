using InitLab.Activations;

namespace InitLab.Tests.Activations;

public class ActivationSpanTests
{
    private static readonly int[] Lengths = [.. Enumerable.Range(0, 70), 255, 256, 257, 511, 513, 1000];

    private static double[] Inputs(int n)
    {
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = -9.0 + 18.0 * ((i * 0.6180339887498949) % 1.0); // deterministic spread over [-9, 9)
        return x;
    }

    // Float spans: TensorPrimitives' tanh/sigmoid are accurate to a few ulp; we allow 8 ulp of float (relative 5e-7)
    // on the result plus the rounding of the input to float propagated by |phi'| (bounded by max(1, |lambda|)).
    private static void AssertClose(double expected, float actual, double slope, string what)
    {
        double tolerance = 8 * 6e-8 * Math.Abs(expected) + 6e-8 * slope * 9 + 1e-37;
        Assert.True(Math.Abs(actual - expected) <= tolerance, $"{what}: got {actual:R}, expected {expected:R}");
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.Names), MemberType = typeof(ActivationTestData))]
    public void Float_span_forward_and_derivative_match_the_double_scalar_form_for_every_length(string name, double? parameter)
    {
        var phi = ActivationRegistry.Parse(name, parameter);
        double slope = Math.Max(1.0, Math.Abs(parameter ?? 1.0)) * 1.8;
        foreach (int n in Lengths)
        {
            var xd = Inputs(n);
            var xf = xd.Select(v => (float)v).ToArray();
            var y = new float[n];
            var dy = new float[n];
            phi.Forward<float>(xf, y);
            phi.Derivative<float>(xf, dy);
            for (int i = 0; i < n; i++)
            {
                AssertClose(phi.Forward(xf[i]), y[i], slope, $"{phi}({xf[i]}) n = {n}");
                AssertClose(phi.Derivative(xf[i]), dy[i], slope, $"{phi}'({xf[i]}) n = {n}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.Names), MemberType = typeof(ActivationTestData))]
    public void Double_span_forward_matches_the_scalar_form(string name, double? parameter)
    {
        var phi = ActivationRegistry.Parse(name, parameter);
        var x = Inputs(300);
        var y = new double[x.Length];
        var dy = new double[x.Length];
        phi.Forward<double>(x, y);
        phi.Derivative<double>(x, dy);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - phi.Forward(x[i])) <= 1e-14 * Math.Max(1, Math.Abs(y[i])), $"{phi}({x[i]})");
            Assert.True(Math.Abs(dy[i] - phi.Derivative(x[i])) <= 1e-14 * Math.Max(1, Math.Abs(dy[i])), $"{phi}'({x[i]})");
        }
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.Names), MemberType = typeof(ActivationTestData))]
    public void In_place_application_gives_the_same_bits_as_out_of_place(string name, double? parameter)
    {
        var phi = ActivationRegistry.Parse(name, parameter);
        var x = Inputs(700).Select(v => (float)v).ToArray();
        var expected = new float[x.Length];
        phi.Forward<float>(x, expected);
        var inPlace = (float[])x.Clone();
        phi.Forward<float>(inPlace, inPlace);
        Assert.Equal(expected, inPlace);

        phi.Derivative<float>(x, expected);
        inPlace = (float[])x.Clone();
        phi.Derivative<float>(inPlace, inPlace);
        Assert.Equal(expected, inPlace);
    }

    [Fact]
    public void Span_forms_propagate_NaN()
    {
        foreach (var phi in ActivationTestData.All())
        {
            var y = new float[3];
            phi.Forward<float>([1f, float.NaN, -1f], y);
            Assert.True(float.IsNaN(y[1]), phi.ToString());
        }
    }

    [Fact]
    public void Spans_of_different_lengths_are_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Activation.Tanh.Forward<float>(new float[3], new float[2]));
        Assert.Contains("3", ex.Message);
        Assert.Throws<ArgumentException>(() => Activation.Relu.Derivative<double>(new double[1], new double[2]));
    }
}
