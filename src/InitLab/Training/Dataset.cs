using InitLab.Numerics;

namespace InitLab.Training;

/// <summary>
/// A labelled classification data set held in memory: <see cref="Count"/> examples of <see cref="FeatureCount"/> features
/// (row-major, example i at <c>Features[i * FeatureCount ..]</c>) and one label in 0..ClassCount-1 per example.
/// </summary>
public sealed class Dataset
{
    private readonly float[] _features;
    private readonly int[] _labels;

    /// <summary>Creates a data set; the arrays are taken over, not copied.</summary>
    /// <exception cref="ArgumentException">
    /// featureCount or classCount is not positive, the feature array does not hold labels.Length rows of featureCount
    /// values, a feature is NaN or infinite, or a label lies outside 0..classCount-1.
    /// </exception>
    public Dataset(float[] features, int featureCount, int[] labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        Guard.Positive(featureCount);
        Guard.Positive(classCount);
        if ((long)labels.Length * featureCount != features.Length)
            throw new ArgumentException(
                $"features holds {features.Length} values, expected labels x featureCount = {labels.Length} x {featureCount} = {(long)labels.Length * featureCount}.",
                nameof(features));
        for (int i = 0; i < features.Length; i++)
            if (!float.IsFinite(features[i]))
                throw new ArgumentException($"feature {i % featureCount} of example {i / featureCount} is {Guard.Fmt(features[i])}; features must be finite.", nameof(features));
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentException($"labels[{i}] = {labels[i]} is outside 0..{classCount - 1}.", nameof(labels));
        _features = features;
        _labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    /// <summary>Number of examples.</summary>
    public int Count => _labels.Length;

    /// <summary>Features per example.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of classes; labels lie in 0..ClassCount-1.</summary>
    public int ClassCount { get; }

    /// <summary>All features, row-major (Count x FeatureCount).</summary>
    public ReadOnlySpan<float> Features => _features;

    /// <summary>All labels.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The features of example <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Row(int index) => _features.AsSpan(checked(index * FeatureCount), FeatureCount);

    /// <summary>The first <paramref name="count"/> examples (a copy; the whole set when count &gt;= Count).</summary>
    /// <exception cref="ArgumentException">count is not positive.</exception>
    public Dataset Take(int count)
    {
        Guard.Positive(count);
        if (count >= Count) return this;
        return new Dataset(_features.AsSpan(0, count * FeatureCount).ToArray(), FeatureCount, _labels.AsSpan(0, count).ToArray(), ClassCount);
    }

    /// <summary>Copies the examples named by <paramref name="indices"/> into <paramref name="features"/> (row-major) and <paramref name="labels"/>.</summary>
    internal void Gather(ReadOnlySpan<int> indices, Span<float> features, Span<int> labels)
    {
        for (int r = 0; r < indices.Length; r++)
        {
            Row(indices[r]).CopyTo(features.Slice(r * FeatureCount, FeatureCount));
            labels[r] = _labels[indices[r]];
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"Dataset({Count} examples x {FeatureCount} features, {ClassCount} classes)";
}
