using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// A tensor whose rows (the first axis) are k equal blocks stacked, block i drawn by its own initializer as a tensor of shape
/// (rows / k, ...): the layout of PyTorch's <c>nn.MultiheadAttention.in_proj_weight</c>, which holds the query, key and value
/// projections W_q, W_k, W_v (each (D, D)) as one (3D, D) matrix. Each block's fans are those of the block, as if it were its own
/// <c>nn.Linear</c> (so <c>xavier_normal</c> of a block has std = gain sqrt(2 / (D + D)), not the stacked (3D, D) matrix's
/// gain sqrt(2 / (D + 3D))). Recipes that scale the value projection but not the query and key ones (T-Fixup, DeepNorm) use it.
/// </summary>
/// <remarks>The blocks are filled in order from the one generator (block 0 first), so the same seed gives the same bits on any
/// thread count.</remarks>
public sealed class StackedInitializer : Initializer
{
    private readonly Initializer[] _blocks;

    /// <summary>Stacks <paramref name="blocks"/> along the first axis.</summary>
    /// <exception cref="ArgumentException">No blocks, or a null block.</exception>
    public StackedInitializer(IReadOnlyList<Initializer> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count == 0) throw new ArgumentException("needs at least one block.", nameof(blocks));
        for (int i = 0; i < blocks.Count; i++)
            if (blocks[i] is null) throw new ArgumentException($"blocks[{i}] is null.", nameof(blocks));
        _blocks = [.. blocks];
    }

    /// <summary>The blocks' initializers, first rows first.</summary>
    public IReadOnlyList<Initializer> Blocks => _blocks;

    /// <inheritdoc/>
    public override string Name => "stacked(" + string.Join(",", _blocks.Select(b => b.Name)) + ")";

    /// <summary>The shape of one block of a tensor of <paramref name="shape"/>: (rows / k, ...).</summary>
    /// <exception cref="ArgumentException">A scalar, or a first axis that k does not divide.</exception>
    public Shape BlockShape(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Rank < 1 || shape[0] % _blocks.Length != 0)
            throw new ArgumentException($"stacks {_blocks.Length} blocks along the first axis; shape {shape} does not split into {_blocks.Length} equal blocks.", nameof(shape));
        var dims = new int[shape.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = shape[i];
        dims[0] /= _blocks.Length;
        return new Shape(dims);
    }

    private protected override void ValidateShape(Shape shape)
    {
        var block = BlockShape(shape);
        foreach (var b in _blocks) b.DistributionOf(block);
    }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        var block = BlockShape(shape);
        int size = checked((int)block.Size);
        for (int i = 0; i < _blocks.Length; i++) _blocks[i].Fill(weights.Slice(i * size, size), block, generator, threads);
    }

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator)
    {
        var block = BlockShape(shape);
        int size = checked((int)block.Size);
        for (int i = 0; i < _blocks.Length; i++) _blocks[i].Fill(weights.Slice(i * size, size), block, generator);
    }

    /// <summary>The blocks' common law when they all have the same one; null (structured) when they differ.</summary>
    private protected override ElementDistribution? Law(Shape shape)
    {
        var block = BlockShape(shape);
        var first = _blocks[0].DistributionOf(block);
        if (first is null) return null;
        for (int i = 1; i < _blocks.Length; i++)
            if (_blocks[i].DistributionOf(block) != first) return null;
        return first;
    }

    /// <summary>The root mean square over the blocks: sqrt(mean_i TargetStd_i^2) (zero-mean blocks).</summary>
    private protected override double StructuredStd(Shape shape)
    {
        var block = BlockShape(shape);
        return Math.Sqrt(_blocks.Average(b => { double s = b.TargetStd(block); return s * s; }));
    }
}
