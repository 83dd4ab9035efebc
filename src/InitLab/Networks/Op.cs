using System.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>What an op's backward pass reads besides the gradient of its output.</summary>
[Flags]
public enum BackwardNeeds
{
    /// <summary>Nothing (add, flatten): the engine may free the inputs right after the forward pass.</summary>
    None = 0,

    /// <summary>The op's inputs (linear, conv, activations).</summary>
    Inputs = 1,

    /// <summary>The op's output (softmax).</summary>
    Output = 2,
}

/// <summary>
/// An operation of a network graph: every view of one op sits in its own file under <c>Networks/Ops</c> (parameters with
/// PyTorch's default initializers, shape inference with validation, forward, backward), as micrograd keeps a forward and its
/// derivative side by side and as PyTorch's layers own their parameters and check their arguments.
/// </summary>
/// <remarks>
/// <para>Tensors carry the batch as their leading dimension: an op sees each input as a row-major array of
/// <c>batch * shape.Size</c> elements, NCHW for images and (batch, tokens, features) for sequences (design.md).</para>
/// <para>Engines are small drivers that walk the graph in topological order and call the op. An engine other than the
/// explicit one adds per-op behaviour through an interface of its own that each op implements in its own file (for example a
/// moment rule <c>IMomentRule</c>), and looks it up with <see cref="Graph.Require{TRule}"/>: a new op is one new file, and
/// no engine grows a switch over op types.</para>
/// <para>Ops are immutable and validate their attributes in their constructor (ArgumentException naming the attribute).</para>
/// </remarks>
public abstract class Op
{
    /// <summary>The op's name in JSON specs and in traces (<c>conv</c>, <c>batch_norm</c>, <c>relu</c>, ...).</summary>
    public abstract string Kind { get; }

    /// <summary>The fewest inputs the op takes.</summary>
    public virtual int MinInputs => 1;

    /// <summary>The most inputs the op takes.</summary>
    public virtual int MaxInputs => 1;

    /// <summary>What the backward pass reads (the engine keeps exactly that alive until the backward pass ran).</summary>
    public virtual BackwardNeeds Needs => BackwardNeeds.Inputs;

    /// <summary>
    /// The output shape (without the batch) for these input shapes. The message of an ArgumentException says what does not fit,
    /// without the node's name (the graph prefixes it).
    /// </summary>
    /// <exception cref="ArgumentException">The inputs do not fit the op.</exception>
    public abstract Shape OutputShape(IReadOnlyList<Shape> inputs);

    /// <summary>The parameter tensors for these input shapes, with PyTorch's default initializers (none by default).</summary>
    public virtual IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs) => [];

    /// <summary>Computes the output; must write every element of <see cref="ForwardPass{T}.Output"/> (it is not cleared).</summary>
    public abstract void Forward<T>(ForwardPass<T> pass) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Back-propagates: ADDS dL/dx to every non-null <see cref="BackwardPass{T}.InputGradient"/> and WRITES dL/dθ to every
    /// <see cref="BackwardPass{T}.ParameterGradient"/>.
    /// </summary>
    public abstract void Backward<T>(BackwardPass<T> pass) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Writes the op's attributes (every one, defaults included) for a JSON spec; the registry reads them back.</summary>
    public virtual void WriteAttributes(OpAttributes attributes) { }

    /// <summary>The kind and the attributes, e.g. <c>conv(out_channels = 64, kernel = [3, 3], ...)</c>.</summary>
    public override string ToString()
    {
        var a = new OpAttributes(Kind);
        WriteAttributes(a);
        return a.Count == 0 ? Kind : $"{Kind}({a})";
    }

    /// <summary>Throws unless every input has rank &gt;= <paramref name="minRank"/>.</summary>
    private protected static void RequireRank(IReadOnlyList<Shape> inputs, int minRank, string what)
    {
        foreach (var s in inputs)
            if (s.Rank < minRank)
                throw new ArgumentException($"needs {what}, got an input of shape {s}.");
    }
}
