using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// Sparse initialization (Martens 2010, "Deep learning via Hessian-free optimization"; PyTorch <c>sparse_</c>) for a
/// 2-D tensor (rows, cols): every element ~ N(0, std^2), then in each column ceil(sparsity * rows) distinct rows,
/// chosen uniformly without replacement, are set to 0. Element std = std * sqrt(1 - zeros / rows).
/// </summary>
public sealed class SparseInitializer : Initializer
{
    /// <summary>Creates the sparse initializer (PyTorch default std 0.01).</summary>
    /// <exception cref="ArgumentException">sparsity is outside [0, 1), or std is negative or not finite.</exception>
    public SparseInitializer(double sparsity, double std = 0.01)
    {
        if (!(sparsity >= 0 && sparsity < 1))
            throw new ArgumentException($"sparsity must be in [0, 1), got {Guard.Fmt(sparsity)}.", nameof(sparsity));
        Guard.NonNegative(std);
        Sparsity = sparsity;
        Std = std;
    }

    /// <inheritdoc/>
    public override string Name => "sparse";

    /// <summary>Fraction of each column set to zero (rounded up to whole rows).</summary>
    public double Sparsity { get; }

    /// <summary>Std of the non-zero elements.</summary>
    public double Std { get; }

    /// <summary>Zeros per column: ceil(sparsity * rows).</summary>
    public int ZerosPerColumn(int rows) => (int)Math.Ceiling(Sparsity * rows);

    private protected override void ValidateShape(Shape shape)
    {
        if (shape.Rank != 2)
            throw new ArgumentException($"sparse needs a 2-D shape (rows, cols), got {shape}; reshape the tensor to 2-D first.", nameof(shape));
    }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        if (weights.IsEmpty) return;
        int rows = shape[0], cols = shape[1], zeros = ZerosPerColumn(rows);
        Draw.Normal(generator, weights, 0, Std, threads);
        if (zeros == 0) return;
        // Partial Fisher-Yates shuffle per column, from one block of uniforms drawn up front.
        var u = new double[(long)cols * zeros];
        generator.Uniform(u, threads);
        var perm = new int[rows];
        for (int j = 0; j < cols; j++)
        {
            for (int r = 0; r < rows; r++) perm[r] = r;
            for (int t = 0; t < zeros; t++)
            {
                int pick = t + Math.Min(rows - t - 1, (int)(u[(long)j * zeros + t] * (rows - t)));
                (perm[t], perm[pick]) = (perm[pick], perm[t]);
                weights[perm[t] * cols + j] = T.Zero;
            }
        }
    }

    /// <summary>PyTorch's sparse_: normal_ on the whole tensor, then one randperm(rows) per column (see <see cref="TorchInit.Sparse{T}"/>).</summary>
    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator) =>
        TorchInit.Sparse(weights, shape, generator, Sparsity, Std);

    private protected override double StructuredStd(Shape shape) =>
        shape[0] == 0 ? double.NaN : Std * Math.Sqrt(1 - (double)ZerosPerColumn(shape[0]) / shape[0]);
}
