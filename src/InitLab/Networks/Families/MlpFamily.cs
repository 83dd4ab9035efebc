using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Networks.Families;

/// <summary>
/// The MLP of the lab as a graph (Poole et al. 2016; Schoenholz et al. 2017): <c>input</c> (widths[0]), then for layer
/// l = 1..L <c>linear{l}</c> (h_l = x_(l-1) W_l^T + b_l), <c>act{l}</c> (phi(h_l)) and, with residual connections,
/// <c>add{l}</c> (x_(l-1) + alpha phi(h_l)); each layer is block <c>layer{l}</c>.
/// </summary>
/// <remarks>
/// Streams are the MLP lab's: the input draws stream 0, layer l's weights stream 2l and its bias 2l + 1 (with shared weights,
/// layer 1's streams at every layer, so every layer draws the same matrix), and the explicit engine's top gradient stream 1.
/// So <c>propagate --model mlp:...</c> and <c>propagate --width --depth</c> give the same numbers.
/// </remarks>
public static class MlpFamily
{
    /// <summary>
    /// <c>mlp:depth=L,width=N,act=A</c> (and param, bias, residual, input_variance): L fully connected layers of width N on
    /// Gaussian inputs of width N. Without <c>--init</c> the weights take PyTorch's default; biases only with bias=true.
    /// </summary>
    public static ModelFamily Family { get; } = new("mlp",
        "fully connected layers x_l = phi(x_(l-1) W_l^T + b_l), optionally residual x_(l-1) + alpha phi(h_l)",
        "Poole et al. 2016, Exponential expressivity in deep neural networks through transient chaos; Schoenholz et al. 2017, Deep information propagation",
        [
            new("depth", "10", "number of layers L (>= 1)"),
            new("width", "256", "width N of the input and of every layer"),
            new("act", "relu", "activation: " + string.Join(", ", Activations.ActivationRegistry.Names)),
            new("param", "none", "the activation's parameter (leaky_relu slope, elu alpha)"),
            new("bias", "false", "add a bias to every layer (true|false)"),
            new("residual", "none", "alpha of residual connections x + alpha phi(h), or none"),
            new("input_variance", "1", "variance of the Gaussian inputs"),
            new("out", "none", "K: a linear readout of K units (no activation) after the last layer, node 'readout'; none: no readout"),
        ],
        a =>
        {
            int depth = a.Integer("depth"), width = a.Integer("width");
            bool bias = a.Boolean("bias");
            double? residual = a.NumberOrNone("residual");
            double variance = a.Number("input_variance", double.Epsilon);
            int? readout = a.NumberOrNone("out") is null ? null : a.Integer("out");
            return Build(Enumerable.Repeat(width, depth + 1).ToArray(), a.Activation(), bias: bias ? Init.Zeros() : null, residual: residual,
                inputVariance: variance, name: a.ToString(), defaultBias: bias, readout: readout);
        });

    /// <summary>Builds the MLP graph.</summary>
    /// <param name="widths">widths[0] = input width, widths[l] = width of layer l (at least two entries, each &gt;= 1).</param>
    /// <param name="activation">phi.</param>
    /// <param name="weights">Initializer of every W_l (null: PyTorch's default, kaiming_uniform(a = sqrt 5)).</param>
    /// <param name="bias">Initializer of every b_l; null: no bias.</param>
    /// <param name="residual">alpha of x_(l-1) + alpha phi(h_l); null: a plain MLP (residual needs equal widths).</param>
    /// <param name="inputVariance">Variance of the Gaussian inputs.</param>
    /// <param name="sharedWeights">Every layer draws layer 1's weights and bias (needs equal widths).</param>
    /// <param name="name">The graph's label.</param>
    /// <param name="defaultBias">With a bias, keep the op's default bias initializer (PyTorch's) instead of <paramref name="bias"/>.</param>
    /// <param name="readout">K: a final linear layer <c>readout</c> of K units without activation (weights and bias as the layers'); null: none.</param>
    /// <exception cref="ArgumentException">Fewer than two widths, a width &lt; 1, or residual/shared weights with unequal widths.</exception>
    public static Graph Build(IReadOnlyList<int> widths, Activation activation, Initializer? weights = null, Initializer? bias = null,
        double? residual = null, double inputVariance = 1, bool sharedWeights = false, string? name = null, bool defaultBias = false, int? readout = null)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(activation);
        if (widths.Count < 2) throw new ArgumentException($"widths needs the input width and at least one layer width, got {widths.Count} value(s).", nameof(widths));
        for (int i = 0; i < widths.Count; i++)
            if (widths[i] < 1) throw new ArgumentException($"widths[{i}] must be > 0, got {widths[i]}.", nameof(widths));
        if ((residual is not null || sharedWeights) && widths.Any(w => w != widths[0]))
            throw new ArgumentException($"{(sharedWeights ? "shared weights" : "residual connections")} need every layer to have the same width, got widths {string.Join(",", widths)}.", nameof(widths));
        var b = new GraphBuilder(name ?? $"mlp:depth={widths.Count - 1},width={widths[0]},act={activation.Name}");
        string x = b.Add("input", new InputOp(new Shape(widths[0]), inputVariance, stream: 0));
        for (int l = 1; l < widths.Count; l++)
        {
            b.CurrentBlock = $"layer{l}";
            int source = sharedWeights ? 1 : l;
            string linear = b.Add($"linear{l}", new LinearOp(widths[l], bias: bias is not null), x);
            b.SetStream(linear, "weight", 2UL * (ulong)source);
            if (weights is not null) b.SetInit(linear, "weight", weights);
            if (bias is not null)
            {
                b.SetStream(linear, "bias", 2UL * (ulong)source + 1);
                if (!defaultBias) b.SetInit(linear, "bias", bias);
            }
            string act = b.Add($"act{l}", new ActivationOp(activation), linear);
            x = residual is { } alpha ? b.Add($"add{l}", new AddOp([1, alpha]), x, act) : act;
        }
        if (readout is { } k)
        {
            if (k < 1) throw new ArgumentException($"readout must be >= 1, got {k}.", nameof(readout));
            b.CurrentBlock = "readout";
            string r = b.Add("readout", new LinearOp(k, bias: bias is not null), x);
            if (weights is not null) b.SetInit(r, "weight", weights);
            if (bias is not null && !defaultBias) b.SetInit(r, "bias", bias);
        }
        return b.Build();
    }

    /// <summary>The node whose output is layer <paramref name="layer"/>'s x_l (<c>add{l}</c> or <c>act{l}</c>).</summary>
    public static string LayerOutput(Graph graph, int layer) => graph.Contains($"add{layer}") ? $"add{layer}" : $"act{layer}";
}
