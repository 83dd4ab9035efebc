using InitLab.Training;

namespace InitLab.Formats.Idx;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul &amp; Vollgraf 2017): 28 x 28 grey-scale images of 10 clothing classes, 60,000 for training
/// and 10,000 for testing, in the four IDX files of the original distribution. Debian ships them in the package
/// <c>dataset-fashion-mnist</c> under <see cref="DefaultDirectory"/>.
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The Debian package that holds the files.</summary>
    public const string Package = "dataset-fashion-mnist";

    /// <summary>Number of classes.</summary>
    public const int Classes = 10;

    /// <summary>The class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Loads the training and test sets from <paramref name="directory"/> (files <c>train-images-idx3-ubyte[.gz]</c>,
    /// <c>train-labels-idx1-ubyte[.gz]</c>, <c>t10k-images-idx3-ubyte[.gz]</c>, <c>t10k-labels-idx1-ubyte[.gz]</c>).
    /// Pixels become floats 0..255 (standardize them with <see cref="Standardization"/>); the first
    /// <paramref name="trainLimit"/> / <paramref name="testLimit"/> examples are kept when given.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file is missing; the one-line message says how to install the data set.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt, or images and labels do not fit together.</exception>
    public static (Dataset Train, Dataset Test) Load(string directory = DefaultDirectory, int? trainLimit = null, int? testLimit = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (trainLimit is < 1) throw new ArgumentException($"trainLimit must be >= 1, got {trainLimit}.", nameof(trainLimit));
        if (testLimit is < 1) throw new ArgumentException($"testLimit must be >= 1, got {testLimit}.", nameof(testLimit));
        var train = LoadPair(Find(directory, "train-images-idx3-ubyte"), Find(directory, "train-labels-idx1-ubyte"), trainLimit);
        var test = LoadPair(Find(directory, "t10k-images-idx3-ubyte"), Find(directory, "t10k-labels-idx1-ubyte"), testLimit);
        if (train.FeatureCount != test.FeatureCount)
            throw new InvalidDataException($"the training images have {train.FeatureCount} pixels but the test images {test.FeatureCount}.");
        return (train, test);
    }

    /// <summary>The message for a missing data set: where it was looked for and how to install it.</summary>
    public static string MissingMessage(string directory, string file) =>
        $"Fashion-MNIST not found: '{Path.Combine(directory, file)}' does not exist; install it with `sudo apt-get install {Package}` (files in {DefaultDirectory}) or point --data at a folder holding the four IDX files.";

    private static string Find(string directory, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem })
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(MissingMessage(directory, stem + ".gz"), Path.Combine(directory, stem + ".gz"));
    }

    /// <summary>An image file (N x rows x cols unsigned bytes) and its label file (N unsigned bytes, each below 10) as a data set.</summary>
    internal static Dataset LoadPair(string imagesPath, string labelsPath, int? limit)
    {
        var images = IdxFormat.Read(imagesPath);
        var labels = IdxFormat.Read(labelsPath);
        if (images.Type != IdxType.UnsignedByte || images.Dims.Count != 3)
            throw new InvalidDataException($"'{imagesPath}' must hold images x rows x columns unsigned bytes, got {images.Type} [{string.Join(", ", images.Dims)}].");
        if (labels.Type != IdxType.UnsignedByte || labels.Dims.Count != 1)
            throw new InvalidDataException($"'{labelsPath}' must hold one unsigned byte per image, got {labels.Type} [{string.Join(", ", labels.Dims)}].");
        int count = images.Dims[0];
        if (labels.Dims[0] != count)
            throw new InvalidDataException($"'{imagesPath}' holds {count} images but '{labelsPath}' holds {labels.Dims[0]} labels.");
        // A non-empty array's dimensions multiply to its (bounded) size, so rows x columns cannot overflow once it is non-empty.
        if (images.Count == 0)
            throw new InvalidDataException($"'{imagesPath}' holds no images ([{string.Join(", ", images.Dims)}]).");
        int pixels = images.Dims[1] * images.Dims[2];
        int kept = Math.Min(count, limit ?? count);
        var bytes = images.Bytes[..(kept * pixels)];
        var features = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) features[i] = bytes[i];
        var y = new int[kept];
        var labelBytes = labels.Bytes;
        for (int i = 0; i < kept; i++)
        {
            if (labelBytes[i] >= Classes)
                throw new InvalidDataException($"'{labelsPath}' has label {labelBytes[i]} at position {i}; Fashion-MNIST labels are 0..{Classes - 1}.");
            y[i] = labelBytes[i];
        }
        return new Dataset(features, pixels, y, Classes);
    }
}
