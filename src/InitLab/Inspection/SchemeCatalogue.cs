using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Inspection;

/// <summary>One scheme a tensor is compared with: a name that reads as a catalogue call, framework spellings of the same thing, and its element law.</summary>
/// <param name="Name">The catalogue call, e.g. <c>kaiming_normal(mode=fan_out)</c> (see <see cref="Schemes"/>).</param>
/// <param name="Aliases">Other names of exactly this scheme (glorot_*, he_*, the Keras/JAX/Flax spellings, the layers that default to it).</param>
/// <param name="Law">The element law for the tensor's shape and layout.</param>
public sealed record SchemeCandidate(string Name, IReadOnlyList<string> Aliases, ElementDistribution Law);

/// <summary>
/// The schemes <see cref="TensorInspector"/> compares a tensor with, in order of preference (the first of several
/// schemes with the same law at a shape names the match):
/// <list type="bullet">
/// <item>weights, embeddings and other tensors of rank &gt;= 2: every variance-scaling preset of the catalogue
/// (<see cref="Init"/>) with its default parameters: PyTorch's layer default kaiming_uniform(a = sqrt 5),
/// kaiming/he uniform and normal (relu gain, fan_in, and fan_out as torchvision's ResNet uses), xavier/glorot uniform
/// and normal, lecun uniform and (truncated) normal, the untruncated lecun normal that PyTorch users write as
/// kaiming_normal(nonlinearity=linear), and the truncated Keras/JAX he_normal and glorot_normal. Gains other than the
/// defaults (tanh's 5/3, sqrt 2 on xavier) are left out on purpose: each extra scale is one more law that a small
/// tensor of a neighbouring scheme may fit better by chance;</item>
/// <item>weights, embeddings and other tensors of any rank: the fixed laws frameworks and papers use: normal(0, 0.02) and trunc_normal(0.02) (GPT-2, BERT,
/// ViT), the TF-style +-2 sigma truncation, N(0, 1) (PyTorch nn.Embedding), N(0, 0.01), N(0, 0.001), Keras'
/// RandomNormal/TruncatedNormal/RandomUniform defaults (0.05), U(-0.1, 0.1), PyTorch's uniform_ and trunc_normal_ defaults;</item>
/// <item>biases: PyTorch's bias rule U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the fan_in of the layer's weight;</item>
/// <item>normalization scales: N(1, 0.02) (DCGAN) and U(0, 1) (PyTorch's BatchNorm before 1.2).</item>
/// </list>
/// Normalization shifts and running statistics start at constants in every framework (0, and 1 for running
/// variances), and biases at zero or the bias rule: no other law is a plausible initialization for them, so none is
/// offered (a trained BatchNorm shift can look like N(0, 1)).
/// Orthogonal, sparse and the deterministic schemes (zeros, ones, constant, eye, identity, dirac, delta_orthogonal) are
/// recognized by their structure (<see cref="TensorInspector"/>), not by a law.
/// </summary>
public static class SchemeCatalogue
{
    [Flags]
    private enum Group { Layer = 1, Fixed = 2, Bias = 4, NormScale = 8 }

    private sealed record Entry(string Name, string[] Aliases, Group Group, Func<FanLayout, Initializer> Create);

    private static readonly Entry[] Entries =
    [
        Layer("torch_default", ["kaiming_uniform(a=sqrt(5))", "PyTorch nn.Linear/nn.ConvNd weight default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))"],
            l => Init.TorchDefault(l)),
        Layer("kaiming_uniform", ["he_uniform", "Keras/JAX he_uniform"], l => Init.KaimingUniform(layout: l)),
        Layer("kaiming_normal", ["he_normal (PyTorch, untruncated)"], l => Init.KaimingNormal(layout: l)),
        Layer("kaiming_uniform(mode=fan_out)", ["he_uniform(mode=fan_out)"], l => Init.KaimingUniform(0, FanMode.FanOut, layout: l)),
        Layer("kaiming_normal(mode=fan_out)", ["he_normal(mode=fan_out)", "torchvision ResNet conv init"], l => Init.KaimingNormal(0, FanMode.FanOut, layout: l)),
        Layer("xavier_uniform", ["glorot_uniform", "Keras Dense/Conv kernel default"], l => Init.XavierUniform(1, l)),
        Layer("xavier_normal", ["glorot_normal (PyTorch, untruncated)"], l => Init.XavierNormal(1, l)),
        Layer("lecun_normal", ["Keras/JAX lecun_normal (truncated)", "Flax Dense/Conv kernel default"], l => Init.LecunNormal(l)),
        Layer("lecun_uniform", ["kaiming_uniform(nonlinearity=linear)"], l => Init.LecunUniform(l)),
        Layer("kaiming_normal(nonlinearity=linear)", ["lecun normal, untruncated"], l => Init.KaimingNormal(0, FanMode.FanIn, "linear", l)),
        Layer("variance_scaling(scale=2, mode=fan_in, distribution=truncated_normal)", ["Keras/JAX he_normal (truncated)"],
            l => Init.VarianceScaling(2, FanMode.FanIn, VarianceDistribution.TruncatedNormal, l)),
        Layer("variance_scaling(scale=1, mode=fan_avg, distribution=truncated_normal)", ["Keras/JAX glorot_normal (truncated)"],
            l => Init.VarianceScaling(1, FanMode.FanAvg, VarianceDistribution.TruncatedNormal, l)),
        new("torch_default_bias", ["PyTorch nn.Linear/nn.ConvNd bias default: U(-1/sqrt(fan_in), 1/sqrt(fan_in))"], Group.Bias, _ => Init.Zeros()),
        Fixed("normal(std=0.02)", ["GPT-2, BERT (PyTorch) init"], Init.Normal(0, 0.02)),
        Fixed("trunc_normal(std=0.02)", ["ViT/timm trunc_normal_(std=.02) with absolute bounds -2, 2"], Init.TruncNormal(0, 0.02)),
        Fixed("trunc_normal(std=0.02, low=-0.04, high=0.04)", ["TF truncated_normal_initializer(stddev=0.02) (BERT)", "timm trunc_normal_tf_(std=.02)"],
            Init.TruncNormal(0, 0.02, -0.04, 0.04)),
        Fixed("normal(std=1)", ["PyTorch nn.Embedding default", "PyTorch normal_ default"], Init.Normal(0, 1)),
        Fixed("normal(std=0.01)", ["JAX normal default"], Init.Normal(0, 0.01)),
        Fixed("normal(std=0.001)", [], Init.Normal(0, 0.001)),
        Fixed("normal(std=0.05)", ["Keras RandomNormal default"], Init.Normal(0, 0.05)),
        Fixed("trunc_normal(std=0.05, low=-0.1, high=0.1)", ["Keras TruncatedNormal default"], Init.TruncNormal(0, 0.05, -0.1, 0.1)),
        Fixed("uniform(low=-0.05, high=0.05)", ["Keras RandomUniform default", "Keras Embedding default"], Init.Uniform(-0.05, 0.05)),
        Fixed("uniform(low=-0.1, high=0.1)", ["PyTorch word_language_model init"], Init.Uniform(-0.1, 0.1)),
        new("uniform", ["PyTorch uniform_ default U(0, 1)", "PyTorch BatchNorm weight before 1.2"], Group.Fixed | Group.NormScale, _ => Init.Uniform()),
        Fixed("trunc_normal", ["PyTorch trunc_normal_ default: N(0, 1) on [-2, 2]"], Init.TruncNormal()),
        new("normal(mean=1, std=0.02)", ["DCGAN BatchNorm weight"], Group.NormScale, _ => Init.Normal(1, 0.02)),
    ];

    /// <summary>Every candidate name, in order of preference.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Entries.Select(e => e.Name)];

    /// <summary>
    /// The candidates for a tensor of <paramref name="shape"/> in <paramref name="layout"/> with <paramref name="role"/>,
    /// each with its element law, in order of preference. <paramref name="layerFans"/> are the fans of the layer the
    /// tensor belongs to (for a bias, those of its weight); the bias rule needs them.
    /// </summary>
    public static IReadOnlyList<SchemeCandidate> For(Shape shape, FanLayout layout, ParameterRole role, Fans? layerFans = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var result = new List<SchemeCandidate>();
        bool layerRole = role is ParameterRole.Weight or ParameterRole.Embedding or ParameterRole.Other;
        foreach (var entry in Entries)
        {
            bool applies =
                (entry.Group.HasFlag(Group.Layer) && layerRole && shape.Rank >= 2) ||
                (entry.Group.HasFlag(Group.Fixed) && layerRole) ||
                (entry.Group.HasFlag(Group.Bias) && role == ParameterRole.Bias && layerFans is { FanIn: > 0 }) ||
                (entry.Group.HasFlag(Group.NormScale) && role == ParameterRole.NormScale);
            if (!applies) continue;
            var law = entry.Group.HasFlag(Group.Bias) ? BiasRule.TorchDefault(layerFans!.FanIn).DistributionOf(shape) : entry.Create(layout).DistributionOf(shape);
            if (law is not null && law.Kind != DistributionKind.PointMass)
                result.Add(new SchemeCandidate(entry.Name, entry.Aliases, law));
        }
        return result;
    }

    private static Entry Layer(string name, string[] aliases, Func<FanLayout, Initializer> create) => new(name, aliases, Group.Layer, create);

    private static Entry Fixed(string name, string[] aliases, Initializer initializer) => new(name, aliases, Group.Fixed, _ => initializer);
}
