using InitLab.Numerics;

namespace InitLab.Propagation;

/// <summary>An inclusive linear grid START:STOP:COUNT.</summary>
/// <param name="Start">First value.</param>
/// <param name="Stop">Last value (equal to Start when Count = 1).</param>
/// <param name="Count">Number of values, &gt;= 1.</param>
public sealed record ParameterGrid(double Start, double Stop, int Count)
{
    /// <summary>Value i: Start + i (Stop - Start) / (Count - 1).</summary>
    public double this[int i] => Count == 1 ? Start : Start + i * (Stop - Start) / (Count - 1);

    /// <summary>Parses <c>START:STOP:COUNT</c> (or a single number for a one-point grid).</summary>
    /// <exception cref="ArgumentException">Not three numbers, non-finite values, COUNT &lt; 1, or COUNT = 1 with START != STOP.</exception>
    public static ParameterGrid Parse(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        var parts = text.Split(':');
        if (parts.Length == 1 && double.TryParse(parts[0], System.Globalization.NumberStyles.Float, inv, out var single) && double.IsFinite(single))
            return new ParameterGrid(single, single, 1);
        if (parts.Length != 3
            || !double.TryParse(parts[0], System.Globalization.NumberStyles.Float, inv, out var start)
            || !double.TryParse(parts[1], System.Globalization.NumberStyles.Float, inv, out var stop)
            || !int.TryParse(parts[2], System.Globalization.NumberStyles.Integer, inv, out var count))
            throw new ArgumentException($"{name} must be START:STOP:COUNT (e.g. 0.5:3:11), got '{text}'.", name);
        if (!double.IsFinite(start) || !double.IsFinite(stop))
            throw new ArgumentException($"{name} bounds must be finite, got '{text}'.", name);
        if (count < 1 || count > 100_000)
            throw new ArgumentException($"{name} COUNT must be in 1..100000, got {count}.", name);
        if (count == 1 && start != stop)
            throw new ArgumentException($"{name} with COUNT 1 needs START = STOP, got '{text}'.", name);
        return new ParameterGrid(start, stop, count);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        FormattableString.Invariant($"{Start:R}:{Stop:R}:{Count}");
}

/// <summary>One cell of a sweep.</summary>
/// <param name="Index">Position in the whole grid (sigma_w major): iw * sigma_b.Count + ib.</param>
/// <param name="SigmaW">sigma_w of the cell.</param>
/// <param name="SigmaB">sigma_b of the cell.</param>
/// <param name="FinalStd">Std of the last layer's output (NaN when it overflowed).</param>
/// <param name="FirstNonFiniteLayer">First non-finite layer, or null.</param>
/// <param name="Verdict">stable, exploding or vanishing.</param>
/// <param name="FinalCorrelation">Correlation of the first two inputs' pre-activations at the last layer, when measured.</param>
public sealed record SweepCell(int Index, double SigmaW, double SigmaB, double FinalStd, int? FirstNonFiniteLayer, string Verdict, double? FinalCorrelation);

/// <summary>
/// A grid of propagations over sigma_w x sigma_b. Each cell's seed is a hash of (seed, cell index), so a shard's cells are
/// bit-identical to the same cells of the whole sweep, whatever the shard count or order.
/// </summary>
public static class Sweep
{
    /// <summary>The cells of shard <paramref name="shard"/> of <paramref name="shards"/> (1-based), in grid order: a contiguous slice.</summary>
    /// <exception cref="ArgumentException">shard outside 1..shards, or shards &lt; 1.</exception>
    public static IReadOnlyList<int> ShardCells(int totalCells, int shard, int shards)
    {
        if (shards < 1) throw new ArgumentException($"shard count must be >= 1, got {shards}.", nameof(shards));
        if (shard < 1 || shard > shards) throw new ArgumentException($"shard must be in 1..{shards}, got {shard}.", nameof(shard));
        long lo = (long)totalCells * (shard - 1) / shards, hi = (long)totalCells * shard / shards;
        return Enumerable.Range((int)lo, (int)(hi - lo)).ToArray();
    }

    /// <summary>The seed of cell <paramref name="index"/>: SplitMix64 of seed and index (Steele et al. 2014).</summary>
    public static ulong CellSeed(ulong seed, int index)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL * (ulong)(index + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Runs the given cells; <paramref name="makeSpec"/> builds the network of a (sigma_w, sigma_b) pair. Each
    /// propagation uses up to <paramref name="threads"/> threads (0 = all cores); the cells are the same for every value.</summary>
    /// <exception cref="ArgumentException">A cell index outside the grid, a negative sigma, or threads &lt; 0.</exception>
    public static IReadOnlyList<SweepCell> Run(ParameterGrid sigmaW, ParameterGrid sigmaB, IReadOnlyList<int> cells, Func<double, double, NetworkSpec> makeSpec,
        Engine engine, ulong seed, Action<int>? onCellDone = null, int threads = 0)
    {
        Guard.Threads(threads);
        ArgumentNullException.ThrowIfNull(sigmaW);
        ArgumentNullException.ThrowIfNull(sigmaB);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(makeSpec);
        var result = new List<SweepCell>(cells.Count);
        int total = sigmaW.Count * sigmaB.Count;
        foreach (int index in cells)
        {
            if (index < 0 || index >= total) throw new ArgumentException($"cell {index} is outside the {total}-cell grid.", nameof(cells));
            double sw = sigmaW[index / sigmaB.Count], sb = sigmaB[index % sigmaB.Count];
            Guard.NonNegative(sw, "sigma_w");
            Guard.NonNegative(sb, "sigma_b");
            var spec = makeSpec(sw, sb);
            var trace = Propagator.Run(spec, engine, CellSeed(seed, index), threads: threads);
            var last = trace.Layers.Count > 0 ? trace.Layers[^1] : trace.Input;
            result.Add(new SweepCell(index, sw, sb, last.Std, trace.FirstNonFiniteLayer, trace.Diagnosis.VerdictName, last.Correlation));
            onCellDone?.Invoke(index);
        }
        return result;
    }
}
