using System.Text;
using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>What a parameter tensor does in its op; <c>--init SCHEME</c> replaces the initializer of every <see cref="Weight"/>.</summary>
public enum ParameterRole
{
    /// <summary>A weight matrix or kernel that multiplies the input (linear, conv, attention projections).</summary>
    Weight,

    /// <summary>An additive bias.</summary>
    Bias,

    /// <summary>A normalization layer's multiplicative gamma.</summary>
    Scale,

    /// <summary>A normalization layer's additive beta.</summary>
    Shift,

    /// <summary>An embedding table (one row per token).</summary>
    Embedding,

    /// <summary>Batch norm's running mean (inference mode): a buffer, subtracted before scaling.</summary>
    RunningMean,

    /// <summary>Batch norm's running variance (inference mode): a buffer, divided by (its square root plus eps).</summary>
    RunningVariance,
}

/// <summary>A parameter an op declares for given input shapes: its name, shape, role and PyTorch's default initializer.</summary>
/// <param name="Name">The name inside the op (<c>weight</c>, <c>bias</c>, <c>in_proj_weight</c>, ...).</param>
/// <param name="Shape">The shape, PyTorch layout (a conv kernel is (out, in / groups, *kernel)).</param>
/// <param name="Role">What it does.</param>
/// <param name="DefaultInit">The initializer the op uses unless the graph says otherwise (PyTorch's <c>reset_parameters</c>).</param>
public sealed record ParameterSpec(string Name, Shape Shape, ParameterRole Role, Initializer DefaultInit);

/// <summary>
/// One parameter tensor of a node: its shape, its role and the initializer that draws it. Its values are a pure function of
/// (seed, <see cref="Stream"/>): the explicit engine draws it with <c>new Generator(seed, Stream)</c>, so the same seed gives
/// the same bits on any thread count and whatever other nodes the graph holds.
/// </summary>
public sealed class Parameter
{
    internal Parameter(string node, ParameterSpec spec, Initializer initializer, ulong? stream)
    {
        Node = node;
        Name = spec.Name;
        Shape = spec.Shape;
        Role = spec.Role;
        Initializer = initializer;
        Stream = stream ?? StreamOf(FullNameOf(node, spec.Name));
    }

    /// <summary>The node that owns it.</summary>
    public string Node { get; }

    /// <summary>The name inside the op (<c>weight</c>).</summary>
    public string Name { get; }

    /// <summary><c>node.name</c>, as a PyTorch state_dict key.</summary>
    public string FullName => FullNameOf(Node, Name);

    /// <summary>The shape (PyTorch layout).</summary>
    public Shape Shape { get; }

    /// <summary>What it does.</summary>
    public ParameterRole Role { get; }

    /// <summary>The initializer that draws it.</summary>
    public Initializer Initializer { get; }

    /// <summary>
    /// The Philox stream it is drawn from: by default <see cref="StreamOf"/>(FullName); a builder may set it explicitly (the MLP
    /// family uses streams 2l and 2l + 1 so its numbers equal the MLP lab's; two parameters on one stream with the same shape and
    /// initializer are equal, which is how shared weights are expressed).
    /// </summary>
    public ulong Stream { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{FullName} {Shape} ~ {Initializer.Name}";

    internal static string FullNameOf(string node, string name) => node + "." + name;

    /// <summary>
    /// The default stream of an identity string: FNV-1a (64-bit) of its UTF-8 bytes with the top bit set, so it never meets
    /// the small explicit streams (0, 1, 2l, 2l + 1) of the MLP lab.
    /// </summary>
    public static ulong StreamOf(string identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(identity))
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return h | (1UL << 63);
    }
}
