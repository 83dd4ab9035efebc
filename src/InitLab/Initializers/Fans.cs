using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// The fans of a weight tensor: fan_in = in * rf and fan_out = out * rf, where the receptive field rf is the product
/// of the kernel dimensions (1 for a matrix). PyTorch layout (out, in, *kernel): in = shape[1], out = shape[0];
/// Keras layout (*kernel, in, out): in = shape[-2], out = shape[-1]. With explicit axes (as JAX's
/// <c>variance_scaling(in_axis, out_axis, batch_axis)</c>), in and out are products over their axes and rf is the
/// product of every axis that is neither in, out nor batch.
/// </summary>
/// <param name="FanIn">Number of inputs feeding one output unit.</param>
/// <param name="FanOut">Number of outputs one input unit feeds.</param>
/// <param name="ReceptiveField">Product of the kernel dimensions.</param>
public sealed record Fans(long FanIn, long FanOut, long ReceptiveField)
{
    /// <summary>(fan_in + fan_out) / 2.</summary>
    public double FanAvg => (FanIn + FanOut) / 2.0;

    /// <summary>The fan a variance-scaling initializer divides by in <paramref name="mode"/>.</summary>
    public double Fan(FanMode mode) => mode switch
    {
        FanMode.FanIn => FanIn,
        FanMode.FanOut => FanOut,
        FanMode.FanAvg => FanAvg,
        _ => throw Names.Unknown(nameof(mode), mode.ToString(), Names.FanModes),
    };

    /// <summary>Fans of <paramref name="shape"/> in a layout; PyTorch's <c>_calculate_fan_in_and_fan_out</c> for <see cref="FanLayout.Torch"/>.</summary>
    /// <exception cref="ArgumentException">The rank is below 2 (fans are undefined, as in PyTorch).</exception>
    public static Fans Of(Shape shape, FanLayout layout = FanLayout.Torch)
    {
        ArgumentNullException.ThrowIfNull(shape);
        RequireMatrixLike(shape, nameof(shape));
        long rf = 1;
        int rank = shape.Rank;
        switch (layout)
        {
            case FanLayout.Torch:
                for (int i = 2; i < rank; i++) rf *= shape[i];
                return new Fans(shape[1] * rf, shape[0] * rf, rf);
            case FanLayout.Keras:
                for (int i = 0; i < rank - 2; i++) rf *= shape[i];
                return new Fans(shape[rank - 2] * rf, shape[rank - 1] * rf, rf);
            default:
                throw Names.Unknown(nameof(layout), layout.ToString(), Names.Layouts);
        }
    }

    /// <summary>
    /// Fans with explicit axes (JAX semantics): fan_in = prod(shape[inAxes]) * rf, fan_out = prod(shape[outAxes]) * rf,
    /// rf = product of the remaining non-batch axes. Axes may be negative (counted from the end).
    /// </summary>
    /// <exception cref="ArgumentException">An axis is out of range or appears twice.</exception>
    public static Fans Of(Shape shape, ReadOnlySpan<int> inAxes, ReadOnlySpan<int> outAxes, ReadOnlySpan<int> batchAxes = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var role = new int[shape.Rank]; // 0 = receptive field, 1 = in, 2 = out, 3 = batch
        Assign(role, inAxes, 1, shape, nameof(inAxes));
        Assign(role, outAxes, 2, shape, nameof(outAxes));
        Assign(role, batchAxes, 3, shape, nameof(batchAxes));
        long fanIn = 1, fanOut = 1, rf = 1;
        for (int i = 0; i < shape.Rank; i++)
        {
            if (role[i] == 0) rf *= shape[i];
            else if (role[i] == 1) fanIn *= shape[i];
            else if (role[i] == 2) fanOut *= shape[i];
        }
        return new Fans(fanIn * rf, fanOut * rf, rf);
    }

    internal static void RequireMatrixLike(Shape shape, string parameter)
    {
        if (shape.Rank < 2)
            throw new ArgumentException(
                $"fan_in and fan_out are undefined for shape {shape} of rank {shape.Rank}; they need at least 2 dimensions (out, in). " +
                "Reshape a vector of n weights to (1, n), or pass explicit in/out axes.", parameter);
    }

    private static void Assign(int[] role, ReadOnlySpan<int> axes, int value, Shape shape, string parameter)
    {
        foreach (int axis in axes)
        {
            int a = axis < 0 ? axis + shape.Rank : axis;
            if (a < 0 || a >= shape.Rank)
                throw new ArgumentException($"{parameter} holds axis {axis}, outside shape {shape} of rank {shape.Rank}.", parameter);
            if (role[a] != 0)
                throw new ArgumentException($"{parameter} holds axis {axis}, which is already used as an in, out or batch axis.", parameter);
            role[a] = value;
        }
    }
}
