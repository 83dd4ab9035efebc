using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Propagation;

/// <summary>
/// How a layer's weight matrix W (fan_out x fan_in, PyTorch layout) is drawn. The ensemble engine can sample
/// <c>X W^T</c> exactly only for <see cref="Gaussian"/> and <see cref="Orthogonal"/>; any other scheme runs on the
/// explicit engine.
/// </summary>
public abstract record WeightDistribution
{
    private WeightDistribution() { }

    /// <summary>
    /// The weight distribution of the initializer called <paramref name="scheme"/> (a name of <see cref="Schemes"/>, aliases
    /// included) with <paramref name="options"/>, as <see cref="FromInitializer"/> maps it.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown scheme, an option the scheme does not use, or a bad option value
    /// (<see cref="Schemes.Create"/>).</exception>
    public static WeightDistribution FromScheme(string scheme, InitializerOptions? options = null) =>
        FromInitializer(Schemes.Create(scheme, options));

    /// <summary>
    /// Maps an initializer to what the engines need: an untruncated zero-mean normal becomes <see cref="Gaussian"/> with
    /// the initializer's std for each layer's (fan_in, fan_out) (the ensemble engine samples it exactly), orthogonal
    /// becomes <see cref="Orthogonal"/> with its gain, and every other scheme becomes <see cref="Custom"/>, filled by the
    /// initializer's own sampler for a (fan_out, fan_in) matrix (explicit engine only), with <see cref="Custom.StdOf"/>
    /// when its elements are i.i.d. with mean 0. Each keeps the initializer as <see cref="Scheme"/>, through which the
    /// torch generator fills.
    /// </summary>
    public static WeightDistribution FromInitializer(Initializer initializer)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        if (initializer is OrthogonalInitializer orthogonal) return new Orthogonal(orthogonal.Gain) { Scheme = initializer };
        var probe = initializer.DistributionOf(new Shape(4, 4));
        if (probe is { Kind: DistributionKind.Normal, Mean: 0 })
            return new Gaussian(initializer.Name, (fanIn, fanOut) => initializer.DistributionOf(new Shape(fanOut, fanIn))!.Std) { Scheme = initializer };
        var custom = new Custom(initializer.Name, (g, w, rows, cols) => initializer.Fill(w.Span, new Shape(rows, cols), g)) { Scheme = initializer };
        // i.i.d. zero-mean elements (uniform, truncated normal): the mean-field engine and the diagnosis know their scale.
        return probe is { Mean: 0 } ? custom with { StdOf = (fanIn, fanOut) => initializer.DistributionOf(new Shape(fanOut, fanIn))!.Std } : custom;
    }

    /// <summary>A short description, e.g. <c>N(0, 2/fan_in)</c>.</summary>
    public abstract string Describe();

    /// <summary>Fills <paramref name="w"/> (rows x cols, row-major) with one draw on up to <paramref name="threads"/>
    /// threads (0 = all cores; the bits are the same for every value).</summary>
    public abstract void Fill(Generator g, Span<float> w, int rows, int cols, int threads = 0);

    /// <summary>The named initializer this distribution stands for, if any: the torch generator fills through it.</summary>
    public Initializer? Scheme { get; init; }

    /// <summary>
    /// Fills <paramref name="w"/> (rows x cols) from PyTorch's generator as a PyTorch script would initialize a
    /// <c>torch.empty(rows, cols)</c> weight: through <see cref="Scheme"/> when there is one (its <c>torch.nn.init</c>
    /// function), otherwise as the subclass documents.
    /// </summary>
    /// <exception cref="ArgumentException">The weights have no PyTorch counterpart.</exception>
    public virtual void FillTorch(TorchGenerator g, Span<float> w, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(g);
        if (Scheme is null)
            throw new ArgumentException($"weights '{Describe()}' have no torch.nn.init counterpart, so the torch generator cannot draw them.", nameof(g));
        Scheme.Fill(w, new Shape(rows, cols), g);
    }

    /// <summary>
    /// i.i.d. W_ij ~ N(0, std(fan_in, fan_out)^2): the mean-field convention std = sigma_w / sqrt(fan_in)
    /// (<see cref="WithSigmaW"/>), or any untruncated normal initializer (normal, xavier_normal, kaiming_normal, ...).
    /// </summary>
    /// <param name="Name">Description, e.g. <c>kaiming_normal</c> or <c>N(0, 2/fan_in)</c>.</param>
    /// <param name="StdOf">The weight std as a function of (fan_in, fan_out).</param>
    public sealed record Gaussian(string Name, Func<int, int, double> StdOf) : WeightDistribution
    {
        /// <summary>W_ij ~ N(0, sigma_w^2 / fan_in) (design.md's sigma_w).</summary>
        /// <exception cref="ArgumentException">sigma_w is negative or not finite; <see cref="Std"/> throws one naming sigma_w when
        /// sigma_w / sqrt(fan_in) overflows float32 (the weights' type).</exception>
        public static Gaussian WithSigmaW(double sigmaW)
        {
            Guard.NonNegative(sigmaW, "sigma_w");
            return new Gaussian($"N(0, {Guard.Fmt(sigmaW * sigmaW)}/fan_in)", (fanIn, _) =>
            {
                double std = sigmaW / Math.Sqrt(fanIn);
                if (std > float.MaxValue)
                    throw new ArgumentException(
                        $"sigma_w must be at most {(float.MaxValue * Math.Sqrt(fanIn)).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)} for a layer of fan_in {fanIn} (sigma_w / sqrt(fan_in) is the std of float32 weights), got {Guard.Fmt(sigmaW)}.",
                        "sigma_w");
                return std;
            });
        }

        /// <summary>Standard deviation of one weight of a fan_in -&gt; fan_out layer.</summary>
        public double Std(int fanIn, int fanOut) => StdOf(fanIn, fanOut);

        /// <summary>The equivalent sigma_w = std * sqrt(fan_in) of a layer.</summary>
        public double SigmaW(int fanIn, int fanOut) => Std(fanIn, fanOut) * Math.Sqrt(fanIn);

        /// <inheritdoc/>
        public override string Describe() => Name;

        /// <inheritdoc/>
        public override void Fill(Generator g, Span<float> w, int rows, int cols, int threads = 0) => g.Normal(w, 0f, (float)Std(cols, rows), threads);

        /// <summary>Through <see cref="WeightDistribution.Scheme"/>, or <c>w.normal_(0, std)</c> with std = StdOf(fan_in, fan_out) (for sigma_w: sigma_w / math.sqrt(fan_in)).</summary>
        public override void FillTorch(TorchGenerator g, Span<float> w, int rows, int cols)
        {
            ArgumentNullException.ThrowIfNull(g);
            if (Scheme is not null) base.FillTorch(g, w, rows, cols);
            else g.Normal(w, 0, Std(cols, rows));
        }
    }

    /// <summary>
    /// W = gain * Q with Q Haar-distributed with orthonormal columns (fan_out &gt;= fan_in) or rows (fan_out &lt; fan_in),
    /// as torch.nn.init.orthogonal_ (Saxe et al. 2014).
    /// </summary>
    public sealed record Orthogonal(double Gain) : WeightDistribution
    {
        /// <inheritdoc/>
        public override string Describe() => $"orthogonal(gain = {Guard.Fmt(Gain)})";

        /// <inheritdoc/>
        public override void Fill(Generator g, Span<float> w, int rows, int cols, int threads = 0)
        {
            LinearAlgebra.Orthogonal.Sample(g, w, rows, cols, threads);
            Tensors.TensorMath.Scale(w, (float)Gain);
        }

        /// <summary><c>torch.nn.init.orthogonal_(w, gain)</c>.</summary>
        public override void FillTorch(TorchGenerator g, Span<float> w, int rows, int cols)
        {
            ArgumentNullException.ThrowIfNull(g);
            if (Scheme is not null) base.FillTorch(g, w, rows, cols);
            else TorchInit.Orthogonal(w, new Shape(rows, cols), g, Gain);
        }
    }

    /// <summary>Any other initializer (uniform, truncated normal, sparse, ...): explicit engine only.</summary>
    /// <param name="Name">The scheme name, for messages.</param>
    /// <param name="Sampler">Fills a rows x cols matrix.</param>
    public sealed record Custom(string Name, Action<Generator, Memory<float>, int, int> Sampler) : WeightDistribution
    {
        /// <summary>The std of one weight as a function of (fan_in, fan_out), when the scheme's elements are i.i.d. with a
        /// known std (uniform, truncated normal, ...): the mean-field engine and the diagnosis then know sigma_w.</summary>
        public Func<int, int, double>? StdOf { get; init; }

        /// <inheritdoc/>
        public override string Describe() => Name;

        /// <inheritdoc/>
        public override void Fill(Generator g, Span<float> w, int rows, int cols, int threads = 0)
        {
            var buffer = new float[w.Length];
            Sampler(g, buffer, rows, cols);
            buffer.CopyTo(w);
        }
    }
}
