using InitLab.Numerics;
using InitLab.Random;

namespace InitLab.Training;

/// <summary>
/// Seeded mini-batches without replacement: the examples are visited in epochs, each epoch in a fresh random order
/// (Fisher-Yates with uniforms from stream <c>Stream + epoch</c> of the seed), and step k takes positions
/// k B .. k B + B - 1 of the concatenated epoch orders. A batch is therefore a pure function of (seed, step): the same
/// on any thread count, and the same whether or not earlier batches were drawn.
/// </summary>
public sealed class MiniBatches
{
    /// <summary>First generator stream of the epoch orders (far from the weight streams 2l, 2l + 1 of the engines).</summary>
    public const ulong Stream = 1UL << 62;

    private readonly ulong _seed;
    private int[]? _order;
    private long _epoch = -1;

    /// <summary>Batches of <paramref name="batchSize"/> from <paramref name="count"/> examples.</summary>
    /// <exception cref="ArgumentException">count or batchSize is not positive, or batchSize &gt; count.</exception>
    public MiniBatches(int count, int batchSize, ulong seed)
    {
        Guard.Positive(count);
        Guard.Positive(batchSize);
        if (batchSize > count)
            throw new ArgumentException($"batch size {batchSize} is larger than the {count} examples.", nameof(batchSize));
        Count = count;
        BatchSize = batchSize;
        _seed = seed;
    }

    /// <summary>Number of examples.</summary>
    public int Count { get; }

    /// <summary>Examples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>The example indices of step <paramref name="step"/> (0-based) into <paramref name="indices"/> (length BatchSize).</summary>
    public void Batch(long step, Span<int> indices)
    {
        if (step < 0) throw new ArgumentException($"step must be >= 0, got {step}.", nameof(step));
        Guard.Length(indices.Length, BatchSize);
        long position = step * BatchSize;
        for (int r = 0; r < BatchSize; r++, position++)
        {
            long epoch = position / Count;
            if (epoch != _epoch) Shuffle(epoch);
            indices[r] = _order![position % Count];
        }
    }

    /// <summary>The order of epoch <paramref name="epoch"/>: a uniformly random permutation of 0..Count-1.</summary>
    public static int[] Permutation(int count, ulong seed, long epoch)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        var u = new double[count];
        new Generator(seed, Stream + (ulong)epoch).Uniform(u);
        // Fisher-Yates from the top: swap i with a uniform j in 0..i (53-bit uniforms: bias below 2^-20 for any int count).
        for (int i = count - 1; i > 0; i--)
        {
            int j = (int)(u[i] * (i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private void Shuffle(long epoch)
    {
        _order = Permutation(Count, _seed, epoch);
        _epoch = epoch;
    }
}
