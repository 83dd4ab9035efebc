using InitLab.Activations;
using InitLab.Numerics;

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

    // Float spans evaluate the double kernel on the widened input and round once, whatever the length and the position of
    // an element (the vector body and the scalar tail run the same operations), so they equal the rounded scalar form
    // (gelu's forward: its float form, the same for an element wherever it sits).
    [Theory]
    [MemberData(nameof(ActivationTestData.Names), MemberType = typeof(ActivationTestData))]
    public void Float_span_forward_and_derivative_equal_the_rounded_double_scalar_form_for_every_length(string name, double? parameter)
    {
        var phi = ActivationRegistry.Parse(name, parameter);
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
                // gelu's float forward has a form of its own (float lanes, FloatResultMathTests): the same bits as the
                // element alone in a span, wherever it sits.
                var single = new float[1];
                phi.Forward<float>([xf[i]], single);
                Assert.Equal(name == "gelu" ? single[0] : (float)phi.Forward(xf[i]), y[i]);
                Assert.Equal((float)phi.Derivative(xf[i]), dy[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.Names), MemberType = typeof(ActivationTestData))]
    public void Double_span_forward_and_derivative_equal_the_scalar_form(string name, double? parameter)
    {
        var phi = ActivationRegistry.Parse(name, parameter);
        foreach (int n in Lengths)
        {
            var x = Inputs(n);
            var y = new double[x.Length];
            var dy = new double[x.Length];
            phi.Forward<double>(x, y);
            phi.Derivative<double>(x, dy);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal(phi.Forward(x[i]), y[i]);
                Assert.Equal(phi.Derivative(x[i]), dy[i]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ActivationTestData.Names), MemberType = typeof(ActivationTestData))]
    public void Every_lane_width_gives_the_same_bits(string name, double? parameter)
    {
        var phi = ActivationRegistry.Parse(name, parameter);
        var x = Inputs(1000).Select((v, i) => i % 7 == 0 ? v * 1e-20 : i % 11 == 0 ? v * 90 : v)
            .Concat([0, -0.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -745.5, 709.9]).ToArray();
        var xf = x.Select(v => (float)v).ToArray();
        foreach (bool derivative in new[] { false, true })
        {
            var expected = new double[x.Length];
            var expectedF = new float[x.Length];
            phi.ApplyAt<double>(derivative, x, expected, LaneWidth.Scalar);
            phi.ApplyAt<float>(derivative, xf, expectedF, LaneWidth.Scalar);
            foreach (var width in ActivationAccuracyTests.Widths())
            {
                var y = new double[x.Length];
                var yf = new float[x.Length];
                phi.ApplyAt<double>(derivative, x, y, width);
                phi.ApplyAt<float>(derivative, xf, yf, width);
                Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), y.Select(BitConverter.DoubleToInt64Bits));
                Assert.Equal(expectedF.Select(BitConverter.SingleToInt32Bits), yf.Select(BitConverter.SingleToInt32Bits));
            }
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
