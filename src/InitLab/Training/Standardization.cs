using InitLab.Numerics;

namespace InitLab.Training;

/// <summary>
/// Per-feature standardization x'_j = (x_j - mean_j) / std_j with the mean and the population std of each feature over a
/// training set (scikit-learn's StandardScaler). A feature that is constant on the training set (std 0, e.g. a border
/// pixel that is always 0) is only centred. After it, every non-constant feature has mean 0 and mean square 1 on the
/// training set, so the input's mean square is the m_0 = 1 of mean-field theory (docs/theory.md).
/// </summary>
/// <param name="Mean">mean_j, one per feature.</param>
/// <param name="Std">std_j, one per feature (population, n divisor).</param>
public sealed record Standardization(IReadOnlyList<double> Mean, IReadOnlyList<double> Std)
{
    /// <summary>Fits the means and stds of <paramref name="data"/>'s features (accumulated in double, in example order).</summary>
    public static Standardization Fit(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int d = data.FeatureCount;
        var sum = new double[d];
        var features = data.Features;
        for (int i = 0; i < data.Count; i++)
        {
            var row = features.Slice(i * d, d);
            for (int j = 0; j < d; j++) sum[j] += row[j];
        }
        var mean = new double[d];
        for (int j = 0; j < d; j++) mean[j] = sum[j] / data.Count;
        // Two passes: sum of squared deviations, which does not cancel the way E[x^2] - E[x]^2 does.
        var squares = new double[d];
        for (int i = 0; i < data.Count; i++)
        {
            var row = features.Slice(i * d, d);
            for (int j = 0; j < d; j++)
            {
                double e = row[j] - mean[j];
                squares[j] += e * e;
            }
        }
        var std = new double[d];
        for (int j = 0; j < d; j++) std[j] = Math.Sqrt(squares[j] / data.Count);
        return new Standardization(mean, std);
    }

    /// <summary>A standardized copy of <paramref name="data"/> (features computed in double, stored as float).</summary>
    /// <exception cref="ArgumentException">The data has a different number of features.</exception>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        int d = data.FeatureCount;
        if (d != Mean.Count)
            throw new ArgumentException($"the data has {d} features, the standardization was fitted on {Mean.Count}.", nameof(data));
        var scale = new double[d];
        for (int j = 0; j < d; j++) scale[j] = Std[j] > 0 ? 1.0 / Std[j] : 1.0;
        var source = data.Features;
        var result = new float[source.Length];
        for (int i = 0; i < data.Count; i++)
            for (int j = 0; j < d; j++)
                result[i * d + j] = (float)((source[i * d + j] - Mean[j]) * scale[j]);
        return new Dataset(result, d, data.Labels.ToArray(), data.ClassCount);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Standardization({Mean.Count} features)";
}
