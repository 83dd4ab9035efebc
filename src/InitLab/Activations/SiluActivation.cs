using System.Numerics;
using System.Numerics.Tensors;
using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>silu (swish): phi(x) = x s(x), phi'(x) = s(x) (1 + x (1 - s(x))), s the logistic sigmoid.</summary>
internal sealed class SiluActivation : Activation
{
    public override string Name => "silu";
    public override double Forward(double x) => x * Elementary.Sigmoid(x);

    public override double Derivative(double x)
    {
        double s = Elementary.Sigmoid(x);
        return s * (1.0 + x * Elementary.Sigmoid(-x));
    }

    private protected override void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y)
    {
        Span<T> s = stackalloc T[ChunkedKernel.ChunkLength];
        for (int start = 0; start < x.Length; start += ChunkedKernel.ChunkLength)
        {
            int n = Math.Min(ChunkedKernel.ChunkLength, x.Length - start);
            var xs = x.Slice(start, n);
            TensorPrimitives.Sigmoid(xs, s[..n]);
            TensorPrimitives.Multiply(xs, s[..n], y.Slice(start, n));
        }
    }
}
