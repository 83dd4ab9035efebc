using System.CommandLine;
using InitLab.Formats.Idx;
using InitLab.Propagation;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>The options shared by <c>initlab train</c> and <c>initlab trainability</c>: data, optimizer, steps and batch.</summary>
internal sealed class TrainingCliOptions
{
    public Option<int> Steps { get; }
    public Option<double?> LearningRate { get; } = new("--lr") { Description = "Learning rate eta (default: 0.01 for sgd, 0.001 for adam)" };
    public Option<int> Batch { get; } = CommonOptions.IntAtLeast("--batch", "Mini-batch size B", 1, 64);
    public Option<string> OptimizerName { get; } = new("--optimizer") { Description = "sgd (with momentum) or adam", DefaultValueFactory = _ => "sgd" };
    public Option<double> Momentum { get; } = new("--momentum") { Description = "SGD momentum mu in [0, 1)", DefaultValueFactory = _ => 0.9 };
    public Option<string> Data { get; } = new("--data") { Description = "Folder with the Fashion-MNIST IDX files", DefaultValueFactory = _ => FashionMnist.DefaultDirectory };
    public Option<int?> TrainSize { get; } = new("--train-size") { Description = "Use only the first N training examples (default: all 60000)" };
    public Option<int?> TestSize { get; } = new("--test-size") { Description = "Use only the first N test examples (default: all 10000)" };

    public const double DefaultSgdLearningRate = 0.01, DefaultAdamLearningRate = 0.001;

    /// <summary>The options, with --steps required (train) or defaulting to <paramref name="defaultSteps"/> (trainability).</summary>
    public TrainingCliOptions(int? defaultSteps)
    {
        Steps = CommonOptions.IntAtLeast("--steps", "Number of training steps K (parameter updates)", 1, defaultSteps ?? 0);
        if (defaultSteps is null)
        {
            Steps.DefaultValueFactory = null;
            Steps.Required = true;
        }
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Steps, LearningRate, Batch, OptimizerName, Momentum, Data, TrainSize, TestSize }) command.Add(option);
    }

    public Optimizer Optimizer(ParseResult pr)
    {
        string name = pr.GetValue(OptimizerName)!;
        double? lr = pr.GetValue(LearningRate);
        bool momentumGiven = pr.GetResult(Momentum) is { Implicit: false };
        return name switch
        {
            "sgd" => new Optimizer.Sgd(lr ?? DefaultSgdLearningRate, pr.GetValue(Momentum)),
            "adam" when momentumGiven => throw new UsageException("--momentum applies to --optimizer sgd; adam uses its own moment decays (0.9, 0.999)."),
            "adam" => new Optimizer.Adam(lr ?? DefaultAdamLearningRate),
            _ => throw new UsageException($"--optimizer must be sgd or adam, got '{name}'."),
        };
    }

    public TrainingOptions Options(ParseResult pr) => new(pr.GetValue(Steps), pr.GetValue(Batch), Optimizer(pr));

    /// <summary>
    /// Loads Fashion-MNIST from --data (the first --train-size / --test-size examples) and standardizes both sets with the
    /// training set's per-pixel mean and std.
    /// </summary>
    public (Dataset Train, Dataset Test) LoadData(ParseResult pr)
    {
        int? trainSize = pr.GetValue(TrainSize), testSize = pr.GetValue(TestSize);
        if (trainSize is < 1) throw new UsageException($"--train-size must be >= 1, got {trainSize}.");
        if (testSize is < 1) throw new UsageException($"--test-size must be >= 1, got {testSize}.");
        string dir = pr.GetValue(Data)!;
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException(FashionMnist.MissingMessage(dir, "train-images-idx3-ubyte.gz"));
        var (train, test) = FashionMnist.Load(dir, trainSize, testSize);
        var standardization = Standardization.Fit(train);
        return (standardization.Apply(train), standardization.Apply(test));
    }

    /// <summary>The hidden network: input width from the data, then --depth layers of --width.</summary>
    public static NetworkSpec Hidden(int inputWidth, int width, int depth, InitLab.Activations.Activation activation, WeightDistribution weights, double sigmaB) =>
        new([inputWidth, .. Enumerable.Repeat(width, depth)], activation, weights) { SigmaB = sigmaB };
}
