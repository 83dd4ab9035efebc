using InitLab.Activations;
using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Networks.Families;

/// <summary>
/// <c>resnet:blocks=B,width=C,size=S,norm=batch|none,block=basic|bottleneck,preact=true|false</c>: a residual network of B
/// blocks at constant width C and resolution S (no downsampling, so depth is the only variable), as He et al. 2016.
/// </summary>
/// <remarks>
/// <para>Stem <c>stem.conv</c> (3x3, in_channels -&gt; C) [+ <c>stem.bn</c>] + <c>stem.relu</c> (pre-activation: the conv alone).
/// Block b (block <c>block{b}</c>):</para>
/// <para>basic, post-activation (He et al. 2016a, "Deep residual learning"): out = relu(x + bn2(conv2(relu(bn1(conv1(x)))))).</para>
/// <para>basic, pre-activation (He et al. 2016b, "Identity mappings in deep residual networks"):
/// out = x + conv2(relu(bn2(conv1(relu(bn1(x)))))).</para>
/// <para>bottleneck: conv1 1x1 C -&gt; C/4, conv2 3x3 C/4 -&gt; C/4, conv3 1x1 C/4 -&gt; C, with bn and relu as above (expansion 4).</para>
/// <para>norm=none drops every batch norm. Convolutions have no bias (as torchvision's). Head: [<c>head.bn</c> + <c>head.relu</c>
/// for pre-activation] <c>pool</c> (global average) and <c>fc</c> (linear to the classes). A block's output node is its last
/// node: <c>block{b}.add</c> (pre-activation) or <c>block{b}.relu</c>.</para>
/// </remarks>
public static class ResNetFamily
{
    /// <summary>The family.</summary>
    public static ModelFamily Family { get; } = new("resnet",
        "residual blocks at constant width and resolution: basic or bottleneck, post- or pre-activation, with or without batch norm",
        "He et al. 2016, Deep residual learning for image recognition; He et al. 2016, Identity mappings in deep residual networks",
        [
            new("blocks", "8", "number of residual blocks B (>= 1)"),
            new("width", "64", "channels C of the residual stream (a multiple of 4 for bottleneck blocks)"),
            new("size", "32", "input height and width S"),
            new("norm", "batch", "normalization in the branches: batch or none"),
            new("block", "basic", "block type: basic (two 3x3 convs) or bottleneck (1x1, 3x3, 1x1)"),
            new("preact", "false", "pre-activation blocks x + f(x) without a relu after the add (true|false)"),
            new("in_channels", "3", "channels of the input image"),
            new("classes", "10", "outputs of the linear classifier (0: no pooling and classifier)"),
        ],
        Build);

    private static Graph Build(ModelArguments a)
    {
        int blocks = a.Integer("blocks"), width = a.Integer("width"), size = a.Integer("size"), inChannels = a.Integer("in_channels");
        int classes = a.Integer("classes", min: 0);
        bool norm = a.Choice("norm", "batch", "none") == "batch";
        bool bottleneck = a.Choice("block", "basic", "bottleneck") == "bottleneck";
        bool preact = a.Boolean("preact");
        if (bottleneck && width % 4 != 0)
            throw new ArgumentException($"model 'resnet': key 'width' must be a multiple of 4 for bottleneck blocks, got '{width}'.", "width");
        var b = new GraphBuilder(a.ToString());
        var relu = Activation.Relu;
        string x = b.Input("input", new Shape(inChannels, size, size));
        b.CurrentBlock = "stem";
        x = b.Add("stem.conv", new ConvOp(width, [3], padding: [1], bias: false), x);
        if (!preact)
        {
            if (norm) x = b.Add("stem.bn", new BatchNormOp(), x);
            x = b.Add("stem.relu", new ActivationOp(relu), x);
        }
        for (int k = 1; k <= blocks; k++)
        {
            string p = $"block{k}";
            b.CurrentBlock = p;
            // (kernel, out channels) of the branch's convolutions.
            (int Kernel, int Out)[] convs = bottleneck ? [(1, width / 4), (3, width / 4), (1, width)] : [(3, width), (3, width)];
            string h = x;
            for (int i = 1; i <= convs.Length; i++)
            {
                var (kernel, outChannels) = convs[i - 1];
                if (preact)
                {
                    if (norm) h = b.Add($"{p}.bn{i}", new BatchNormOp(), h);
                    h = b.Add($"{p}.relu{i}", new ActivationOp(relu), h);
                    h = b.Add($"{p}.conv{i}", new ConvOp(outChannels, [kernel], padding: [kernel / 2], bias: false), h);
                }
                else
                {
                    h = b.Add($"{p}.conv{i}", new ConvOp(outChannels, [kernel], padding: [kernel / 2], bias: false), h);
                    if (norm) h = b.Add($"{p}.bn{i}", new BatchNormOp(), h);
                    if (i < convs.Length) h = b.Add($"{p}.relu{i}", new ActivationOp(relu), h);
                }
            }
            x = b.Add($"{p}.add", new AddOp(), x, h);
            if (!preact) x = b.Add($"{p}.relu", new ActivationOp(relu), x);
        }
        b.CurrentBlock = "head";
        if (preact)
        {
            if (norm) x = b.Add("head.bn", new BatchNormOp(), x);
            x = b.Add("head.relu", new ActivationOp(relu), x);
        }
        if (classes > 0)
        {
            x = b.Add("pool", new GlobalAvgPoolOp(), x);
            b.Add("fc", new LinearOp(classes), x);
        }
        return b.Build();
    }
}
