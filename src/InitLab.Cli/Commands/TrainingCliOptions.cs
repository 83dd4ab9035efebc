using System.CommandLine;
using System.Globalization;
using InitLab.Formats.Idx;
using InitLab.Propagation;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>The options shared by <c>initlab train</c> and <c>initlab trainability</c>: data, optimizer, steps and batch.</summary>
internal sealed class TrainingCliOptions
{
    public const double DefaultSgdLearningRate = 0.01, DefaultAdamLearningRate = 0.001;

    /// <summary>The options, with --steps required (train) or defaulting to <paramref name="defaultSteps"/> (trainability).</summary>
    public TrainingCliOptions(int? defaultSteps)
    {
        Steps = defaultSteps is { } k
            ? CliOptions.Int("--steps", "Training steps K (parameter updates) per network", k, min: 1)
            : CliOptions.Int("--steps", "Training steps K (parameter updates)", 0, min: 1);
        if (defaultSteps is null)
        {
            Steps.DefaultValueFactory = null;
            Steps.Required = true;
        }
    }

    public Option<int> Steps { get; }
    public Option<double?> LearningRate { get; } = CliOptions.OptionalDouble("--lr", "Learning rate eta (default: 0.01 for sgd, 0.001 for adam)", Bounds.Positive);
    public Option<int> Batch { get; } = CliOptions.Int("--batch", "Mini-batch size B", 64, min: 1);
    public Option<string> OptimizerName { get; } = CliOptions.Choice("--optimizer", "sgd (with momentum) or adam", ["sgd", "adam"], defaultValue: "sgd");
    public Option<double?> Momentum { get; } = CliOptions.OptionalDouble("--momentum", "SGD momentum mu in [0, 1) (default: 0.9; sgd only)", new Bounds(0, Max: 1, MaxOpen: true));
    public Option<string> Data { get; } = new("--data")
    {
        Description = "Folder with the Fashion-MNIST IDX files (Debian's dataset-fashion-mnist)",
        HelpName = "DIR",
        DefaultValueFactory = _ => FashionMnist.DefaultDirectory,
    };
    public Option<int?> TrainSize { get; } = CliOptions.OptionalInt("--train-size", "Use the first N training examples (default: all 60000)", min: 1);
    public Option<int?> TestSize { get; } = CliOptions.OptionalInt("--test-size", "Use the first N test examples (default: all 10000)", min: 1);

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Steps, LearningRate, Batch, OptimizerName, Momentum, Data, TrainSize, TestSize }) command.Add(option);
    }

    /// <summary>SGD with --momentum (default 0.9) or Adam; --lr defaults per optimizer.</summary>
    public Optimizer Optimizer(ParseResult pr)
    {
        double? lr = pr.GetValue(LearningRate);
        if (pr.GetValue(OptimizerName) == "adam")
        {
            if (pr.IsGiven(Momentum)) throw new UsageException("--momentum applies to --optimizer sgd; adam uses its own moment decays (0.9, 0.999).");
            return new Optimizer.Adam(lr ?? DefaultAdamLearningRate);
        }
        return new Optimizer.Sgd(lr ?? DefaultSgdLearningRate, pr.GetValue(Momentum) ?? 0.9);
    }

    public TrainingOptions Options(ParseResult pr) => new(pr.GetValue(Steps), pr.GetValue(Batch), Optimizer(pr));

    /// <summary>
    /// Refuses, before the data is read, a training run that would not fit in memory or would run for days (the
    /// library's <see cref="MlpClassifier.EstimateTraining"/>, times <paramref name="runs"/> networks for the work).
    /// </summary>
    public void CheckResources(ParseResult pr, CliContext ctx, int width, int depth, (string Option, string Value) widthOption,
        (string Option, string Value) depthOption, string what, double runs = 1)
    {
        int batch = pr.GetValue(Batch), steps = pr.GetValue(Steps);
        int train = pr.GetValue(TrainSize) ?? 60000, test = pr.GetValue(TestSize) ?? 10000;
        var estimate = MlpClassifier.EstimateTraining(784, width, depth, 10, batch, steps, train, test);
        var options = new Dictionary<string, (string, string)>
        {
            ["width"] = widthOption,
            ["depth"] = depthOption,
            ["batch"] = ("--batch", batch.ToString(CultureInfo.InvariantCulture)),
            ["data"] = ("--train-size", train.ToString(CultureInfo.InvariantCulture)),
        };
        Resources.Check(ctx, estimate.Sequential(runs), options, what);
    }

    /// <summary>
    /// Loads Fashion-MNIST from --data (the first --train-size / --test-size examples) and standardizes both sets with the
    /// training set's per-pixel mean and std; a missing data set is one line that says how to install it.
    /// </summary>
    public (Dataset Train, Dataset Test) LoadData(ParseResult pr)
    {
        string dir = pr.GetValue(Data)!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException(FashionMnist.MissingMessage(dir, "train-images-idx3-ubyte.gz"));
        var (train, test) = FashionMnist.Load(dir, pr.GetValue(TrainSize), pr.GetValue(TestSize));
        if (pr.GetValue(Batch) > train.Count)
            throw new UsageException($"--batch {pr.GetValue(Batch)} is larger than the {train.Count} training examples.");
        var standardization = Standardization.Fit(train);
        return (standardization.Apply(train), standardization.Apply(test));
    }

    /// <summary>The hidden network: the data's input width, then <paramref name="depth"/> layers of <paramref name="width"/>.</summary>
    public static NetworkSpec Hidden(int inputWidth, int width, int depth, InitLab.Activations.Activation activation, WeightDistribution weights, double sigmaB) =>
        new([inputWidth, .. Enumerable.Repeat(width, depth)], activation, weights) { SigmaB = sigmaB };
}
