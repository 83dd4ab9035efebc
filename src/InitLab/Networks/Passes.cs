using System.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>
/// What an op's forward pass sees: the batch size, its inputs and parameters, the output buffer, the thread budget, and a slot
/// for what its backward pass will need.
/// </summary>
public sealed class ForwardPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal ForwardPass(Node node, int batch, T[][] inputs, T[]?[] parameters, Func<int, T[]> draw, T[] output, int threads, bool keepState, ulong seed)
    {
        _draw = draw;
        Node = node;
        Batch = batch;
        _inputs = inputs;
        _parameters = parameters;
        Output = output;
        Threads = threads;
        KeepState = keepState;
        _seed = seed;
    }

    private readonly T[][] _inputs;
    private readonly T[]?[] _parameters;
    private readonly Func<int, T[]> _draw;
    private readonly ulong _seed;

    /// <summary>The node being run (its name for messages, its input and output shapes).</summary>
    public Node Node { get; }

    /// <summary>The batch size B (the leading dimension of every tensor).</summary>
    public int Batch { get; }

    /// <summary>The output, B x Node.Shape.Size elements, row-major; not cleared.</summary>
    public T[] Output { get; }

    /// <summary>Threads the op may use; results must not depend on it.</summary>
    public int Threads { get; }

    /// <summary>True when a backward pass follows: the op stores what it needs in <see cref="State"/>.</summary>
    public bool KeepState { get; }

    /// <summary>Whatever the op's backward pass needs (batch statistics, argmax indices, attention probabilities).</summary>
    public object? State { get; set; }

    /// <summary>Input <paramref name="i"/>: B x InputShape(i).Size elements.</summary>
    public T[] Input(int i) => _inputs[i];

    /// <summary>The shape of input <paramref name="i"/> without the batch.</summary>
    public Shape InputShape(int i) => Node.InputShapes[i];

    /// <summary>Parameter <paramref name="i"/> in the order of the op's <see cref="Op.Parameters"/> (drawn on first use).</summary>
    public T[] Parameter(int i) => _parameters[i] ??= _draw(i);

    /// <summary>The run's seed.</summary>
    public ulong Seed => _seed;

    /// <summary>A generator for the node's own randomness (dropout masks, input draws): a pure function of (seed, node, purpose).</summary>
    public Generator Random(string purpose) => new(_seed, Networks.Parameter.StreamOf(Node.Name + "#" + purpose));
}

/// <summary>What an op's backward pass sees: the forward pass's tensors and state, dL/dy, and the gradients to fill.</summary>
public sealed class BackwardPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal BackwardPass(Node node, int batch, T[]?[] inputs, T[][] parameters, T[]? output, T[] outputGradient,
        T[]?[] inputGradients, T[][] parameterGradients, object? state, int threads)
    {
        Node = node;
        Batch = batch;
        _inputs = inputs;
        _parameters = parameters;
        _output = output;
        OutputGradient = outputGradient;
        _inputGradients = inputGradients;
        _parameterGradients = parameterGradients;
        State = state;
        Threads = threads;
    }

    private readonly T[]?[] _inputs;
    private readonly T[][] _parameters;
    private readonly T[]? _output;
    private readonly T[]?[] _inputGradients;
    private readonly T[][] _parameterGradients;

    /// <summary>The node being run.</summary>
    public Node Node { get; }

    /// <summary>The batch size B.</summary>
    public int Batch { get; }

    /// <summary>dL/dy, B x Node.Shape.Size elements.</summary>
    public T[] OutputGradient { get; }

    /// <summary>What the forward pass stored.</summary>
    public object? State { get; }

    /// <summary>Threads the op may use.</summary>
    public int Threads { get; }

    /// <summary>Input <paramref name="i"/> of the forward pass (kept when the op's <see cref="Op.Needs"/> has Inputs).</summary>
    /// <exception cref="InvalidOperationException">The op did not declare that it needs its inputs.</exception>
    public T[] Input(int i) => _inputs[i] ?? throw new InvalidOperationException($"node '{Node.Name}': input {i} was not kept for the backward pass (declare BackwardNeeds.Inputs).");

    /// <summary>The shape of input <paramref name="i"/> without the batch.</summary>
    public Shape InputShape(int i) => Node.InputShapes[i];

    /// <summary>The forward output (kept when the op's <see cref="Op.Needs"/> has Output).</summary>
    /// <exception cref="InvalidOperationException">The op did not declare that it needs its output.</exception>
    public T[] Output => _output ?? throw new InvalidOperationException($"node '{Node.Name}': the output was not kept for the backward pass (declare BackwardNeeds.Output).");

    /// <summary>Parameter <paramref name="i"/>.</summary>
    public T[] Parameter(int i) => _parameters[i];

    /// <summary>dL/d(input i), to ADD to; null when no gradient flows to that input (token ids, or inputs nobody asked about).</summary>
    public T[]? InputGradient(int i) => _inputGradients[i];

    /// <summary>dL/d(parameter i), to WRITE (it is not cleared).</summary>
    public T[] ParameterGradient(int i) => _parameterGradients[i];
}
