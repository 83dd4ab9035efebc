using InitLab.Activations;
using InitLab.Numerics;
using InitLab.Propagation;

namespace InitLab.Training;

/// <summary>One cell of a trainability grid: a network of one (sigma_w, depth), trained and tested.</summary>
/// <param name="Index">Position in the whole grid (sigma_w major): iw * depths + id.</param>
/// <param name="SigmaW">sigma_w of the cell.</param>
/// <param name="Depth">Number of hidden layers.</param>
/// <param name="TestAccuracy">Test accuracy after training; null when training diverged.</param>
/// <param name="DivergedAtStep">The step whose loss was not finite, or null.</param>
/// <param name="FinalLoss">The last step's mini-batch loss (NaN or infinite when diverged).</param>
/// <param name="Verdict">The step-0 verdict of the signal (stable, exploding, vanishing).</param>
public sealed record TrainabilityCell(int Index, double SigmaW, int Depth, double? TestAccuracy, int? DivergedAtStep, double FinalLoss, string Verdict) : IGridCell;

/// <summary>
/// The grid of Schoenholz et al. 2017's trainability figure: for every sigma_w x depth, an MLP of that depth with
/// W ~ N(0, sigma_w^2 / fan_in) is trained for a fixed number of steps and its test accuracy recorded. Each cell's
/// weights and batch order come from the seed <see cref="Sweep.CellSeed"/>(seed, index), so a shard's cells are
/// bit-identical to the same cells of the whole grid, whatever the shard count.
/// </summary>
public static class Trainability
{
    /// <summary>
    /// The depths of a grid START:STOP:COUNT: each value must be a whole number &gt;= 1 and the values distinct.
    /// </summary>
    /// <exception cref="ArgumentException">A value that is not a positive whole number, or repeated values.</exception>
    public static int[] Depths(ParameterGrid grid, string name = "depth")
    {
        ArgumentNullException.ThrowIfNull(grid);
        var depths = new int[grid.Count];
        for (int i = 0; i < grid.Count; i++)
        {
            double v = grid[i];
            double r = Math.Round(v);
            // Grid arithmetic (start + i step) may land a rounding error off a whole number.
            if (Math.Abs(v - r) > 1e-9 * Math.Max(1, Math.Abs(v)) || r < 1 || r > int.MaxValue)
                throw new ArgumentException($"{name} grid {grid} gives {Guard.Fmt(v)}; every depth must be a whole number >= 1 (choose COUNT so that (STOP - START) / (COUNT - 1) is whole).", name);
            depths[i] = (int)r;
        }
        for (int i = 1; i < depths.Length; i++)
            if (depths[i] == depths[i - 1])
                throw new ArgumentException($"{name} grid {grid} repeats depth {depths[i]}.", name);
        return depths;
    }

    /// <summary>
    /// Runs shard <paramref name="shard"/> of the grid that <paramref name="settings"/> define on the given data (whose
    /// sizes and fingerprint must be the settings') and returns its document.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid settings, or data that is not the data the settings record.</exception>
    public static TrainabilityDocument Run(TrainabilitySettings settings, Shard shard, Dataset train, Dataset test, Action<int>? onCellDone = null, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        settings.Validate();
        if (train.Count != settings.TrainSize || test.Count != settings.TestSize)
            throw new ArgumentException($"the data has {train.Count} training and {test.Count} test examples, the settings record {settings.TrainSize} and {settings.TestSize}.", nameof(train));
        if (TrainabilitySettings.Fingerprint(train, test) != settings.DataSha256)
            throw new ArgumentException("the data does not match the settings' data_sha256.", nameof(train));
        var activation = ActivationRegistry.Parse(settings.Activation, settings.ActivationParameter);
        Optimizer optimizer = settings.Optimizer == "adam"
            ? new Optimizer.Adam(settings.LearningRate)
            : new Optimizer.Sgd(settings.LearningRate, settings.Momentum ?? 0);
        var options = new TrainingOptions(settings.Steps, settings.Batch, optimizer);
        var cells = Run(settings.SigmaW, Depths(settings.Depth), shard.Cells(settings.TotalCells), (sw, depth) => SpecOf(settings, train.FeatureCount, sw, depth, activation),
            train, test, options, settings.Seed, onCellDone, threads);
        return new TrainabilityDocument(settings, shard, cells);
    }

    /// <summary>The hidden network of a cell: <paramref name="inputWidth"/>, then <paramref name="depth"/> layers of the settings' width, W ~ N(0, sigma_w^2 / fan_in), b ~ N(0, sigma_b^2).</summary>
    public static NetworkSpec SpecOf(TrainabilitySettings settings, int inputWidth, double sigmaW, int depth, Activation? activation = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new NetworkSpec([inputWidth, .. Enumerable.Repeat(settings.Width, depth)],
            activation ?? ActivationRegistry.Parse(settings.Activation, settings.ActivationParameter), WeightDistribution.Gaussian.WithSigmaW(sigmaW))
        {
            SigmaB = settings.SigmaB,
        };
    }

    /// <summary>
    /// Trains the given cells of a sigma_w x depth grid (cell index = iw * depths.Count + id) and returns them in that
    /// order. <paramref name="makeSpec"/> builds the hidden network of a (sigma_w, depth) pair.
    /// </summary>
    /// <exception cref="ArgumentException">A cell outside the grid, or a network or data that does not fit.</exception>
    public static IReadOnlyList<TrainabilityCell> Run(ParameterGrid sigmaW, IReadOnlyList<int> depths, IReadOnlyList<int> cells,
        Func<double, int, NetworkSpec> makeSpec, Dataset train, Dataset test, TrainingOptions options, ulong seed, Action<int>? onCellDone = null,
        int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(sigmaW);
        ArgumentNullException.ThrowIfNull(depths);
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(makeSpec);
        int total = checked(sigmaW.Count * depths.Count);
        var result = new List<TrainabilityCell>(cells.Count);
        foreach (int index in cells)
        {
            if (index < 0 || index >= total) throw new ArgumentException($"cell {index} is outside the {total}-cell grid.", nameof(cells));
            double sw = sigmaW[index / depths.Count];
            int depth = depths[index % depths.Count];
            ulong cellSeed = Sweep.CellSeed(seed, index);
            var model = MlpClassifier.Create(makeSpec(sw, depth), train.ClassCount, cellSeed, threads);
            var r = Trainer.Run(model, train, test, options, cellSeed, threads: threads);
            result.Add(new TrainabilityCell(index, sw, depth, r.TestAccuracy, r.DivergedAtStep, r.Loss[^1], r.InitialTrace.Diagnosis.VerdictName));
            onCellDone?.Invoke(index);
        }
        return result;
    }
}

/// <summary>The measured trainable depth at one sigma_w next to the theory's 6 xi_c.</summary>
/// <param name="SigmaW">sigma_w.</param>
/// <param name="XiC">Mean-field xi_c (null when undefined).</param>
/// <param name="PredictedDepth">6 xi_c (null when xi_c is undefined).</param>
/// <param name="Threshold">The accuracy a network of this sigma_w must reach to count as trained (<see cref="TrainabilityAnalysis.ThresholdOf"/>).</param>
/// <param name="MeasuredDepth">The deepest grid depth whose accuracy reached the threshold, or null when none did.</param>
/// <param name="BestAccuracy">The best test accuracy at this sigma_w (null when every cell diverged).</param>
public sealed record TrainableDepth(double SigmaW, double? XiC, double? PredictedDepth, double Threshold, int? MeasuredDepth, double? BestAccuracy);

/// <summary>Reads a finished trainability grid: the trainable depth per sigma_w next to 6 xi_c.</summary>
/// <param name="Depths">Per sigma_w of the grid, in grid order.</param>
public sealed record TrainabilityAnalysis(IReadOnlyList<TrainableDepth> Depths)
{
    /// <summary>The number of binomial standard errors above chance a trained network must also be.</summary>
    public const double StandardErrors = 5;

    /// <summary>The analysis of a document's cells (Fashion-MNIST's 10 classes set chance at 0.1).</summary>
    public static TrainabilityAnalysis Of(TrainabilityDocument document, int classes = 10)
    {
        ArgumentNullException.ThrowIfNull(document);
        var s = document.Settings;
        var activation = ActivationRegistry.Parse(s.Activation, s.ActivationParameter);
        var result = new List<TrainableDepth>();
        foreach (var column in document.Cells.GroupBy(c => c.SigmaW).OrderBy(g => g.Key))
        {
            var cells = column.ToList();
            double threshold = ThresholdOf(cells, classes, s.TestSize);
            var (_, _, xiC) = TrainabilityPrediction.Theory(activation, column.Key, s.SigmaB);
            var trained = cells.Where(c => c.TestAccuracy >= threshold).Select(c => c.Depth).ToList();
            var accuracies = cells.Where(c => c.TestAccuracy is not null).Select(c => c.TestAccuracy!.Value).ToList();
            result.Add(new TrainableDepth(column.Key, xiC, xiC * TrainabilityPrediction.DepthScaleMultiple, threshold,
                trained.Count > 0 ? trained.Max() : null, accuracies.Count > 0 ? accuracies.Max() : null));
        }
        return new TrainabilityAnalysis(result);
    }

    /// <summary>
    /// The accuracy a network of one sigma_w must reach to count as trained: half-way between chance (1 / classes) and
    /// the best accuracy at that sigma_w (its shallow networks), and at least <see cref="StandardErrors"/> binomial
    /// standard errors above chance on <paramref name="testSize"/> test examples. A network that learned nothing stays at
    /// chance; one that trained like the shallow networks of its sigma_w reaches the top; the half-way mark separates the
    /// two without a tuned constant, and the floor keeps noise from counting when nothing at that sigma_w trains.
    /// </summary>
    public static double ThresholdOf(IEnumerable<TrainabilityCell> cells, int classes, int testSize)
    {
        ArgumentNullException.ThrowIfNull(cells);
        double chance = 1.0 / classes;
        double best = cells.Select(c => c.TestAccuracy ?? 0).DefaultIfEmpty(chance).Max();
        double floor = chance + StandardErrors * Math.Sqrt(chance * (1 - chance) / testSize);
        return Math.Max(floor, chance + 0.5 * (best - chance));
    }
}
