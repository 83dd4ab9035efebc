using InitLab.Numerics;

namespace InitLab.Propagation;

/// <summary>
/// Every setting that defines a sweep: two sweeps (or two shards) with equal settings compute bit-identical cells, and
/// two with different settings must never be merged.
/// </summary>
/// <param name="Activation">The activation's canonical name (e.g. <c>leaky_relu</c>).</param>
/// <param name="ActivationParameter">Its parameter (leaky_relu's slope, elu's alpha), or null for activations without one.</param>
/// <param name="SigmaW">The sigma_w grid.</param>
/// <param name="SigmaB">The sigma_b (bias std) grid.</param>
/// <param name="Widths">Widths W0 (input), W1, ..., WL.</param>
/// <param name="Batch">Number of inputs.</param>
/// <param name="Residual">Residual branch scale alpha, or null for a plain MLP.</param>
/// <param name="InputVariance">Variance of the Gaussian inputs (null when the inputs come from data, see <paramref name="InputSha256"/>).</param>
/// <param name="SharedWeights">One weight matrix reused at every layer.</param>
/// <param name="InputSha256">SHA-256 (hex) of the input batch as float32 little-endian bytes when the inputs come from data, else null.</param>
/// <param name="Engine">The engine name: explicit, ensemble or meanfield.</param>
/// <param name="Seed">The sweep's seed (cell i uses <see cref="Sweep.CellSeed"/>(Seed, i)).</param>
/// <param name="InitLabVersion">The version of InitLab that computed the cells (<see cref="LibraryInfo.Version"/>).</param>
public sealed record SweepSettings(
    string Activation,
    double? ActivationParameter,
    ParameterGrid SigmaW,
    ParameterGrid SigmaB,
    IReadOnlyList<int> Widths,
    int Batch,
    double? Residual,
    double? InputVariance,
    bool SharedWeights,
    string? InputSha256,
    string Engine,
    ulong Seed,
    string InitLabVersion)
{
    /// <summary>Number of layers L.</summary>
    public int Depth => Widths.Count - 1;

    /// <summary>Number of cells of the whole grid: sigma_w.Count x sigma_b.Count.</summary>
    public int TotalCells => checked(SigmaW.Count * SigmaB.Count);

    /// <summary>
    /// The settings in a fixed order, each as (name, value text) with numbers in round-trip form, so that two settings
    /// compare setting by setting and a mismatch can be named. Names are the JSON keys of the sweep document.
    /// </summary>
    public IEnumerable<(string Name, string Value)> Describe()
    {
        static string N(double? v) => v is { } x ? Guard.Fmt(x) : "none";
        yield return ("activation", Activation);
        yield return ("param", N(ActivationParameter));
        yield return ("sigma_w_grid", SigmaW.ToString());
        yield return ("sigma_b_grid", SigmaB.ToString());
        yield return ("widths", string.Join(",", Widths));
        yield return ("batch", Batch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("residual", N(Residual));
        yield return ("input_variance", N(InputVariance));
        yield return ("shared_weights", SharedWeights ? "true" : "false");
        yield return ("input_sha256", InputSha256 ?? "none");
        yield return ("engine", Engine);
        yield return ("seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return ("initlab_version", InitLabVersion);
    }

    /// <summary>The first setting that differs from <paramref name="other"/>, or null when all are equal.</summary>
    public (string Name, string Mine, string Theirs)? FirstDifference(SweepSettings other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var ((name, mine), (_, theirs)) in Describe().Zip(other.Describe()))
            if (mine != theirs) return (name, mine, theirs);
        return null;
    }

    /// <summary>Checks the settings themselves (names, sizes, grids).</summary>
    /// <exception cref="ArgumentException">The first invalid setting, by name.</exception>
    public void Validate()
    {
        Activations.ActivationRegistry.Parse(Activation, ActivationParameter); // unknown name or bad parameter
        if (Widths.Count < 2) throw new ArgumentException($"widths needs the input width and at least one layer, got {Widths.Count} value(s).", nameof(Widths));
        for (int i = 0; i < Widths.Count; i++)
            if (Widths[i] < 1) throw new ArgumentException($"widths[{i}] must be >= 1, got {Widths[i]}.", nameof(Widths));
        Guard.Positive(Batch, "batch");
        if (Residual is { } a) Guard.Finite(a, "residual");
        if (InputVariance is { } v) Guard.Positive(v, "input_variance");
        if ((InputVariance is null) == (InputSha256 is null))
            throw new ArgumentException("a sweep has either Gaussian inputs (input_variance) or data inputs (input_sha256), exactly one of them.", nameof(InputVariance));
        if (InputSha256 is { } h && (h.Length != 64 || !h.All(char.IsAsciiHexDigitLower)))
            throw new ArgumentException($"input_sha256 must be 64 lower-case hex digits, got '{h}'.", nameof(InputSha256));
        if (Engine is not ("explicit" or "ensemble" or "meanfield"))
            throw new ArgumentException($"engine must be explicit, ensemble or meanfield, got '{Engine}'.", nameof(Engine));
        foreach (var (grid, name) in new[] { (SigmaW, "sigma_w_grid"), (SigmaB, "sigma_b_grid") })
        {
            if (grid.Count < 1 || grid.Count > ParameterGrid.MaxCount) throw new ArgumentException($"{name} COUNT must be in 1..{ParameterGrid.MaxCount}, got {grid.Count}.", name);
            if (!(grid.Start >= 0) || !(grid.Stop >= 0) || !double.IsFinite(grid.Start) || !double.IsFinite(grid.Stop))
                throw new ArgumentException($"{name} must have finite bounds >= 0, got {grid}.", name);
            if (grid.Count == 1 && grid.Start != grid.Stop) throw new ArgumentException($"{name} with COUNT 1 needs START = STOP, got {grid}.", name);
        }
        if ((long)SigmaW.Count * SigmaB.Count > int.MaxValue)
            throw new ArgumentException($"the grid has {(long)SigmaW.Count * SigmaB.Count} cells, more than {int.MaxValue}.", nameof(SigmaW));
    }
}

/// <summary>
/// A sweep's result: its settings, the shard it covers and that shard's cells in grid order. Shards of one sweep
/// merge (<see cref="Merge"/>) into the whole sweep; the document checks that its cells are exactly its shard's cells,
/// each at its grid point.
/// </summary>
/// <param name="Settings">Every setting that defines the sweep.</param>
/// <param name="Shard">Which slice of the grid the cells cover (<see cref="Shard.Whole"/> for a whole sweep).</param>
/// <param name="Cells">The cells, in grid order.</param>
public sealed record SweepDocument(SweepSettings Settings, Shard Shard, IReadOnlyList<SweepCell> Cells) : IShardedDocument<SweepDocument, SweepCell>
{
    /// <summary>Number of cells of the whole grid.</summary>
    public int TotalCells => Settings.TotalCells;

    /// <summary>
    /// Checks the settings, and that the cells are exactly the shard's cells, in order, each with the sigma_w and sigma_b
    /// of its grid point.
    /// </summary>
    /// <exception cref="ArgumentException">The first problem, naming the cell or setting.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Settings);
        ArgumentNullException.ThrowIfNull(Shard);
        ArgumentNullException.ThrowIfNull(Cells);
        Settings.Validate();
        ShardedGrid.CheckCells(Shard, TotalCells, Cells, c =>
        {
            double sw = Settings.SigmaW[c.Index / Settings.SigmaB.Count], sb = Settings.SigmaB[c.Index % Settings.SigmaB.Count];
            if (!ShardedGrid.SameValue(c.SigmaW, sw) || !ShardedGrid.SameValue(c.SigmaB, sb))
                throw new ArgumentException(
                    $"cell {c.Index} has sigma_w = {Guard.Fmt(c.SigmaW)}, sigma_b = {Guard.Fmt(c.SigmaB)}, but its grid point is sigma_w = {Guard.Fmt(sw)}, sigma_b = {Guard.Fmt(sb)}.",
                    nameof(Cells));
        });
    }

    /// <inheritdoc/>
    public (string Name, string Mine, string Theirs)? FirstSettingDifference(SweepDocument other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Settings.FirstDifference(other.Settings);
    }

    /// <summary>
    /// Merges shards of one sweep into the whole sweep (<see cref="ShardedGrid.Merge{TDocument, TCell}"/>): checks every
    /// shard (<see cref="Validate"/>), that all have the same settings (naming the first that differs), and that together
    /// they hold every cell exactly once (naming a duplicate or the first missing cell).
    /// </summary>
    /// <param name="shards">The shard documents, in any order.</param>
    /// <param name="names">A name per shard for messages (e.g. file names); null: "document 1", "document 2", ...</param>
    /// <exception cref="ArgumentException">The first problem found.</exception>
    public static SweepDocument Merge(IReadOnlyList<SweepDocument> shards, IReadOnlyList<string>? names = null) =>
        new(shards[0].Settings, Shard.Whole, ShardedGrid.Merge<SweepDocument, SweepCell>(shards, names, "sweep"));
}
