using InitLab.LinearAlgebra;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// Any initializer followed by spectral normalization (Miyato et al. 2018): the tensor, flattened to a matrix as
/// <see cref="OrthogonalInitializer"/> does (torch: (shape[0], rest); keras: (rest, shape[-1])), is scaled so that its
/// largest singular value equals <see cref="Target"/>, with sigma_max estimated by power iteration to
/// <see cref="RelativeTolerance"/> (<see cref="SpectralNorm.NormalizeInPlace(Span{double}, int, int, double, Generator, double, int, int)"/>).
/// The power iteration's start vector comes from the same generator, after the inner fill.
/// </summary>
public sealed class SpectralNormalizedInitializer : Initializer
{
    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <exception cref="ArgumentException">target is not a finite number &gt; 0, or relativeTolerance is not in (0, 1).</exception>
    public SpectralNormalizedInitializer(Initializer inner, double target = 1, double relativeTolerance = 1e-6, FanLayout layout = FanLayout.Torch)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Guard.Positive(target);
        if (!(relativeTolerance > 0 && relativeTolerance < 1))
            throw new ArgumentException($"relativeTolerance must be in (0, 1), got {Guard.Fmt(relativeTolerance)}.", nameof(relativeTolerance));
        if (!Enum.IsDefined(layout)) throw Names.Unknown(nameof(layout), layout.ToString(), Names.Layouts);
        Inner = inner;
        Target = target;
        RelativeTolerance = relativeTolerance;
        Layout = layout;
    }

    /// <inheritdoc/>
    public override string Name => "spectral_normalized";

    /// <summary>The initializer whose output is normalized.</summary>
    public Initializer Inner { get; }

    /// <summary>The spectral norm of the result.</summary>
    public double Target { get; }

    /// <summary>Relative tolerance of the power iteration.</summary>
    public double RelativeTolerance { get; }

    /// <summary>How the tensor is flattened to a matrix.</summary>
    public FanLayout Layout { get; }

    private protected override void ValidateShape(Shape shape)
    {
        if (shape.Rank < 2)
            throw new ArgumentException($"spectral normalization needs a tensor with 2 or more dimensions, got shape {shape}; reshape a vector to (1, n).", nameof(shape));
        Inner.DistributionOf(shape);
    }

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        Inner.Fill(weights, shape, generator, threads);
        if (weights.IsEmpty) return;
        var (rows, cols) = OrthogonalInitializer.Flatten(shape, Layout);
        var wide = new double[weights.Length];
        for (int i = 0; i < wide.Length; i++) wide[i] = double.CreateTruncating(weights[i]);
        SpectralNorm.NormalizeInPlace(wide, rows, cols, Target, generator, RelativeTolerance, threads: threads);
        for (int i = 0; i < wide.Length; i++) weights[i] = T.CreateTruncating(wide[i]);
    }

    /// <inheritdoc/>
    public override string ToString() => $"spectral_normalized({Inner}, target = {Guard.Fmt(Target)})";
}
