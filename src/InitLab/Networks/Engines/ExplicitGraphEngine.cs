using System.Numerics;
using InitLab.Random;

namespace InitLab.Networks;

/// <summary>Settings of a diagnostic run of the explicit engine.</summary>
public sealed record ExplicitOptions
{
    /// <summary>Number of examples B in the batch (default 64).</summary>
    public int Batch { get; init; } = 64;

    /// <summary>The seed of every parameter, input draw, dropout mask and top gradient.</summary>
    public ulong Seed { get; init; }

    /// <summary>Also back-propagate a random top gradient dL/dy ~ N(0, 1) and report gradient norms.</summary>
    public bool Backward { get; init; }

    /// <summary>Threads the ops may use: 0 (default) = all cores, 1 = serial; results do not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>The Philox stream of the top gradient (default 1, as the MLP lab; hashed parameter streams never use it).</summary>
    public ulong GradientStream { get; init; } = 1;
}

/// <summary>
/// The explicit engine over a network graph: every parameter is drawn from its initializer and its stream, every op runs
/// forward (float32, through <see cref="LinearAlgebra.Gemm"/>) and optionally backward, and each node's output is measured.
/// </summary>
/// <remarks>
/// <para>Randomness: parameter p is drawn with <c>new Generator(seed, p.Stream)</c>, an input node from its own stream, the top
/// gradient from <see cref="ExplicitOptions.GradientStream"/>; each is a pure function of (seed, identity), so results are
/// bit-identical on any thread count and do not change when unrelated nodes are added.</para>
/// <para>Memory: a forward-only run frees each node's output as soon as its last reader ran, and each node's parameters right
/// after it ran; <see cref="GraphTrace.PeakActivationElements"/> reports the most activations alive at once.</para>
/// <para>Training plugs in through <see cref="Forward{T}"/>: forward with given parameters, then
/// <see cref="GraphPass{T}.Backward"/> with dL/d(output) returns dL/dθ for every parameter (weights and biases).</para>
/// </remarks>
public static class ExplicitGraphEngine
{
    /// <summary>
    /// Runs <paramref name="graph"/> on a batch (inputs drawn from their input nodes unless given), measuring every node; stops
    /// after the first node whose output is non-finite. With <see cref="ExplicitOptions.Backward"/>, back-propagates
    /// dL/dy ~ N(0, 1) from the output (loss L = sum(top ⊙ y)) and reports ||dL/dy|| per node and ||dL/dθ|| per parameter.
    /// </summary>
    /// <exception cref="ArgumentException">A batch or thread count below 1, an input of the wrong size, a tensor too large for one array.</exception>
    public static GraphTrace Run(Graph graph, ExplicitOptions? options = null, IReadOnlyDictionary<string, float[]>? inputs = null) =>
        Run(graph, options ?? new ExplicitOptions(), inputs, null);

    internal static GraphTrace Run(Graph graph, ExplicitOptions options, IReadOnlyDictionary<string, float[]>? inputs,
        Action<Execution<float>>? configure)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var run = new Execution<float>(graph, options.Batch, options.Seed, options.Threads, options.Backward, null, inputs, trace: true);
        configure?.Invoke(run);
        run.Forward();
        if (options.Backward && run.FirstNonFinite is null)
        {
            var top = new float[options.Batch * graph.Output.Shape.Size];
            new Generator(options.Seed, options.GradientStream).Normal(top);
            run.RunBackward(top, inputGradients: true);
        }
        return new GraphTrace(graph.Name, options.Batch, options.Seed, run.Traces,
            run.FirstNonFinite is { } k ? graph.Nodes[k].Name : null, run.PeakLive);
    }

    /// <summary>
    /// The forward pass with given parameters, kept for a backward pass: the entry point of training.
    /// <code>
    /// var p = NetworkParameters&lt;float&gt;.Draw(graph, seed);
    /// var pass = ExplicitGraphEngine.Forward(graph, p, batch, new Dictionary&lt;string, float[]&gt; { ["input"] = x });
    /// var grads = pass.Backward(dLossDOutput(pass.Output));   // grads.Parameters["fc1.weight"], ["fc1.bias"], ...
    /// </code>
    /// </summary>
    /// <param name="graph">The network.</param>
    /// <param name="parameters">Its parameters (read, never written).</param>
    /// <param name="batch">The batch size.</param>
    /// <param name="inputs">Data per input node (batch x shape, row-major); missing inputs are drawn from the node with <paramref name="seed"/>.</param>
    /// <param name="seed">The seed of drawn inputs and dropout masks.</param>
    /// <param name="threads">Threads the ops may use: 0 = all cores, 1 = serial; results do not depend on it.</param>
    /// <param name="trace">Also measure every node (costs one pass over each output).</param>
    /// <exception cref="ArgumentException">Parameters of another graph, a batch below 1, or an input of the wrong size.</exception>
    public static GraphPass<T> Forward<T>(Graph graph, NetworkParameters<T> parameters, int batch,
        IReadOnlyDictionary<string, T[]>? inputs = null, ulong seed = 0, int threads = 0, bool trace = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var run = new Execution<T>(graph, batch, seed, threads, backward: true, parameters, inputs, trace)
        {
            StopsOnNonFinite = _ => false,
        };
        run.Forward();
        return new GraphPass<T>(graph, run);
    }
}

/// <summary>A forward pass kept for its backward pass (see <see cref="ExplicitGraphEngine.Forward{T}"/>).</summary>
public sealed class GraphPass<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Execution<T> _run;
    private bool _done;

    internal GraphPass(Graph graph, Execution<T> run)
    {
        Graph = graph;
        _run = run;
    }

    /// <summary>The graph.</summary>
    public Graph Graph { get; }

    /// <summary>The output node's values, batch x output shape, row-major.</summary>
    public T[] Output => _run.Outputs[Graph.Output.Index]!;

    /// <summary>Per-node statistics (empty unless the pass was traced; gradient norms after <see cref="Backward"/>).</summary>
    public IReadOnlyList<NodeTrace> Nodes => _run.Traces;

    /// <summary>
    /// Back-propagates dL/d(output) = <paramref name="outputGradient"/>: dL/dθ for every parameter the output depends on (keyed
    /// by full name; weights and biases alike) and dL/dx for every Gaussian input node. Runs once.
    /// </summary>
    /// <exception cref="ArgumentException">The gradient has the wrong length.</exception>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    public (NetworkParameters<T> Parameters, IReadOnlyDictionary<string, T[]> Inputs) Backward(T[] outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (_done) throw new InvalidOperationException("the backward pass already ran; run a new forward pass.");
        _done = true;
        var g = _run.RunBackward(outputGradient, inputGradients: true);
        return (g.Parameters, g.Inputs);
    }
}
