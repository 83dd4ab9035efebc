using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Numerics;

namespace InitLab.Propagation;

/// <summary>
/// A deep MLP probe: <c>h_l = x_(l-1) W_l^T + b_l</c>, <c>x_l = phi(h_l)</c> (or <c>x_(l-1) + alpha phi(h_l)</c> with residual
/// connections) for l = 1..Depth, on a batch of inputs x_0. Layer k is the output after k matrix products (design.md).
/// </summary>
public sealed record NetworkSpec
{
    /// <summary>Creates a spec of constant width.</summary>
    public NetworkSpec(int width, int depth, Activation activation, WeightDistribution weights)
        : this(Enumerable.Repeat(width, Math.Max(depth, 0) + 1).ToArray(), activation, weights)
    {
        Guard.Positive(width);
        Guard.Positive(depth);
    }

    /// <summary>
    /// Creates a spec of constant width with the catalogue activation called <paramref name="activation"/> (and its
    /// parameter): <c>new NetworkSpec(512, 100, "relu", weights)</c> is <c>new NetworkSpec(512, 100, Activation.Relu, weights)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown activation name or bad parameter, or a width or depth &lt;= 0.</exception>
    public NetworkSpec(int width, int depth, string activation, WeightDistribution weights, double? activationParameter = null)
        : this(width, depth, ActivationRegistry.Parse(activation ?? throw new ArgumentNullException(nameof(activation)), activationParameter), weights)
    {
    }

    /// <summary>Creates a spec from per-layer widths: widths[0] is the input width, widths[l] the output width of layer l.</summary>
    /// <exception cref="ArgumentException">Fewer than two widths, or a width &lt;= 0.</exception>
    public NetworkSpec(IReadOnlyList<int> widths, Activation activation, WeightDistribution weights)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(activation);
        ArgumentNullException.ThrowIfNull(weights);
        if (widths.Count < 2)
            throw new ArgumentException($"widths needs the input width and at least one layer width, got {widths.Count} value(s).", nameof(widths));
        for (int i = 0; i < widths.Count; i++)
            if (widths[i] <= 0)
                throw new ArgumentException($"widths[{i}] must be > 0, got {widths[i]}.", nameof(widths));
        Widths = widths.ToArray();
        Activation = activation;
        Weights = weights;
    }

    /// <summary>widths[0] = input width, widths[l] = width of layer l's output.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>Number of layers L.</summary>
    public int Depth => Widths.Count - 1;

    /// <summary>The nonlinearity phi.</summary>
    public Activation Activation { get; }

    /// <summary>How weights are drawn.</summary>
    public WeightDistribution Weights { get; }

    /// <summary>Bias standard deviation: b_i ~ N(0, sigma_b^2) (0: no bias).</summary>
    public double SigmaB { get; init; }

    /// <summary>Residual branch scale alpha: x_l = x_(l-1) + alpha phi(h_l); null for a plain MLP.</summary>
    public double? ResidualAlpha { get; init; }

    /// <summary>Reuse one weight matrix (and bias) at every layer, as the classic experiment does.</summary>
    public bool SharedWeights { get; init; }

    /// <summary>Number of inputs in the batch B.</summary>
    public int Batch { get; init; } = 64;

    /// <summary>Variance of the Gaussian inputs x_0 ~ N(0, v) (ignored when <see cref="Input"/> is given).</summary>
    public double InputVariance { get; init; } = 1.0;

    /// <summary>An explicit input batch (Batch x Widths[0], row-major), e.g. read from a .npy file.</summary>
    public float[]? Input { get; init; }

    /// <summary>
    /// The input batch x_0 (Batch x Widths[0], row-major): a copy of <see cref="Input"/>, or N(0, InputVariance) draws from
    /// stream 0 of <paramref name="seed"/> (the same for every engine, so they all see the same inputs), drawn on up to
    /// <paramref name="threads"/> threads (0 = all cores).
    /// </summary>
    public float[] DrawInput(ulong seed, int threads = 0)
    {
        var x = new float[Batch * Widths[0]];
        if (Input is { } given) given.CopyTo(x, 0);
        else new InitLab.Random.Generator(seed, ExplicitEngine.InputStream).Normal(x, 0f, (float)Math.Sqrt(InputVariance), threads);
        return x;
    }

    /// <summary>
    /// The network as a graph of the mlp family (<see cref="MlpFamily"/>): the same weights (drawn by <see cref="Weights"/>, or
    /// <paramref name="weights"/> instead), biases N(0, sigma_b^2) when sigma_b &gt; 0, residual adds and shared streams.
    /// </summary>
    public Graph ToGraph(WeightDistribution? weights = null) => MlpFamily.Build(Widths, Activation,
        new WeightDistributionInitializer(weights ?? Weights), SigmaB > 0 ? Init.Normal(0, SigmaB) : null, ResidualAlpha, InputVariance, SharedWeights);

    /// <summary>The explicit input batch by input node, for the graph engine (null: drawn by the input node).</summary>
    internal IReadOnlyDictionary<string, float[]>? GraphInputs => Input is { } x ? new Dictionary<string, float[]> { ["input"] = x } : null;

    /// <summary>Checks the combination of settings; every message names the setting and its value.</summary>
    /// <exception cref="ArgumentException">An inconsistent or out-of-range setting.</exception>
    public void Validate()
    {
        Guard.Positive(Batch, "batch");
        Guard.Positive(InputVariance, "input variance");
        Guard.FloatScale(SigmaB, "sigma_b");
        if (ResidualAlpha is { } a) Guard.Finite(a, "residual alpha");
        // Every array an engine allocates (a weight matrix, a batch of activations) must fit in one .NET array.
        for (int l = 0; l < Widths.Count; l++)
        {
            long activations = (long)Batch * Widths[l];
            long weights = l > 0 ? (long)Widths[l] * Widths[l - 1] : 0;
            if (Math.Max(activations, weights) > Array.MaxLength)
                throw new ArgumentException(
                    $"layer {l} is too large: {(weights > activations ? $"a {Widths[l]} x {Widths[l - 1]} weight matrix" : $"a batch of {Batch} x {Widths[l]}")} has more elements than one array can hold ({Array.MaxLength}).",
                    nameof(Widths));
        }
        if (Weights is WeightDistribution.Orthogonal o) Guard.NonNegative(o.Gain, "gain");
        // A Gaussian's std per layer (sigma_w / sqrt(fan_in) must be a finite float32), checked before any work.
        if (Weights is WeightDistribution.Gaussian gaussian)
            for (int l = 1; l < Widths.Count; l++) gaussian.Std(Widths[l - 1], Widths[l]);
        bool constant = Widths.All(w => w == Widths[0]);
        if ((ResidualAlpha is not null || SharedWeights) && !constant)
            throw new ArgumentException(
                $"{(SharedWeights ? "shared weights" : "residual connections")} need every layer to have the same width, got widths {string.Join(",", Widths)}.",
                nameof(Widths));
        if (Input is { } x && x.Length != (long)Batch * Widths[0])
            throw new ArgumentException($"the input batch has {x.Length} values, expected Batch x width = {Batch} x {Widths[0]} = {(long)Batch * Widths[0]}.", nameof(Input));
    }

    /// <summary>
    /// Estimates peak memory and work of propagating this spec on <paramref name="engine"/> (see
    /// <see cref="EstimateResources(int, int, int, int, Engine, bool)"/>); nothing is allocated.
    /// </summary>
    public ResourceEstimate EstimateResources(Engine engine, bool backward = false)
    {
        double maxWeights = 0, sumWeights = 0, sumWidths = 0, sumPairs = 0;
        for (int l = 1; l < Widths.Count; l++)
        {
            double w = (double)Widths[l] * Widths[l - 1];
            maxWeights = Math.Max(maxWeights, w);
            sumWeights += w;
            sumWidths += Widths[l];
            sumPairs += Widths[l] + Widths[l - 1];
        }
        return Estimate(Depth, Batch, Widths[0], Widths.Max(), maxWeights, sumWeights, sumWidths, sumPairs, engine, backward);
    }

    /// <summary>
    /// Estimates peak memory and work of propagating a network of constant <paramref name="width"/> and
    /// <paramref name="depth"/> on <paramref name="engine"/> in closed form, before any spec (or its list of widths) exists,
    /// so that absurd arguments are refused without allocating anything. Memory parts: "depth" (the per-layer trace, and
    /// every layer's activations kept for a backward pass), "width" (the largest weight matrix, or the ensemble's Gram
    /// matrices) and "batch" (the activation buffers).
    /// </summary>
    public static ResourceEstimate EstimateResources(int inputWidth, int width, int depth, int batch, Engine engine, bool backward = false)
    {
        double w = width, d = depth;
        return Estimate(d, batch, inputWidth, Math.Max(width, inputWidth), w * Math.Max(width, inputWidth),
            w * inputWidth + (d - 1) * w * w, d * w, inputWidth + w + (d - 1) * 2 * w, engine, backward);
    }

    private static ResourceEstimate Estimate(double depth, double batch, double inputWidth, double maxWidth, double maxWeights, double sumWeights,
        double sumWidths, double sumPairs, Engine engine, bool backward)
    {
        const double f = sizeof(float);
        double trace = depth * ResourceEstimate.TraceBytesPerLayer;
        return engine switch
        {
            // A Gaussian quadrature of the variance map per layer.
            Engine.MeanField => new([("depth", trace), ("batch", batch * inputWidth * f)], depth * 1e4),
            // Per layer: Gram matrices B x B in double, O(B^2 (n_in + n_out) + B^3) work.
            Engine.Ensemble => new([("depth", trace), ("width", 4 * batch * batch * sizeof(double)), ("batch", 6 * batch * maxWidth * f)],
                2 * (batch * batch * sumPairs + depth * batch * batch * batch)),
            // Weights: one buffer, twice for samplers that fill a copy; forward: four activation buffers. A backward pass
            // keeps every layer's input and pre-activation, and triples the work.
            _ => new([("depth", trace + (backward ? 2 * batch * sumWidths * f : 0)), ("width", 2 * maxWeights * f), ("batch", 5 * batch * maxWidth * f)],
                (backward ? 6 : 2) * (batch + 1) * sumWeights),
        };
    }
}
