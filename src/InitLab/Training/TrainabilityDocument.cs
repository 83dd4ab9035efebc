using System.Globalization;
using InitLab.Numerics;
using InitLab.Propagation;

namespace InitLab.Training;

/// <summary>
/// Every setting that defines a trainability grid: two grids (or two shards) with equal settings compute bit-identical
/// cells, and two with different settings must never be merged.
/// </summary>
/// <param name="Activation">The activation's canonical name.</param>
/// <param name="ActivationParameter">Its parameter, or null.</param>
/// <param name="SigmaW">The sigma_w grid.</param>
/// <param name="Depth">The depth grid (whole numbers, see <see cref="Trainability.Depths"/>).</param>
/// <param name="Width">Hidden width N.</param>
/// <param name="SigmaB">Bias std sigma_b.</param>
/// <param name="Steps">Training steps per cell.</param>
/// <param name="Batch">Mini-batch size.</param>
/// <param name="Optimizer">sgd or adam.</param>
/// <param name="LearningRate">Learning rate.</param>
/// <param name="Momentum">SGD momentum (null for adam).</param>
/// <param name="TrainSize">Training examples used.</param>
/// <param name="TestSize">Test examples used.</param>
/// <param name="DataSha256">SHA-256 of the data as loaded (<see cref="Fingerprint"/>), so shards of different data never merge.</param>
/// <param name="Seed">The grid's seed (cell i uses <see cref="Sweep.CellSeed"/>(Seed, i)).</param>
/// <param name="InitLabVersion">The version of InitLab that computed the cells (<see cref="LibraryInfo.Version"/>).</param>
public sealed record TrainabilitySettings(string Activation, double? ActivationParameter, ParameterGrid SigmaW, ParameterGrid Depth, int Width,
    double SigmaB, int Steps, int Batch, string Optimizer, double LearningRate, double? Momentum, int TrainSize, int TestSize,
    string DataSha256, ulong Seed, string InitLabVersion)
{
    /// <summary>Number of cells: sigma_w.Count x depth.Count.</summary>
    public int TotalCells => checked(SigmaW.Count * Depth.Count);

    /// <summary>The settings in a fixed order as (JSON key, value text), numbers in round-trip form.</summary>
    public IEnumerable<(string Name, string Value)> Describe()
    {
        static string N(double? v) => v is { } x ? Guard.Fmt(x) : "none";
        static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
        yield return ("act", Activation);
        yield return ("param", N(ActivationParameter));
        yield return ("sigma_w_grid", SigmaW.ToString());
        yield return ("depth_grid", Depth.ToString());
        yield return ("width", I(Width));
        yield return ("sigma_b", N(SigmaB));
        yield return ("steps", I(Steps));
        yield return ("batch", I(Batch));
        yield return ("optimizer", Optimizer);
        yield return ("lr", N(LearningRate));
        yield return ("momentum", N(Momentum));
        yield return ("train_size", I(TrainSize));
        yield return ("test_size", I(TestSize));
        yield return ("data_sha256", DataSha256);
        yield return ("seed", Seed.ToString(CultureInfo.InvariantCulture));
        yield return ("initlab_version", InitLabVersion);
    }

    /// <summary>The first setting that differs from <paramref name="other"/>'s, or null when all agree.</summary>
    public (string Name, string Mine, string Theirs)? FirstDifference(TrainabilitySettings other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (mine, theirs) in Describe().Zip(other.Describe()))
            if (mine.Value != theirs.Value) return (mine.Name, mine.Value, theirs.Value);
        return null;
    }

    /// <summary>Checks every setting; the message names the setting and its value.</summary>
    /// <exception cref="ArgumentException">A setting out of range or an impossible grid.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(SigmaW);
        ArgumentNullException.ThrowIfNull(Depth);
        _ = Activations.ActivationRegistry.Parse(Activation, ActivationParameter);
        for (int i = 0; i < SigmaW.Count; i++) Guard.NonNegative(SigmaW[i], "sigma_w");
        _ = Trainability.Depths(Depth);
        Guard.Positive(Width, "width");
        Guard.NonNegative(SigmaB, "sigma_b");
        Guard.Positive(Steps, "steps");
        Guard.Positive(Batch, "batch");
        if (Optimizer is not ("sgd" or "adam")) throw new ArgumentException($"optimizer must be sgd or adam, got '{Optimizer}'.", nameof(Optimizer));
        Guard.Positive(LearningRate, "lr");
        if ((Optimizer == "sgd") != (Momentum is not null))
            throw new ArgumentException($"momentum is {(Momentum is null ? "missing for sgd" : "set for adam")}.", nameof(Momentum));
        Guard.Positive(TrainSize, "train_size");
        Guard.Positive(TestSize, "test_size");
        _ = TotalCells;
    }

    /// <summary>SHA-256 (lower-case hex) of data sets as loaded: features as float32 little-endian, then labels as int32 little-endian, set after set.</summary>
    public static string Fingerprint(params Dataset[] sets)
    {
        ArgumentNullException.ThrowIfNull(sets);
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        foreach (var set in sets)
        {
            Append(sha, buffer, set.Features);
            Append(sha, buffer, set.Labels);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static void Append<T>(System.Security.Cryptography.IncrementalHash sha, byte[] buffer, ReadOnlySpan<T> values) where T : unmanaged
    {
        int per = buffer.Length / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (int i = 0; i < values.Length; i += per)
        {
            var chunk = values.Slice(i, Math.Min(per, values.Length - i));
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(chunk);
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("data fingerprints are defined on little-endian hosts.");
            sha.AppendData(bytes);
        }
    }
}

/// <summary>
/// A trainability grid's result: its settings, the shard it covers and that shard's cells in grid order. Shards of one
/// grid merge (<see cref="Merge"/>) into the whole grid, with the checks every sharded document shares
/// (<see cref="ShardedGrid"/>).
/// </summary>
/// <param name="Settings">Every setting that defines the grid.</param>
/// <param name="Shard">Which slice of the grid the cells cover (<see cref="Shard.Whole"/> for the whole grid).</param>
/// <param name="Cells">The cells, in grid order.</param>
public sealed record TrainabilityDocument(TrainabilitySettings Settings, Shard Shard, IReadOnlyList<TrainabilityCell> Cells)
    : IShardedDocument<TrainabilityDocument, TrainabilityCell>
{
    /// <summary>Number of cells of the whole grid.</summary>
    public int TotalCells => Settings.TotalCells;

    /// <summary>True when the document holds the whole grid.</summary>
    public bool IsWhole => Shard.Count == 1;

    /// <summary>Checks the settings, and that the cells are exactly the shard's cells in order, each at its grid point with a consistent outcome.</summary>
    /// <exception cref="ArgumentException">The first problem, naming the cell or setting.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Settings);
        ArgumentNullException.ThrowIfNull(Shard);
        ArgumentNullException.ThrowIfNull(Cells);
        Settings.Validate();
        var depths = Trainability.Depths(Settings.Depth);
        ShardedGrid.CheckCells(Shard, TotalCells, Cells, c =>
        {
            double sw = Settings.SigmaW[c.Index / depths.Length];
            int depth = depths[c.Index % depths.Length];
            if (!ShardedGrid.SameValue(c.SigmaW, sw) || c.Depth != depth)
                throw new ArgumentException(
                    $"cell {c.Index} has sigma_w = {Guard.Fmt(c.SigmaW)}, depth = {c.Depth}, but its grid point is sigma_w = {Guard.Fmt(sw)}, depth = {depth}.", nameof(Cells));
            if (c.TestAccuracy is { } a && !(a >= 0 && a <= 1))
                throw new ArgumentException($"cell {c.Index} has test accuracy {Guard.Fmt(a)}, outside [0, 1].", nameof(Cells));
            if ((c.TestAccuracy is null) == (c.DivergedAtStep is null))
                throw new ArgumentException($"cell {c.Index} must have either a test accuracy or a divergence step, not {(c.TestAccuracy is null ? "neither" : "both")}.", nameof(Cells));
            if (c.DivergedAtStep is { } k && (k < 0 || k >= Settings.Steps))
                throw new ArgumentException($"cell {c.Index} diverged at step {k}, outside 0..{Settings.Steps - 1}.", nameof(Cells));
        });
    }

    /// <inheritdoc/>
    public (string Name, string Mine, string Theirs)? FirstSettingDifference(TrainabilityDocument other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Settings.FirstDifference(other.Settings);
    }

    /// <summary>
    /// Merges shards of one grid into the whole grid (<see cref="ShardedGrid.Merge{TDocument, TCell}"/>): every shard valid,
    /// the same settings (the first that differs is named), every cell exactly once.
    /// </summary>
    /// <exception cref="ArgumentException">The first problem found.</exception>
    public static TrainabilityDocument Merge(IReadOnlyList<TrainabilityDocument> shards, IReadOnlyList<string>? names = null) =>
        new(shards[0].Settings, Shard.Whole, ShardedGrid.Merge<TrainabilityDocument, TrainabilityCell>(shards, names, "trainability grid"));
}
