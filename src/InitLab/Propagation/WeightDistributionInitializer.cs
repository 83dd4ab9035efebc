using System.Runtime.InteropServices;
using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Propagation;

/// <summary>
/// A <see cref="WeightDistribution"/> as the initializer of a graph's weight matrix (out, in): the same draws, so the MLP lab's
/// weights are bit-identical whether the lab or the graph engine draws them.
/// </summary>
internal sealed class WeightDistributionInitializer : Initializer
{
    public WeightDistributionInitializer(WeightDistribution distribution) => Distribution = distribution;

    public WeightDistribution Distribution { get; }

    public override string Name => Distribution.Describe();

    private protected override void ValidateShape(Shape shape) => Fans.RequireMatrixLike(shape, nameof(shape));

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        int rows = shape[0], cols = (int)(shape.Size / rows);
        if (typeof(T) == typeof(float))
        {
            Distribution.Fill(generator, MemoryMarshal.Cast<T, float>(weights), rows, cols, threads);
            return;
        }
        switch (Distribution)
        {
            case WeightDistribution.Gaussian g:
                Draw.Normal(generator, weights, 0, g.Std(cols, rows), threads);
                return;
            case WeightDistribution.Orthogonal o when typeof(T) == typeof(double):
                var q = MemoryMarshal.Cast<T, double>(weights);
                LinearAlgebra.Orthogonal.Sample(generator, q, rows, cols, threads);
                foreach (ref double v in q) v *= o.Gain;
                return;
            default:
                var f = new float[weights.Length];
                Distribution.Fill(generator, f, rows, cols, threads);
                for (int i = 0; i < f.Length; i++) weights[i] = T.CreateTruncating(f[i]);
                return;
        }
    }

    private protected override ElementDistribution? Law(Shape shape) => Distribution is WeightDistribution.Gaussian g
        ? ElementDistribution.Normal(0, g.Std((int)(shape.Size / shape[0]), shape[0]))
        : null;
}
