using System.Numerics;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// A weight initializer: fills a tensor of a given shape in place from an explicit <see cref="Generator"/>.
/// Works on float, double (and other IEEE types through double). The same generator state gives the same bits
/// on any thread count.
/// </summary>
/// <remarks>
/// Parameters are validated when the initializer is created; the shape (rank, dimensions) when it fills.
/// Instances are immutable and can be shared. Create them with <see cref="Init"/> or by name with <see cref="Schemes"/>.
/// </remarks>
public abstract class Initializer
{
    private protected Initializer() { }

    /// <summary>The scheme name (snake_case, as in <see cref="Schemes.Names"/>).</summary>
    public abstract string Name { get; }

    /// <summary>Fills <paramref name="weights"/>, a row-major tensor of <paramref name="shape"/>.</summary>
    /// <param name="weights">The tensor's elements, row-major.</param>
    /// <param name="shape">The tensor's shape (its layout sets the fans).</param>
    /// <param name="generator">The random generator; the fill advances it.</param>
    /// <param name="threads">Threads the fill may use: 0 = all cores, 1 = serial; the bits are the same for every value.</param>
    /// <exception cref="ArgumentException">weights.Length != shape.Size, the shape does not suit the scheme (the message says
    /// why), or threads is negative.</exception>
    public void Fill<T>(Span<T> weights, Shape shape, Generator generator, int threads = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(generator);
        Guard.Threads(threads);
        if (weights.Length != shape.Size)
            throw new ArgumentException($"weights has {weights.Length} elements but shape {shape} needs {shape.Size}.", nameof(weights));
        ValidateShape(shape);
        FillCore(weights, shape, generator, threads);
    }

    /// <summary>Fills a tensor in place on up to <paramref name="threads"/> threads (0 = all cores).</summary>
    /// <exception cref="ArgumentException">The shape does not suit the scheme, or threads is negative.</exception>
    public void Fill<T>(DenseTensor<T> tensor, Generator generator, int threads = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Fill(tensor.Span, tensor.Shape, generator, threads);
    }

    /// <summary>A new tensor of <paramref name="shape"/> filled by this initializer on up to <paramref name="threads"/>
    /// threads (0 = all cores).</summary>
    /// <exception cref="ArgumentException">The shape does not suit the scheme, or threads is negative.</exception>
    public DenseTensor<T> Create<T>(Shape shape, Generator generator, int threads = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensor = DenseTensor<T>.Zeros(shape);
        Fill(tensor, generator, threads);
        return tensor;
    }

    /// <summary>
    /// The exact law of each element when the elements of a tensor of <paramref name="shape"/> are i.i.d.;
    /// null for structured schemes (orthogonal, eye, dirac, sparse, ...).
    /// </summary>
    /// <exception cref="ArgumentException">The shape does not suit the scheme.</exception>
    public ElementDistribution? DistributionOf(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ValidateShape(shape);
        return Law(shape);
    }

    /// <summary>The target std of the elements for <paramref name="shape"/> (after truncation, if any); NaN when not defined.</summary>
    public double TargetStd(Shape shape) => DistributionOf(shape)?.Std ?? StructuredStd(shape);

    private protected virtual void ValidateShape(Shape shape) { }

    private protected abstract void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads) where T : unmanaged, IFloatingPointIeee754<T>;

    private protected virtual ElementDistribution? Law(Shape shape) => null;

    private protected virtual double StructuredStd(Shape shape) => double.NaN;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
