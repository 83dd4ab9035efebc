using InitLab.Training;

namespace InitLab.Tests.Training;

public class DataPipelineTests
{
    private static Dataset Small()
    {
        // 4 examples x 3 features; feature 2 is constant.
        float[] x = [1, 10, 5, 2, 20, 5, 3, 30, 5, 6, 40, 5];
        return new Dataset(x, 3, [0, 1, 2, 1], 3);
    }

    [Fact]
    public void Standardization_uses_the_training_mean_and_population_std_per_feature()
    {
        var s = Standardization.Fit(Small());
        Assert.Equal([3.0, 25.0, 5.0], s.Mean);
        // Population std of {1,2,3,6} = sqrt(((-2)^2 + 1 + 0 + 9) / 4) = sqrt(3.5); of {10,20,30,40} = sqrt(125).
        Assert.Equal(Math.Sqrt(3.5), s.Std[0], 15);
        Assert.Equal(Math.Sqrt(125), s.Std[1], 15);
        Assert.Equal(0, s.Std[2]);
        var z = s.Apply(Small());
        Assert.Equal((float)(-2 / Math.Sqrt(3.5)), z.Row(0)[0]);
        Assert.Equal((float)(15 / Math.Sqrt(125)), z.Row(3)[1]);
        // A constant feature is only centred.
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(0f, z.Row(i)[2]));
        Assert.Equal([0, 1, 2, 1], z.Labels.ToArray());
    }

    [Fact]
    public void Standardized_training_pixels_have_mean_0_and_mean_square_1()
    {
        var (train, _) = FashionMnistData.Subset;
        int d = train.FeatureCount, n = train.Count;
        int constant = 0;
        for (int j = 0; j < d; j++)
        {
            double sum = 0, squares = 0;
            for (int i = 0; i < n; i++)
            {
                double v = train.Features[i * d + j];
                sum += v;
                squares += v * v;
            }
            if (squares == 0)
            {
                constant++;
                continue;
            }
            // float storage rounds each value by 2^-24 relative; sums of 5000 such values stay within 1e-5.
            Assert.Equal(0, sum / n, 1e-5);
            Assert.Equal(1, squares / n, 1e-5);
        }
        Assert.True(constant < 10, $"{constant} constant pixels");
    }

    [Fact]
    public void Datasets_reject_bad_sizes_labels_and_non_finite_features()
    {
        Assert.Throws<ArgumentException>(() => new Dataset(new float[5], 2, [0, 1], 2));
        Assert.Contains("labels[1] = 2", Assert.Throws<ArgumentException>(() => new Dataset(new float[4], 2, [0, 2], 2)).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => new Dataset([0, float.NaN], 2, [0], 2)).Message);
        Assert.Throws<ArgumentException>(() => Standardization.Fit(Small()).Apply(new Dataset(new float[2], 2, [0], 2)));
    }

    [Fact]
    public void Every_epoch_visits_every_example_once()
    {
        var batches = new MiniBatches(10, 3, 7);
        var seen = new List<int>();
        var b = new int[3];
        for (int step = 0; step < 10; step++)
        {
            batches.Batch(step, b);
            seen.AddRange(b);
        }
        // 30 positions = 3 epochs of 10.
        for (int epoch = 0; epoch < 3; epoch++)
            Assert.Equal(Enumerable.Range(0, 10), seen.Skip(10 * epoch).Take(10).Order());
        Assert.NotEqual(seen.Take(10), seen.Skip(10).Take(10));
    }

    [Fact]
    public void A_batch_is_a_pure_function_of_seed_and_step()
    {
        var sequential = new MiniBatches(1000, 64, 3);
        var direct = new MiniBatches(1000, 64, 3);
        var other = new MiniBatches(1000, 64, 4);
        var a = new int[64];
        var b = new int[64];
        var c = new int[64];
        for (int step = 0; step < 40; step++) sequential.Batch(step, a);
        direct.Batch(39, b);
        other.Batch(39, c);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Shuffles_are_uniform_over_permutations()
    {
        // 24 permutations of 4, 24000 epochs: chi-square with 23 degrees of freedom; the 1e-6 upper quantile is 67.0.
        var counts = new Dictionary<string, int>();
        for (int epoch = 0; epoch < 24000; epoch++)
        {
            string key = string.Join("", MiniBatches.Permutation(4, 11, epoch));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(24, counts.Count);
        double chi2 = counts.Values.Sum(o => (o - 1000.0) * (o - 1000.0) / 1000.0);
        Assert.True(chi2 < 67.0, $"chi-square {chi2}");
    }

    [Fact]
    public void Batches_larger_than_the_data_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new MiniBatches(10, 11, 0));
        Assert.Contains("batch size 11 is larger than the 10 examples", e.Message);
    }
}
