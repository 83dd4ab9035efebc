using System.Numerics;
using System.Numerics.Tensors;

namespace InitLab.Activations;

/// <summary>leaky_relu: phi(x) = x for x &gt; 0, a x otherwise; phi'(x) = 1 for x &gt; 0, a otherwise.</summary>
internal sealed class LeakyReluActivation(double negativeSlope) : Activation
{
    private static readonly double[] KinkAtZero = [0.0];

    public override string Name => "leaky_relu";
    public override double? Parameter => negativeSlope;
    private protected override string ParameterName => "a";
    public override IReadOnlyList<double> Kinks => KinkAtZero;

    public override double Forward(double x) => x > 0 ? x : x <= 0 ? negativeSlope * x : x;
    public override double Derivative(double x) => x > 0 ? 1.0 : x <= 0 ? negativeSlope : x;

    // For a <= 1, phi(x) = max(x, a x); for a > 1, min(x, a x). Both propagate NaN.
    private protected override void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y)
    {
        T a = T.CreateTruncating(negativeSlope);
        Span<T> scaled = stackalloc T[ChunkedKernel.ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkedKernel.ChunkLength)
        {
            int n = Math.Min(ChunkedKernel.ChunkLength, x.Length - start);
            var xs = x.Slice(start, n);
            var t = scaled[..n];
            TensorPrimitives.Multiply(xs, a, t);
            if (negativeSlope <= 1) TensorPrimitives.Max(xs, t, y.Slice(start, n));
            else TensorPrimitives.Min(xs, t, y.Slice(start, n));
        }
    }
}
