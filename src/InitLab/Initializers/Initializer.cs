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
    /// Fills <paramref name="weights"/> from PyTorch's generator exactly as the scheme's <c>torch.nn.init</c> function
    /// does (see <see cref="TorchInit"/>): the same bits as <c>torch.manual_seed(s); torch.nn.init.X_(w)</c> for a
    /// <see cref="TorchGenerator"/> seeded with s. Schemes that draw nothing (constant, zeros, ones, eye, identity, dirac)
    /// fill as usual. float and double only.
    /// </summary>
    /// <exception cref="ArgumentException">weights.Length != shape.Size; the shape does not suit the scheme; T is not float
    /// or double; or the scheme (or this configuration of it) has no <c>torch.nn.init</c> counterpart (lecun_*,
    /// variance_scaling, delta_orthogonal, spectral normalization, kaiming with fan_avg, fans in the keras layout).</exception>
    public void Fill<T>(Span<T> weights, Shape shape, TorchGenerator generator) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(generator);
        if (weights.Length != shape.Size)
            throw new ArgumentException($"weights has {weights.Length} elements but shape {shape} needs {shape.Size}.", nameof(weights));
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw new ArgumentException($"the torch generator fills float32 and float64 tensors, not {typeof(T).Name}.", nameof(weights));
        ValidateShape(shape);
        FillTorchCore(weights, shape, generator);
    }

    /// <summary>A new tensor of <paramref name="shape"/> filled from PyTorch's generator (see <see cref="Fill{T}(Span{T}, Shape, TorchGenerator)"/>).</summary>
    /// <exception cref="ArgumentException">As <see cref="Fill{T}(Span{T}, Shape, TorchGenerator)"/>.</exception>
    public DenseTensor<T> Create<T>(Shape shape, TorchGenerator generator) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var tensor = DenseTensor<T>.Zeros(shape);
        Fill(tensor.Span, shape, generator);
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

    /// <summary>The scheme's <c>torch.nn.init</c> function on PyTorch's generator; by default the scheme has none.</summary>
    private protected virtual void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator) where T : unmanaged, IFloatingPointIeee754<T> =>
        throw NoTorchCounterpart(null);

    /// <summary>For schemes that draw no random numbers: the ordinary fill (its generator is never used).</summary>
    private protected void FillWithoutDraws<T>(Span<T> weights, Shape shape) where T : unmanaged, IFloatingPointIeee754<T> =>
        FillCore(weights, shape, Unused, 1);

    private static readonly Generator Unused = new(0);

    private protected ArgumentException NoTorchCounterpart(string? why) => new(why is null
        ? $"scheme '{Name}' has no torch.nn.init counterpart, so the torch generator cannot reproduce it; schemes with one: {string.Join(", ", Schemes.TorchNames)}."
        : $"scheme '{Name}' {why}, so the torch generator cannot reproduce it.", "generator");

    private protected virtual ElementDistribution? Law(Shape shape) => null;

    private protected virtual double StructuredStd(Shape shape) => double.NaN;

    /// <inheritdoc/>
    public override string ToString() => Name;
}
