using System.Numerics;
using InitLab.LinearAlgebra;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// A (semi-)orthogonal matrix times gain (Saxe, McClelland &amp; Ganguli 2014, "Exact solutions to the nonlinear dynamics
/// of learning in deep linear neural networks"; PyTorch <c>orthogonal_</c>, Keras <c>Orthogonal</c>), Haar-distributed
/// (<see cref="LinearAlgebra.Orthogonal"/>). A tensor of rank &gt;= 2 is flattened to a matrix: torch layout
/// (shape[0], rest), keras layout (rest, shape[-1]). Orthonormal rows when rows &lt; cols, else orthonormal columns;
/// element std = gain / sqrt(max(rows, cols)).
/// </summary>
public sealed class OrthogonalInitializer : Initializer
{
    /// <summary>Creates the orthogonal initializer.</summary>
    /// <exception cref="ArgumentException">gain is negative, NaN or infinite, or layout is not defined.</exception>
    public OrthogonalInitializer(double gain = 1, FanLayout layout = FanLayout.Torch)
    {
        Guard.NonNegative(gain);
        if (!Enum.IsDefined(layout)) throw Names.Unknown(nameof(layout), layout.ToString(), Names.Layouts);
        Gain = gain;
        Layout = layout;
    }

    /// <inheritdoc/>
    public override string Name => "orthogonal";

    /// <summary>The multiplier.</summary>
    public double Gain { get; }

    /// <summary>How the tensor is flattened to a matrix.</summary>
    public FanLayout Layout { get; }

    /// <summary>The matrix (rows, cols) the tensor is flattened to.</summary>
    public (int Rows, int Cols) MatrixShape(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ValidateShape(shape);
        return Flatten(shape, Layout);
    }

    internal static (int Rows, int Cols) Flatten(Shape shape, FanLayout layout)
    {
        if (shape.Size == 0) return (0, 0);
        return layout == FanLayout.Torch
            ? (shape[0], (int)(shape.Size / shape[0]))
            : ((int)(shape.Size / shape[shape.Rank - 1]), shape[shape.Rank - 1]);
    }

    private protected override void ValidateShape(Shape shape)
    {
        if (shape.Rank < 2)
            throw new ArgumentException($"orthogonal needs a tensor with 2 or more dimensions, got shape {shape}; reshape a vector to (1, n).", nameof(shape));
    }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        if (weights.IsEmpty) return;
        var (rows, cols) = Flatten(shape, Layout);
        SampleScaled(generator, weights, rows, cols, Gain, threads);
    }

    internal static void SampleScaled<T>(Generator generator, Span<T> q, int rows, int cols, double gain, int threads = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            LinearAlgebra.Orthogonal.Sample(generator, System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(q), rows, cols, threads);
        else if (typeof(T) == typeof(double))
            LinearAlgebra.Orthogonal.Sample(generator, System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(q), rows, cols, threads);
        else
        {
            var d = new double[q.Length];
            LinearAlgebra.Orthogonal.Sample(generator, d, rows, cols, threads);
            for (int i = 0; i < q.Length; i++) q[i] = T.CreateTruncating(d[i]);
        }
        if (gain != 1)
        {
            T g = T.CreateTruncating(gain);
            for (int i = 0; i < q.Length; i++) q[i] *= g;
        }
    }

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator)
    {
        if (Layout != FanLayout.Torch) throw NoTorchCounterpart("flattens in the keras layout, which torch.nn.init.orthogonal_ does not");
        TorchInit.Orthogonal(weights, shape, generator, Gain);
    }

    private protected override double StructuredStd(Shape shape)
    {
        var (rows, cols) = Flatten(shape, Layout);
        return rows == 0 || cols == 0 ? double.NaN : Gain / Math.Sqrt(Math.Max(rows, cols));
    }
}
