using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// The Dirac delta kernel (PyTorch <c>dirac_(groups)</c>) for 3-, 4- and 5-D convolution kernels: within each of the
/// groups, output channel d takes input channel d through the centre tap k // 2 of every spatial dimension, for
/// d &lt; min(out / groups, in); every other element is 0. A convolution with it copies (the first channels of) its input.
/// Layout torch (out, in, *k) or keras (*k, in, out). Consumes no random numbers.
/// </summary>
public sealed class DiracInitializer : Initializer
{
    /// <summary>Creates the Dirac initializer.</summary>
    /// <exception cref="ArgumentException">groups &lt; 1, or layout is not defined.</exception>
    public DiracInitializer(int groups = 1, FanLayout layout = FanLayout.Torch)
    {
        Guard.Positive(groups);
        if (!Enum.IsDefined(layout)) throw Names.Unknown(nameof(layout), layout.ToString(), Names.Layouts);
        Groups = groups;
        Layout = layout;
    }

    /// <inheritdoc/>
    public override string Name => "dirac";

    /// <summary>Number of groups (the output channels must divide into them).</summary>
    public int Groups { get; }

    /// <summary>Where the channels sit.</summary>
    public FanLayout Layout { get; }

    private protected override void ValidateShape(Shape shape)
    {
        if (shape.Rank is < 3 or > 5)
            throw new ArgumentException($"dirac needs a 3-, 4- or 5-D convolution kernel, got shape {shape} of rank {shape.Rank}; use eye for 2-D weights.", nameof(shape));
        var (outChannels, _) = Channels(shape);
        if (outChannels % Groups != 0)
            throw new ArgumentException($"dirac with groups = {Groups} needs the {outChannels} output channels of shape {shape} to be divisible by groups.", nameof(shape));
    }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        weights.Clear();
        if (weights.IsEmpty) return;
        var (outChannels, inChannels) = Channels(shape);
        int perGroup = outChannels / Groups, min = Math.Min(perGroup, inChannels);
        for (int g = 0; g < Groups; g++)
            for (int d = 0; d < min; d++)
                weights[Offset(shape, g * perGroup + d, d)] = T.One;
    }

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator) => FillWithoutDraws(weights, shape);

    private protected override double StructuredStd(Shape shape)
    {
        var (outChannels, inChannels) = Channels(shape);
        return PatternStd.OfIndicator((long)Groups * Math.Min(outChannels / Groups, inChannels), shape.Size, 1);
    }

    private (int Out, int In) Channels(Shape shape) =>
        Layout == FanLayout.Torch ? (shape[0], shape[1]) : (shape[shape.Rank - 1], shape[shape.Rank - 2]);

    // Row-major offset of (out o, in i, centre of every spatial dimension).
    private int Offset(Shape shape, int o, int i)
    {
        int rank = shape.Rank;
        var index = new int[rank];
        if (Layout == FanLayout.Torch)
        {
            index[0] = o;
            index[1] = i;
            for (int k = 2; k < rank; k++) index[k] = shape[k] / 2;
        }
        else
        {
            for (int k = 0; k < rank - 2; k++) index[k] = shape[k] / 2;
            index[rank - 2] = i;
            index[rank - 1] = o;
        }
        long offset = 0;
        for (int k = 0; k < rank; k++) offset = offset * shape[k] + index[k];
        return (int)offset;
    }
}
