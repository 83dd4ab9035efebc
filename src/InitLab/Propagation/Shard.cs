using InitLab.Numerics;

namespace InitLab.Propagation;

/// <summary>Shard <see cref="Index"/> of <see cref="Count"/> (1-based) of a grid of cells: a contiguous slice, see <see cref="Cells"/>.</summary>
public sealed record Shard
{
    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <exception cref="ArgumentException">count &lt; 1, or index outside 1..count.</exception>
    public Shard(int index, int count)
    {
        if (count < 1) throw new ArgumentException($"the shard count must be >= 1, got {count}.", nameof(count));
        if (index < 1 || index > count) throw new ArgumentException($"the shard index must be in 1..{count}, got {index}.", nameof(index));
        Index = index;
        Count = count;
    }

    /// <summary>The whole grid: shard 1 of 1.</summary>
    public static Shard Whole { get; } = new(1, 1);

    /// <summary>1-based index K.</summary>
    public int Index { get; }

    /// <summary>Number of shards N.</summary>
    public int Count { get; }

    /// <summary>The cells of this shard of a <paramref name="totalCells"/>-cell grid: cells floor(T (K-1) / N) .. floor(T K / N) - 1.</summary>
    public IReadOnlyList<int> Cells(int totalCells) => Sweep.ShardCells(totalCells, Index, Count);

    /// <summary>Parses <c>K/N</c> with integers 1 &lt;= K &lt;= N in <see cref="NumberText"/>'s strict syntax.</summary>
    /// <exception cref="ArgumentException">Anything else; the message names <paramref name="name"/>.</exception>
    public static Shard Parse(string text, string name = "shard")
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2 || !NumberText.TryParseInt32(parts[0], out int k) || !NumberText.TryParseInt32(parts[1], out int n) || n < 1 || k < 1 || k > n)
            throw new ArgumentException($"{name} must be K/N with integers 1 <= K <= N (e.g. 3/8), got '{text}'.", name);
        return new Shard(k, n);
    }

    /// <summary><c>K/N</c>.</summary>
    public override string ToString() => FormattableString.Invariant($"{Index}/{Count}");
}
