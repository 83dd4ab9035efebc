using InitLab.Formats.Idx;
using InitLab.Tests.Training;

namespace InitLab.Tests.Formats;

public class FashionMnistTests
{
    [Fact]
    public void The_Debian_data_set_has_the_published_sizes_labels_and_pixels()
    {
        var (train, test) = FashionMnistData.Full;
        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        Assert.Equal(784, train.FeatureCount);
        Assert.Equal(10, train.ClassCount);
        // Values read with an independent reader (Python's gzip and numpy) from the same files.
        Assert.Equal([9, 0, 0, 3, 0, 2, 7, 2, 5, 5], train.Labels[..10].ToArray());
        Assert.Equal([9, 2, 1, 1, 6, 1, 4, 6, 5, 7], test.Labels[..10].ToArray());
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(6000, train.Labels.ToArray().Count(y => y == c)));
        double first = 0;
        foreach (float v in train.Row(0)) first += v;
        Assert.Equal(76247, first);
        double total = 0;
        foreach (float v in train.Features) total += v;
        Assert.Equal(72.94035223214286 * 60000 * 784, total, 1e-3);
    }

    [Fact]
    public void Limits_keep_the_first_examples()
    {
        string dir = IdxTestFiles.FakeFashionMnist(12);
        try
        {
            var (train, test) = FashionMnist.Load(dir, trainLimit: 5, testLimit: 50);
            Assert.Equal(5, train.Count);
            Assert.Equal(12, test.Count);
            Assert.Equal(6, train.FeatureCount);
            Assert.Equal([0, 1, 2, 3, 4], train.Labels.ToArray());
            Assert.Equal(37, train.Features[1]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Uncompressed_files_are_read_too()
    {
        string dir = IdxTestFiles.FakeFashionMnist(3, gzip: false);
        try
        {
            Assert.Equal(3, FashionMnist.Load(dir).Train.Count);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_missing_data_set_says_how_to_install_it_in_one_line()
    {
        string dir = Path.Combine(Path.GetTempPath(), "initlab-no-such-data");
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(dir));
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains(Path.Combine(dir, "train-images-idx3-ubyte.gz"), e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    public static TheoryData<string, string> Broken => new()
    {
        { "labels-count", "holds 4 images but" },
        { "label-range", "has label 10 at position 2" },
        { "labels-rank", "must hold one unsigned byte per image" },
        { "images-type", "must hold images x rows x columns unsigned bytes" },
        { "empty", "holds no images" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Images_and_labels_that_do_not_fit_together_are_invalid_data(string broken, string message)
    {
        string dir = IdxTestFiles.FakeFashionMnist(4);
        try
        {
            string labels = Path.Combine(dir, "train-labels-idx1-ubyte"), images = Path.Combine(dir, "train-images-idx3-ubyte");
            switch (broken)
            {
                case "labels-count": IdxTestFiles.Write(labels, IdxTestFiles.Encode(IdxType.UnsignedByte, [5], [0, 1, 2, 3, 4]), true); break;
                case "label-range": IdxTestFiles.Write(labels, IdxTestFiles.Encode(IdxType.UnsignedByte, [4], [0, 1, 10, 3]), true); break;
                case "labels-rank": IdxTestFiles.Write(labels, IdxTestFiles.Encode(IdxType.UnsignedByte, [2, 2], [0, 1, 2, 3]), true); break;
                case "images-type": IdxTestFiles.Write(images, IdxTestFiles.Encode(IdxType.Float32, [4, 1, 1], [0, 1, 2, 3]), true); break;
                default:
                    IdxTestFiles.Write(images, IdxTestFiles.Encode(IdxType.UnsignedByte, [0, 28, 28], []), true);
                    IdxTestFiles.Write(labels, IdxTestFiles.Encode(IdxType.UnsignedByte, [0], []), true);
                    break;
            }
            var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir));
            Assert.Contains(message, e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void A_truncated_file_is_invalid_data_naming_the_file()
    {
        string dir = IdxTestFiles.FakeFashionMnist(4);
        try
        {
            string path = Path.Combine(dir, "t10k-images-idx3-ubyte.gz");
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<InvalidDataException>(() => FashionMnist.Load(dir));
            Assert.Contains(path, e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
