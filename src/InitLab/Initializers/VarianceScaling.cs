using System.Globalization;
using System.Numerics;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// The one variance-scaling core (Keras <c>VarianceScaling</c>, JAX <c>variance_scaling</c>): every element has
/// mean 0 and std = sqrt(scale / fan), fan = fan_in, fan_out or (fan_in + fan_out) / 2 (see <see cref="Fans"/>).
/// <list type="bullet">
/// <item>normal: N(0, std^2);</item>
/// <item>uniform: U(-bound, bound) with bound = sqrt(3) std (a uniform on [-b, b] has std b / sqrt(3));</item>
/// <item>truncated_normal: N(0, sigma^2) truncated to [-2 sigma, 2 sigma] with sigma = std / 0.87962566103423978,
/// so the std AFTER truncation is std.</item>
/// </list>
/// Glorot, He, LeCun and PyTorch's layer default are presets of this class (see <see cref="Init"/>).
/// </summary>
public sealed class VarianceScaling : Initializer
{
    /// <summary>The std of a standard normal truncated to (-2, 2): sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)) (Keras and JAX use the same constant).</summary>
    public const double TruncatedStdAtTwo = 0.87962566103423978;

    private readonly Func<Shape, Fans> _fans;
    private readonly string _name;

    /// <summary>Creates the core with fans taken in <paramref name="layout"/>.</summary>
    /// <exception cref="ArgumentException">scale is negative, NaN or infinite; mode, distribution or layout is not a defined value.</exception>
    public VarianceScaling(double scale, FanMode mode, VarianceDistribution distribution, FanLayout layout = FanLayout.Torch)
        : this("variance_scaling", scale, mode, distribution, layout)
    {
    }

    internal VarianceScaling(string name, double scale, FanMode mode, VarianceDistribution distribution, FanLayout layout)
        : this(name, scale, mode, distribution, s => Fans.Of(s, layout))
    {
        if (!Enum.IsDefined(layout)) throw Names.Unknown(nameof(layout), layout.ToString(), Names.Layouts);
        Layout = layout;
    }

    private VarianceScaling(string name, double scale, FanMode mode, VarianceDistribution distribution, Func<Shape, Fans> fans)
    {
        Guard.NonNegative(scale);
        if (!Enum.IsDefined(mode)) throw Names.Unknown(nameof(mode), mode.ToString(), Names.FanModes);
        if (!Enum.IsDefined(distribution)) throw Names.Unknown(nameof(distribution), distribution.ToString(), Names.Distributions);
        _name = name;
        Scale = scale;
        Mode = mode;
        Distribution = distribution;
        _fans = fans;
    }

    /// <summary>
    /// The core with explicit fan axes (JAX's in_axis, out_axis, batch_axis); see <see cref="Fans.Of(Shape, ReadOnlySpan{int}, ReadOnlySpan{int}, ReadOnlySpan{int})"/>.
    /// </summary>
    /// <exception cref="ArgumentException">As the constructor.</exception>
    public static VarianceScaling WithAxes(double scale, FanMode mode, VarianceDistribution distribution, int[] inAxes, int[] outAxes, int[]? batchAxes = null)
    {
        ArgumentNullException.ThrowIfNull(inAxes);
        ArgumentNullException.ThrowIfNull(outAxes);
        int[] i = (int[])inAxes.Clone(), o = (int[])outAxes.Clone(), b = (int[]?)batchAxes?.Clone() ?? [];
        return new VarianceScaling("variance_scaling", scale, mode, distribution, s => Fans.Of(s, i, o, b)) { Layout = null };
    }

    /// <inheritdoc/>
    public override string Name => _name;

    /// <summary>The variance multiplier: std^2 = scale / fan.</summary>
    public double Scale { get; }

    /// <summary>Which fan divides the scale.</summary>
    public FanMode Mode { get; }

    /// <summary>The element distribution.</summary>
    public VarianceDistribution Distribution { get; }

    /// <summary>The layout the fans are taken in, or null with explicit axes.</summary>
    public FanLayout? Layout { get; private init; }

    /// <summary>The torch.nn.init function this preset is (xavier_*, kaiming_*, torch_default), or null.</summary>
    internal TorchRecipe? Torch { get; init; }

    /// <summary>The target std sqrt(scale / fan) for <paramref name="shape"/> (after truncation for truncated_normal).</summary>
    /// <exception cref="ArgumentException">The fans of the shape are undefined.</exception>
    public double Std(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Math.Sqrt(Scale / _fans(shape).Fan(Mode));
    }

    private protected override void ValidateShape(Shape shape) => _fans(shape);

    private protected override void FillCore<T>(Span<T> weights, Shape shape, Generator generator, int threads)
    {
        if (weights.IsEmpty) return;
        double std = Std(shape);
        if (std == 0)
        {
            weights.Clear();
            return;
        }
        switch (Distribution)
        {
            case VarianceDistribution.Normal:
                Draw.Normal(generator, weights, 0, std, threads);
                break;
            case VarianceDistribution.Uniform:
                double bound = Math.Sqrt(3) * std;
                Draw.Uniform(generator, weights, -bound, bound, threads);
                break;
            default:
                double sigma = std / TruncatedStdAtTwo;
                Draw.TruncatedNormal(generator, weights, 0, sigma, -2 * sigma, 2 * sigma, threads);
                break;
        }
    }

    private protected override void FillTorchCore<T>(Span<T> weights, Shape shape, TorchGenerator generator)
    {
        if (Torch is null) throw NoTorchCounterpart(null);
        if (Layout != FanLayout.Torch)
            throw NoTorchCounterpart("takes its fans in the keras layout here, and torch.nn.init always takes them from (out, in, *kernel)");
        if (Torch.Kind is TorchRecipe.Function.KaimingUniform or TorchRecipe.Function.KaimingNormal && Mode == FanMode.FanAvg)
            throw NoTorchCounterpart("uses fan_avg here, and PyTorch's kaiming_* accepts fan_in or fan_out only");
        Torch.Fill(weights, shape, generator);
    }

    private protected override ElementDistribution? Law(Shape shape)
    {
        double std = Std(shape);
        if (!double.IsFinite(std)) return null;
        if (std == 0) return ElementDistribution.PointMass(0);
        return Distribution switch
        {
            VarianceDistribution.Normal => ElementDistribution.Normal(0, std),
            VarianceDistribution.Uniform => ElementDistribution.Uniform(-Math.Sqrt(3) * std, Math.Sqrt(3) * std),
            _ => ElementDistribution.TruncatedNormal(0, std / TruncatedStdAtTwo, -2 * std / TruncatedStdAtTwo, 2 * std / TruncatedStdAtTwo),
        };
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}(scale = {Scale:G6}, mode = {Names.Of(Mode)}, distribution = {Names.Of(Distribution)}, layout = {(Layout is { } l ? Names.Of(l) : "axes")})");
}
