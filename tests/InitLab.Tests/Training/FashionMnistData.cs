using InitLab.Formats.Idx;
using InitLab.Training;

namespace InitLab.Tests.Training;

/// <summary>
/// Debian's Fashion-MNIST for the training tests, loaded once. The tests need the package: when it is missing they fail
/// with a message that says how to install it (they never skip, so a missing data set cannot pass unnoticed).
/// </summary>
internal static class FashionMnistData
{
    public const string Missing =
        "these tests need Fashion-MNIST from Debian: run `sudo apt-get install dataset-fashion-mnist` (files in " + FashionMnist.DefaultDirectory + "); the README's test command installs it.";

    private static readonly Lazy<(Dataset Train, Dataset Test)> Raw = new(() =>
    {
        if (!File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "train-images-idx3-ubyte.gz")))
            throw new InvalidOperationException(Missing);
        return FashionMnist.Load();
    });

    private static readonly Lazy<(Dataset Train, Dataset Test)> Small = new(() =>
    {
        var (train, test) = Raw.Value;
        var subset = train.Take(TrainCount);
        var s = Standardization.Fit(subset);
        return (s.Apply(subset), s.Apply(test.Take(TestCount)));
    });

    /// <summary>Training examples in the small standardized subset.</summary>
    public const int TrainCount = 5000;

    /// <summary>Test examples in the small standardized subset.</summary>
    public const int TestCount = 1000;

    /// <summary>The full, raw data set (pixels 0..255).</summary>
    public static (Dataset Train, Dataset Test) Full => Raw.Value;

    /// <summary>The first 5000 training and 1000 test examples, standardized with the 5000's per-pixel statistics.</summary>
    public static (Dataset Train, Dataset Test) Subset => Small.Value;
}
