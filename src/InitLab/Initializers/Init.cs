using InitLab.Activations;
using InitLab.Numerics;

namespace InitLab.Initializers;

/// <summary>
/// Every named initializer of PyTorch (<c>torch.nn.init</c>), Keras and JAX. The variance-scaling schemes are one-line
/// presets of <see cref="VarianceScaling"/> with std^2 = scale / fan; names that PyTorch has keep PyTorch's semantics
/// (xavier_*, kaiming_* and their aliases glorot_*, he_* are UNtruncated), lecun_* keep Keras/JAX semantics.
/// Keras/JAX <c>glorot_normal</c> and <c>he_normal</c> are truncated: write them as
/// <c>new VarianceScaling(1, FanMode.FanAvg, VarianceDistribution.TruncatedNormal)</c> and
/// <c>new VarianceScaling(2, FanMode.FanIn, VarianceDistribution.TruncatedNormal)</c>.
/// </summary>
public static class Init
{
    /// <summary>U[low, high) (PyTorch <c>uniform_</c>).</summary>
    public static Initializer Uniform(double low = 0, double high = 1) => new UniformInitializer(low, high);

    /// <summary>N(mean, std^2) (PyTorch <c>normal_</c>).</summary>
    public static Initializer Normal(double mean = 0, double std = 1) => new NormalInitializer(mean, std);

    /// <summary>N(mean, std^2) truncated to the absolute interval [a, b] (PyTorch <c>trunc_normal_</c>).</summary>
    public static Initializer TruncNormal(double mean = 0, double std = 1, double a = -2, double b = 2) => new TruncatedNormalInitializer(mean, std, a, b);

    /// <summary>N(mean, std^2) truncated to [mean + lower std, mean + upper std] (bounds in units of std).</summary>
    public static Initializer TruncNormalInStds(double mean = 0, double std = 1, double lower = -2, double upper = 2) =>
        TruncatedNormalInitializer.InStds(mean, std, lower, upper);

    /// <summary>Every element = value (PyTorch <c>constant_</c>).</summary>
    public static Initializer Constant(double value) => new ConstantInitializer(value);

    /// <summary>Given values (a real model's weights) under <paramref name="name"/>; see <see cref="GivenInitializer"/>.</summary>
    public static Initializer Given(float[] values, string name = "given") => new GivenInitializer(values, name);

    /// <summary>Every element = 0 (PyTorch <c>zeros_</c>).</summary>
    public static Initializer Zeros() => new ConstantInitializer("zeros", 0);

    /// <summary>Every element = 1 (PyTorch <c>ones_</c>).</summary>
    public static Initializer Ones() => new ConstantInitializer("ones", 1);

    /// <summary>The identity matrix for 2-D weights (PyTorch <c>eye_</c>).</summary>
    public static Initializer Eye() => new EyeInitializer("eye", 1);

    /// <summary>gain * I for 2-D weights (Keras <c>Identity(gain)</c>).</summary>
    public static Initializer Identity(double gain = 1) => new EyeInitializer("identity", gain);

    /// <summary>The Dirac delta kernel for 3-, 4-, 5-D convolutions (PyTorch <c>dirac_(groups)</c>).</summary>
    public static Initializer Dirac(int groups = 1, FanLayout layout = FanLayout.Torch) => new DiracInitializer(groups, layout);

    /// <summary>Sparse columns with N(0, std^2) non-zeros (Martens 2010; PyTorch <c>sparse_</c>).</summary>
    public static Initializer Sparse(double sparsity, double std = 0.01) => new SparseInitializer(sparsity, std);

    /// <summary>Haar (semi-)orthogonal times gain (Saxe et al. 2014; PyTorch <c>orthogonal_</c>).</summary>
    public static Initializer Orthogonal(double gain = 1, FanLayout layout = FanLayout.Torch) => new OrthogonalInitializer(gain, layout);

    /// <summary>Delta-orthogonal convolution kernels (Xiao et al. 2018; JAX <c>delta_orthogonal</c>).</summary>
    public static Initializer DeltaOrthogonal(double scale = 1, FanLayout layout = FanLayout.Torch) => new DeltaOrthogonalInitializer(scale, layout);

    /// <summary>The variance-scaling core: std = sqrt(scale / fan) (Keras default: scale 1, fan_in, truncated_normal).</summary>
    public static Initializer VarianceScaling(double scale = 1, FanMode mode = FanMode.FanIn,
        VarianceDistribution distribution = VarianceDistribution.TruncatedNormal, FanLayout layout = FanLayout.Torch) =>
        new Initializers.VarianceScaling(scale, mode, distribution, layout);

    /// <summary>Glorot &amp; Bengio (2010): U(-b, b), b = gain sqrt(6 / (fan_in + fan_out)), std = gain sqrt(2 / (fan_in + fan_out)).</summary>
    /// <exception cref="ArgumentException">gain is negative, NaN or infinite.</exception>
    public static Initializer XavierUniform(double gain = 1, FanLayout layout = FanLayout.Torch) =>
        Preset("xavier_uniform", GainSquared(gain), FanMode.FanAvg, VarianceDistribution.Uniform, layout, new(TorchRecipe.Function.XavierUniform, Gain: gain));

    /// <summary>Glorot &amp; Bengio (2010): N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out)) (untruncated, as PyTorch).</summary>
    /// <exception cref="ArgumentException">gain is negative, NaN or infinite.</exception>
    public static Initializer XavierNormal(double gain = 1, FanLayout layout = FanLayout.Torch) =>
        Preset("xavier_normal", GainSquared(gain), FanMode.FanAvg, VarianceDistribution.Normal, layout, new(TorchRecipe.Function.XavierNormal, Gain: gain));

    /// <summary>Alias of <see cref="XavierUniform"/>.</summary>
    public static Initializer GlorotUniform(double gain = 1, FanLayout layout = FanLayout.Torch) => XavierUniform(gain, layout);

    /// <summary>Alias of <see cref="XavierNormal"/> (PyTorch semantics: untruncated).</summary>
    public static Initializer GlorotNormal(double gain = 1, FanLayout layout = FanLayout.Torch) => XavierNormal(gain, layout);

    /// <summary>
    /// He et al. (2015), PyTorch semantics: U(-b, b), b = gain sqrt(3 / fan), std = gain / sqrt(fan), with
    /// gain = <see cref="Gain.Recommended(string, double?)"/>(nonlinearity, a). Defaults as PyTorch: a = 0, fan_in,
    /// leaky_relu, so gain = sqrt(2).
    /// </summary>
    /// <exception cref="ArgumentException">a is NaN or infinite, or the nonlinearity is not in PyTorch's gain table.</exception>
    public static Initializer KaimingUniform(double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", FanLayout layout = FanLayout.Torch) =>
        Preset("kaiming_uniform", KaimingScale(a, nonlinearity), mode, VarianceDistribution.Uniform, layout,
            new(TorchRecipe.Function.KaimingUniform, A: a, Mode: mode, Nonlinearity: nonlinearity));

    /// <summary>
    /// He et al. (2015), PyTorch semantics: N(0, std^2), std = gain / sqrt(fan), untruncated, with
    /// gain = <see cref="Gain.Recommended(string, double?)"/>(nonlinearity, a). (Keras/JAX he_normal is truncated:
    /// <c>new VarianceScaling(2, FanMode.FanIn, VarianceDistribution.TruncatedNormal)</c>.)
    /// </summary>
    /// <exception cref="ArgumentException">a is NaN or infinite, or the nonlinearity is not in PyTorch's gain table.</exception>
    public static Initializer KaimingNormal(double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", FanLayout layout = FanLayout.Torch) =>
        Preset("kaiming_normal", KaimingScale(a, nonlinearity), mode, VarianceDistribution.Normal, layout,
            new(TorchRecipe.Function.KaimingNormal, A: a, Mode: mode, Nonlinearity: nonlinearity));

    /// <summary>
    /// He et al. (2015) for an activation given as an object: U(-b, b), b = gain sqrt(3 / fan), gain =
    /// <see cref="Gain.Recommended(Activation)"/> (PyTorch's table, with leaky_relu's own slope):
    /// <c>Init.KaimingUniform(Activation.Relu)</c> is <c>Init.KaimingUniform(nonlinearity: "relu")</c>.
    /// </summary>
    /// <exception cref="ArgumentException">PyTorch's gain table has no entry for the activation (use <see cref="VarianceScaling"/>
    /// with <see cref="Gain.Exact(Activation)"/> squared as the scale).</exception>
    public static Initializer KaimingUniform(Activation activation, FanMode mode = FanMode.FanIn, FanLayout layout = FanLayout.Torch)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return KaimingUniform(activation.Parameter ?? 0, mode, activation.Name, layout);
    }

    /// <summary>
    /// He et al. (2015) for an activation given as an object: N(0, std^2), std = gain / sqrt(fan), gain =
    /// <see cref="Gain.Recommended(Activation)"/>: <c>Init.KaimingNormal(Activation.Relu)</c> is
    /// <c>Init.KaimingNormal(nonlinearity: "relu")</c>.
    /// </summary>
    /// <exception cref="ArgumentException">PyTorch's gain table has no entry for the activation.</exception>
    public static Initializer KaimingNormal(Activation activation, FanMode mode = FanMode.FanIn, FanLayout layout = FanLayout.Torch)
    {
        ArgumentNullException.ThrowIfNull(activation);
        return KaimingNormal(activation.Parameter ?? 0, mode, activation.Name, layout);
    }

    /// <summary>Alias of <see cref="KaimingUniform(double, FanMode, string, FanLayout)"/>.</summary>
    public static Initializer HeUniform(double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", FanLayout layout = FanLayout.Torch) =>
        KaimingUniform(a, mode, nonlinearity, layout);

    /// <summary>Alias of <see cref="KaimingNormal(double, FanMode, string, FanLayout)"/> (PyTorch semantics: untruncated).</summary>
    public static Initializer HeNormal(double a = 0, FanMode mode = FanMode.FanIn, string nonlinearity = "leaky_relu", FanLayout layout = FanLayout.Torch) =>
        KaimingNormal(a, mode, nonlinearity, layout);

    /// <summary>LeCun et al. (1998), Keras/JAX semantics: U(-b, b), b = sqrt(3 / fan_in), std = 1 / sqrt(fan_in).</summary>
    public static Initializer LecunUniform(FanLayout layout = FanLayout.Torch) =>
        Preset("lecun_uniform", 1, FanMode.FanIn, VarianceDistribution.Uniform, layout);

    /// <summary>
    /// LeCun et al. (1998), Keras/JAX semantics (Klambauer et al. 2017 use it for SELU): truncated normal on +-2 sigma whose
    /// std AFTER truncation is 1 / sqrt(fan_in).
    /// </summary>
    public static Initializer LecunNormal(FanLayout layout = FanLayout.Torch) =>
        Preset("lecun_normal", 1, FanMode.FanIn, VarianceDistribution.TruncatedNormal, layout);

    /// <summary>
    /// PyTorch's default for <c>nn.Linear</c> and <c>nn.ConvNd</c> weights: kaiming_uniform with a = sqrt(5), i.e.
    /// gain^2 = 2 / (1 + 5) = 1/3 and U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)), std = 1 / sqrt(3 fan_in).
    /// </summary>
    public static Initializer TorchDefault(FanLayout layout = FanLayout.Torch) =>
        Preset("torch_default", 1.0 / 3.0, FanMode.FanIn, VarianceDistribution.Uniform, layout, new(TorchRecipe.Function.KaimingUniform, A: Math.Sqrt(5)));

    /// <summary>
    /// <paramref name="inner"/> followed by spectral normalization to sigma_max = <paramref name="target"/> (Miyato et al. 2018),
    /// the matrix being the tensor flattened to (shape[0], rest) in torch layout.
    /// </summary>
    public static Initializer SpectralNormalized(Initializer inner, double target = 1, FanLayout layout = FanLayout.Torch) =>
        new SpectralNormalizedInitializer(inner, target, 1e-6, layout);

    /// <summary>
    /// The rows of the tensor as <paramref name="blocks"/>.Length equal blocks, block i drawn by blocks[i] with the block's own fans
    /// (e.g. an attention's in_proj_weight (3D, D) as W_q, W_k, W_v): see <see cref="StackedInitializer"/>.
    /// </summary>
    public static Initializer Stacked(params Initializer[] blocks) => new StackedInitializer(blocks);

    private static Initializers.VarianceScaling Preset(string name, double scale, FanMode mode, VarianceDistribution distribution, FanLayout layout,
        TorchRecipe? torch = null) =>
        new(name, scale, mode, distribution, layout) { Torch = torch };

    private static double KaimingScale(double a, string nonlinearity)
    {
        Guard.Finite(a);
        ArgumentNullException.ThrowIfNull(nonlinearity);
        double gain = Gain.Recommended(nonlinearity, a);
        return gain * gain;
    }

    private static double GainSquared(double gain)
    {
        Guard.NonNegative(gain);
        return gain * gain;
    }
}
