using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Tests.Initializers;

/// <summary>The table the distribution tests expand: every initializer with i.i.d. elements, and the shapes.</summary>
internal static class InitializerCases
{
    public static readonly (string Label, Func<Initializer> Create)[] IidSchemes =
    [
        ("uniform(-0.5, 2)", () => Init.Uniform(-0.5, 2)),
        ("normal(0.3, 0.7)", () => Init.Normal(0.3, 0.7)),
        ("trunc_normal(0, 1, -2, 2)", () => Init.TruncNormal()),
        ("trunc_normal(1, 2, 0, 3) asymmetric", () => Init.TruncNormal(1, 2, 0, 3)),
        ("trunc_normal in stds (0.5, 0.1, -1, 3)", () => Init.TruncNormalInStds(0.5, 0.1, -1, 3)),
        ("constant(0.25)", () => Init.Constant(0.25)),
        ("xavier_uniform(gain 2)", () => Init.XavierUniform(2)),
        ("xavier_normal", () => Init.XavierNormal()),
        ("kaiming_uniform", () => Init.KaimingUniform()),
        ("kaiming_normal(fan_out, relu)", () => Init.KaimingNormal(0, FanMode.FanOut, "relu")),
        ("he_normal(a 0.2, tanh, keras)", () => Init.HeNormal(0.2, FanMode.FanIn, "tanh", FanLayout.Keras)),
        ("lecun_uniform", () => Init.LecunUniform()),
        ("lecun_normal", () => Init.LecunNormal()),
        ("torch_default", () => Init.TorchDefault()),
        ("variance_scaling(2, fan_out, normal)", () => Init.VarianceScaling(2, FanMode.FanOut, VarianceDistribution.Normal)),
        ("variance_scaling(0.5, fan_avg, truncated_normal)", () => Init.VarianceScaling(0.5, FanMode.FanAvg, VarianceDistribution.TruncatedNormal)),
        ("variance_scaling(1.5, fan_avg, normal, in axis -1, out axis 0)", () => VarianceScaling.WithAxes(1.5, FanMode.FanAvg, VarianceDistribution.Normal, [-1], [0])),
        ("variance_scaling(3, fan_in, uniform, keras)", () => Init.VarianceScaling(3, FanMode.FanIn, VarianceDistribution.Uniform, FanLayout.Keras)),
    ];

    public static readonly int[][] Shapes =
    [
        [240, 60],        // tall
        [60, 240],        // wide
        [120, 120],       // square
        [32, 16, 5],      // conv1d
        [32, 16, 3, 3],   // conv2d
        [8, 4, 3, 3, 3],  // conv3d
    ];

    public static Shape ShapeOf(int index) => new(Shapes[index]);
}
