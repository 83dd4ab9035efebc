using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// Delta-orthogonal convolution kernels (Xiao et al. 2018, "Dynamical Isometry and a Mean Field Theory of CNNs",
/// Algorithm 2; JAX <c>delta_orthogonal</c>): every tap is 0 except the centre tap ((k - 1) // 2 in every spatial
/// dimension, as JAX), which holds scale times a Haar-random (out x in) matrix with orthonormal columns. 3-, 4- or 5-D
/// kernels with in &lt;= out. The convolution is then an isometry at initialization. Element std = scale / sqrt(out * rf).
/// </summary>
public sealed class DeltaOrthogonalInitializer : Initializer
{
    /// <summary>Creates the delta-orthogonal initializer.</summary>
    /// <exception cref="ArgumentException">scale is negative, NaN or infinite, or layout is not defined.</exception>
    public DeltaOrthogonalInitializer(double scale = 1, FanLayout layout = FanLayout.Torch)
    {
        Guard.NonNegative(scale);
        if (!Enum.IsDefined(layout)) throw Names.Unknown(nameof(layout), layout.ToString(), Names.Layouts);
        Scale = scale;
        Layout = layout;
    }

    /// <inheritdoc/>
    public override string Name => "delta_orthogonal";

    /// <summary>The multiplier of the centre matrix.</summary>
    public double Scale { get; }

    /// <summary>Where the channels sit.</summary>
    public FanLayout Layout { get; }

    private protected override void ValidateShape(Shape shape)
    {
        if (shape.Rank is < 3 or > 5)
            throw new ArgumentException($"delta_orthogonal needs a 3-, 4- or 5-D convolution kernel, got shape {shape} of rank {shape.Rank}; use orthogonal for 2-D weights.", nameof(shape));
        var fans = Fans.Of(shape, Layout);
        long inChannels = fans.FanIn / Math.Max(fans.ReceptiveField, 1), outChannels = fans.FanOut / Math.Max(fans.ReceptiveField, 1);
        if (fans.ReceptiveField > 0 && inChannels > outChannels)
            throw new ArgumentException($"delta_orthogonal needs in <= out channels, got in = {inChannels} and out = {outChannels} for shape {shape}.", nameof(shape));
    }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        weights.Clear();
        if (weights.IsEmpty) return;
        int rank = shape.Rank;
        int outChannels = Layout == FanLayout.Torch ? shape[0] : shape[rank - 1];
        int inChannels = Layout == FanLayout.Torch ? shape[1] : shape[rank - 2];
        // Q: out x in with orthonormal columns (in <= out).
        var q = new T[outChannels * inChannels];
        OrthogonalInitializer.SampleScaled<T>(generator, q, outChannels, inChannels, Scale, threads);
        var spatial = Layout == FanLayout.Torch ? Enumerable.Range(2, rank - 2) : Enumerable.Range(0, rank - 2);
        var index = new int[rank];
        foreach (int k in spatial) index[k] = (shape[k] - 1) / 2;
        for (int o = 0; o < outChannels; o++)
            for (int i = 0; i < inChannels; i++)
            {
                if (Layout == FanLayout.Torch) { index[0] = o; index[1] = i; }
                else { index[rank - 2] = i; index[rank - 1] = o; }
                long offset = 0;
                for (int k = 0; k < rank; k++) offset = offset * shape[k] + index[k];
                weights[(int)offset] = q[o * inChannels + i];
            }
    }

    private protected override double StructuredStd(Shape shape)
    {
        // sum of squares = scale^2 * in over out * in * rf elements; the mean is ~0.
        var fans = Fans.Of(shape, Layout);
        return fans.FanOut == 0 ? double.NaN : Scale / Math.Sqrt(fans.FanOut);
    }
}
