using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Networks.Families;

/// <summary>
/// <c>cnn:depth=L,channels=C,size=S,act=A</c>: a plain deep convolutional stack, the setting of Xiao et al. 2018 (dynamical
/// isometry, delta-orthogonal kernels) and of He et al. 2015's plain networks: input (in_channels, S, S), then L layers
/// <c>conv{l}</c> (3x3, stride 1, padding 1, C channels) and <c>act{l}</c>, then, with classes &gt; 0, <c>pool</c>
/// (global average) and <c>fc</c> (linear to the classes). Layer l is block <c>layer{l}</c>.
/// </summary>
public static class CnnFamily
{
    /// <summary>The family.</summary>
    public static ModelFamily Family { get; } = new("cnn",
        "plain stack of 3x3 convolutions (padding 1) and activations, then global average pooling and a linear classifier",
        "Xiao et al. 2018, Dynamical isometry and a mean field theory of CNNs; He et al. 2015, Delving deep into rectifiers",
        [
            new("depth", "10", "number of conv layers L (>= 1)"),
            new("channels", "64", "channels C of every conv layer"),
            new("size", "32", "input height and width S"),
            new("act", "relu", "activation: " + string.Join(", ", Activations.ActivationRegistry.Names)),
            new("param", "none", "the activation's parameter (leaky_relu slope, elu alpha)"),
            new("in_channels", "3", "channels of the input image"),
            new("classes", "10", "outputs of the linear classifier (0: no pooling and classifier)"),
            new("bias", "true", "convolutions add a bias (true|false)"),
        ],
        Build);

    private static Graph Build(ModelArguments a)
    {
        int depth = a.Integer("depth"), channels = a.Integer("channels"), size = a.Integer("size"), inChannels = a.Integer("in_channels");
        int classes = a.Integer("classes", min: 0);
        bool bias = a.Boolean("bias");
        var act = a.Activation();
        var b = new GraphBuilder(a.ToString());
        string x = b.Input("input", new Shape(inChannels, size, size));
        for (int l = 1; l <= depth; l++)
        {
            b.CurrentBlock = $"layer{l}";
            x = b.Add($"conv{l}", new ConvOp(channels, [3], padding: [1], bias: bias), x);
            x = b.Add($"act{l}", new ActivationOp(act), x);
        }
        b.CurrentBlock = null;
        if (classes > 0)
        {
            x = b.Add("pool", new GlobalAvgPoolOp(), x);
            b.Add("fc", new LinearOp(classes), x);
        }
        return b.Build();
    }
}
