namespace InitLab.Propagation;

/// <summary>A cell of a sharded grid: its position in the whole grid.</summary>
public interface IGridCell
{
    /// <summary>Position in the whole grid, 0-based.</summary>
    int Index { get; }
}

/// <summary>
/// A result document over a grid of cells that may hold one shard of it (a sweep, a trainability grid): the settings
/// that define the grid, the shard and its cells. <see cref="ShardedGrid"/> checks and merges every such document the
/// same way.
/// </summary>
/// <typeparam name="TDocument">The document type itself.</typeparam>
/// <typeparam name="TCell">Its cell type.</typeparam>
public interface IShardedDocument<TDocument, TCell> where TDocument : IShardedDocument<TDocument, TCell> where TCell : IGridCell
{
    /// <summary>Which slice of the grid the cells cover.</summary>
    Shard Shard { get; }

    /// <summary>Number of cells of the whole grid.</summary>
    int TotalCells { get; }

    /// <summary>The cells, in grid order.</summary>
    IReadOnlyList<TCell> Cells { get; }

    /// <summary>Checks the document on its own (settings, cells at their grid points).</summary>
    /// <exception cref="ArgumentException">The first problem.</exception>
    void Validate();

    /// <summary>The first setting that differs from <paramref name="other"/>'s (name, this value, other value), or null.</summary>
    (string Name, string Mine, string Theirs)? FirstSettingDifference(TDocument other);
}

/// <summary>The checks and the merge that every sharded grid document shares.</summary>
public static class ShardedGrid
{
    /// <summary>
    /// Checks that <paramref name="cells"/> are exactly the cells of <paramref name="shard"/> of a
    /// <paramref name="totalCells"/>-cell grid, in order, and calls <paramref name="checkCell"/> on each (its grid point).
    /// </summary>
    /// <exception cref="ArgumentException">The first cell out of place, or the first missing one.</exception>
    public static void CheckCells<TCell>(Shard shard, int totalCells, IReadOnlyList<TCell> cells, Action<TCell>? checkCell = null) where TCell : IGridCell
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(cells);
        var expected = shard.Cells(totalCells);
        var seen = new HashSet<int>();
        for (int i = 0; i < cells.Count; i++)
        {
            var c = cells[i] ?? throw new ArgumentException($"cell {i} is missing.", nameof(cells));
            if (c.Index < 0 || c.Index >= totalCells)
                throw new ArgumentException($"cell index {c.Index} is outside the {totalCells}-cell grid (0..{totalCells - 1}).", nameof(cells));
            if (!seen.Add(c.Index)) throw new ArgumentException($"cell index {c.Index} appears twice.", nameof(cells));
            if (i >= expected.Count || c.Index != expected[i])
                throw new ArgumentException(
                    $"cell index {c.Index} is not the next cell of shard {shard} (cells {FormatRange(expected)} of {totalCells}{(i < expected.Count ? $"; expected cell {expected[i]}" : "")}).",
                    nameof(cells));
            checkCell?.Invoke(c);
        }
        if (cells.Count != expected.Count)
            throw new ArgumentException(
                $"shard {shard} of {totalCells} cells needs cells {FormatRange(expected)}; cell {expected[cells.Count]}{(expected.Count - cells.Count > 1 ? $" and {expected.Count - cells.Count - 1} more are" : " is")} missing.",
                nameof(cells));
    }

    /// <summary>
    /// The cells of the whole grid from shards of one grid, in grid order. Checks every shard (its own
    /// <see cref="IShardedDocument{TDocument, TCell}.Validate"/>), that all have the same settings (naming the first that
    /// differs), and that together they hold every cell exactly once (naming a duplicate or the first missing cell).
    /// </summary>
    /// <param name="shards">The shard documents, in any order.</param>
    /// <param name="names">A name per shard for messages (e.g. file names); null: "document 1", "document 2", ...</param>
    /// <param name="kind">What the documents are, for messages (e.g. "sweep").</param>
    /// <exception cref="ArgumentException">The first problem found.</exception>
    public static TCell[] Merge<TDocument, TCell>(IReadOnlyList<TDocument> shards, IReadOnlyList<string>? names, string kind)
        where TDocument : IShardedDocument<TDocument, TCell> where TCell : IGridCell
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count == 0) throw new ArgumentException($"merge needs at least one {kind} document.", nameof(shards));
        if (names is not null && names.Count != shards.Count) throw new ArgumentException($"{names.Count} names for {shards.Count} documents.", nameof(names));
        string Name(int i) => names?[i] ?? $"document {i + 1}";
        for (int i = 0; i < shards.Count; i++)
        {
            try
            {
                shards[i].Validate();
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{Name(i)}: {e.Message}", nameof(shards), e);
            }
        }
        var first = shards[0];
        for (int i = 1; i < shards.Count; i++)
            if (shards[i].FirstSettingDifference(first) is { } d)
                throw new ArgumentException($"{Name(i)} is from a different {kind} than {Name(0)}: {d.Name} is {d.Mine} there but {d.Theirs} in {Name(0)}.", nameof(shards));
        int total = first.TotalCells;
        var owner = new int[total];
        Array.Fill(owner, -1);
        for (int i = 0; i < shards.Count; i++)
            foreach (var c in shards[i].Cells)
            {
                if (owner[c.Index] >= 0)
                    throw new ArgumentException($"cell {c.Index} appears in both {Name(owner[c.Index])} and {Name(i)}.", nameof(shards));
                owner[c.Index] = i;
            }
        int missing = Array.IndexOf(owner, -1);
        if (missing >= 0)
        {
            int count = owner.Count(o => o < 0);
            throw new ArgumentException($"the documents hold {total - count} of {total} cells; cell {missing}{(count > 1 ? $" and {count - 1} more are" : " is")} missing.", nameof(shards));
        }
        return shards.SelectMany(s => s.Cells).OrderBy(c => c.Index).ToArray();
    }

    private static string FormatRange(IReadOnlyList<int> cells) => cells.Count == 0 ? "none" : cells.Count == 1 ? $"{cells[0]}" : $"{cells[0]}..{cells[^1]}";

    /// <summary>Bit-equal, with NaN equal to NaN: a cell's recorded grid value against the grid's.</summary>
    internal static bool SameValue(double a, double b) => a.Equals(b);
}
