using InitLab.Numerics;

namespace InitLab.Propagation;

/// <summary>An inclusive linear grid START:STOP:COUNT.</summary>
/// <param name="Start">First value.</param>
/// <param name="Stop">Last value (equal to Start when Count = 1).</param>
/// <param name="Count">Number of values, &gt;= 1.</param>
public sealed record ParameterGrid(double Start, double Stop, int Count)
{
    /// <summary>Value i: Start + i (Stop - Start) / (Count - 1); the last value is Stop exactly (not up to rounding).</summary>
    public double this[int i] => Count == 1 ? Start : i == Count - 1 ? Stop : Start + i * (Stop - Start) / (Count - 1);

    /// <summary>
    /// Parses <c>START:STOP:COUNT</c> (or a single number for a one-point grid), every number in
    /// <see cref="NumberText"/>'s strict syntax: START and STOP finite reals, COUNT an integer in 1..<see cref="MaxCount"/>.
    /// </summary>
    /// <param name="text">The grid text, e.g. <c>0.5:3:11</c>.</param>
    /// <param name="name">The name used in messages (e.g. the option <c>--sigma-w</c>).</param>
    /// <exception cref="ArgumentException">Not one or three numbers, non-finite values, COUNT outside 1..MaxCount, or COUNT = 1 with START != STOP.</exception>
    public static ParameterGrid Parse(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(name);
        var parts = text.Split(':');
        if (parts.Length == 1 && NumberText.TryParseDouble(parts[0], out var single))
            return new ParameterGrid(single, single, 1);
        if (parts.Length != 3)
            throw new ArgumentException($"{name} must be START:STOP:COUNT (e.g. 0.5:3:11) or one number, got '{text}'.", name);
        if (!NumberText.TryParseDouble(parts[0], out var start) || !NumberText.TryParseDouble(parts[1], out var stop))
        {
            string bad = NumberText.TryParseDouble(parts[0], out _) ? parts[1] : parts[0];
            throw new ArgumentException(
                $"{name} must be START:STOP:COUNT with finite numbers START and STOP (e.g. 0.5:3:11), got '{text}' ('{bad}'{NumberText.Why(bad, integer: false, allowNonFinite: false)}).", name);
        }
        if (!NumberText.TryParseInt32(parts[2], out var count))
            throw new ArgumentException(
                $"{name} must be START:STOP:COUNT with an integer COUNT (e.g. 0.5:3:11), got '{text}' ('{parts[2]}'{NumberText.Why(parts[2], integer: true, false, int.MaxValue)}).", name);
        if (count < 1 || count > MaxCount)
            throw new ArgumentException($"{name} COUNT must be in 1..{MaxCount}, got {count}.", name);
        if (count == 1 && start != stop)
            throw new ArgumentException($"{name} with COUNT 1 needs START = STOP, got '{text}'.", name);
        return new ParameterGrid(start, stop, count);
    }

    /// <summary>The largest COUNT a parsed grid may have.</summary>
    public const int MaxCount = 100_000;

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
public sealed record SweepCell(int Index, double SigmaW, double SigmaB, double FinalStd, int? FirstNonFiniteLayer, string Verdict, double? FinalCorrelation) : IGridCell;

/// <summary>
/// A grid of propagations over sigma_w x sigma_b. Each cell's seed is a hash of (seed, cell index), so a shard's cells are
/// bit-identical to the same cells of the whole sweep, whatever the shard count or order.
/// </summary>
public static class Sweep
{
    /// <summary>The cells of shard <paramref name="shard"/> of <paramref name="shards"/> (1-based), in grid order: a contiguous slice
    /// floor(T (K-1) / N) .. floor(T K / N) - 1.</summary>
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

    /// <summary>
    /// Runs shard <paramref name="shard"/> of the sweep that <paramref name="settings"/> define and returns its document:
    /// each cell propagates <see cref="SpecOf"/> on the settings' engine with seed <see cref="CellSeed"/>(Seed, index).
    /// Because the run is made from the settings alone (and the input batch, whose hash they record), the document
    /// records every setting that defines it.
    /// </summary>
    /// <param name="settings">The sweep.</param>
    /// <param name="shard">The slice of the grid to run (<see cref="Shard.Whole"/> for all of it).</param>
    /// <param name="input">The input batch (Batch x Widths[0], row-major) when <see cref="SweepSettings.InputSha256"/> is set, else null.</param>
    /// <param name="onCellDone">Called with each finished cell's index (progress).</param>
    /// <exception cref="ArgumentException">Invalid settings, an input that does not match its recorded hash, or an engine
    /// that cannot propagate the network (checked before the first cell runs).</exception>
    public static SweepDocument Run(SweepSettings settings, Shard shard, float[]? input = null, Action<int>? onCellDone = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(shard);
        settings.Validate();
        if ((input is null) != (settings.InputSha256 is null))
            throw new ArgumentException(input is null ? "the settings record an input batch (input_sha256) but none was given." : "an input batch was given but the settings record Gaussian inputs.", nameof(input));
        if (input is not null && HashInput(input) != settings.InputSha256)
            throw new ArgumentException("the input batch does not match the settings' input_sha256.", nameof(input));
        var engine = ParseEngine(settings.Engine);
        // Check the whole configuration once, before the first cell runs (sigma values do not change what is representable).
        Propagator.Check(SpecOf(settings, settings.SigmaW.Start, settings.SigmaB.Start, input), engine);
        var cells = Run(settings.SigmaW, settings.SigmaB, shard.Cells(settings.TotalCells), (sw, sb) => SpecOf(settings, sw, sb, input),
            engine, settings.Seed, onCellDone);
        return new SweepDocument(settings, shard, cells);
    }

    /// <summary>The network of the cell (sigma_w, sigma_b) of a sweep: W ~ N(0, sigma_w^2 / fan_in), b ~ N(0, sigma_b^2), every other setting from <paramref name="settings"/>.</summary>
    public static NetworkSpec SpecOf(SweepSettings settings, double sigmaW, double sigmaB, float[]? input = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new NetworkSpec(settings.Widths, Activations.ActivationRegistry.Parse(settings.Activation, settings.ActivationParameter),
            WeightDistribution.Gaussian.WithSigmaW(sigmaW))
        {
            Batch = settings.Batch,
            SharedWeights = settings.SharedWeights,
            SigmaB = sigmaB,
            ResidualAlpha = settings.Residual,
            InputVariance = settings.InputVariance ?? 1.0,
            Input = input,
        };
    }

    /// <summary>SHA-256 (lower-case hex) of an input batch as float32 little-endian bytes: how a sweep records data inputs.</summary>
    public static string HashInput(ReadOnlySpan<float> input)
    {
        var bytes = new byte[input.Length * sizeof(float)];
        for (int i = 0; i < input.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), input[i]);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
    }

    /// <summary>The engine called explicit, ensemble or meanfield.</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static Engine ParseEngine(string name) => name switch
    {
        "explicit" => Engine.Explicit,
        "ensemble" => Engine.Ensemble,
        "meanfield" => Engine.MeanField,
        _ => throw new ArgumentException($"unknown engine '{name}'; valid engines: explicit, ensemble, meanfield.", nameof(name)),
    };

    /// <summary>The name of an engine: explicit, ensemble or meanfield.</summary>
    public static string EngineName(Engine engine) => engine switch
    {
        Engine.Explicit => "explicit",
        Engine.Ensemble => "ensemble",
        Engine.MeanField => "meanfield",
        _ => throw new ArgumentException($"unknown engine {engine}.", nameof(engine)),
    };
}
