using System.Numerics;
using InitLab.Networks.Ops;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>
/// The one walk over a graph that every explicit computation goes through (the explicit engine, its MLP view, LSUV, the
/// ensemble engine's sampled layers, training): nodes in topological order, each op's forward, the per-node trace, the stop at
/// the first non-finite node, freeing every output once its last reader ran (unless a backward pass will need it), and the
/// backward pass in reverse order.
/// </summary>
internal sealed class Execution<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Graph _graph;
    private readonly NetworkParameters<T>? _given;
    private readonly IReadOnlyDictionary<string, T[]>? _inputs;
    private readonly bool[] _keep;
    private readonly int[] _pendingReaders;
    private readonly Dictionary<int, Stack<T[]>> _pool = [];
    private readonly Dictionary<int, Stack<T[]>> _parameterPool = [];
    private (ulong Stream, Shape Shape, Initializers.Initializer Init, T[] Values)? _lastDraw;
    private bool _lastDrawRetired;
    // The std of each drawn parameter array's current draw (by reference), measured right after the draw.
    private readonly Dictionary<T[], double> _drawnStd = new(ReferenceEqualityComparer.Instance);
    private long _live;

    public Execution(Graph graph, int batch, ulong seed, int threads, bool backward, NetworkParameters<T>? given,
        IReadOnlyDictionary<string, T[]>? inputs, bool trace)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (batch < 1) throw new ArgumentException($"batch must be >= 1, got {batch}.", nameof(batch));
        Numerics.Guard.Threads(threads);
        if (given is not null && given.Graph != graph) throw new ArgumentException("the parameters belong to another graph.", nameof(given));
        _graph = graph;
        Batch = batch;
        Seed = seed;
        Threads = threads;
        Backward = backward;
        _given = given;
        _inputs = inputs;
        Trace = trace;
        int n = graph.Nodes.Count;
        foreach (var node in graph.Nodes)
            if ((long)batch * node.Shape.Size > Array.MaxLength)
                throw new ArgumentException($"node '{node.Name}' ({node.Op.Kind}): a batch of {batch} x {node.Shape} = {(long)batch * node.Shape.Size} elements is more than one array can hold.", nameof(batch));
        if (inputs is not null)
            foreach (var (name, data) in inputs)
            {
                if (!graph.Contains(name) || graph[name].Op is not InputOp)
                    throw new ArgumentException($"'{name}' is not an input node of the graph.", nameof(inputs));
                long expected = (long)batch * graph[name].Shape.Size;
                if (data.Length != expected)
                    throw new ArgumentException($"input '{name}' has {data.Length} values, expected batch x {graph[name].Shape} = {expected}.", nameof(inputs));
            }
        Outputs = new T[]?[n];
        States = new object?[n];
        Params = new T[]?[]?[n];
        _keep = new bool[n];
        _pendingReaders = new int[n];
        for (int i = 0; i < n; i++)
        {
            _pendingReaders[i] = graph.Consumers(i).Count;
            var op = graph.Nodes[i].Op;
            _keep[i] = i == graph.Output.Index
                || backward && ((op.Needs & BackwardNeeds.Output) != 0 || graph.Consumers(i).Any(c => (graph.Nodes[c].Op.Needs & BackwardNeeds.Inputs) != 0));
        }
    }

    public int Batch { get; }
    public ulong Seed { get; }
    public int Threads { get; }
    public bool Backward { get; }
    public bool Trace { get; }
    public T[]?[] Outputs { get; }
    public object?[] States { get; }
    public T[]?[]?[] Params { get; }
    public List<NodeTrace> Traces { get; } = [];
    public int? FirstNonFinite { get; private set; }
    public long PeakLive { get; private set; }

    /// <summary>Replaces an op's forward for some nodes (the ensemble engine samples X W^T); returns true when it wrote the output.</summary>
    public Func<Node, ForwardPass<T>, bool>? Override { get; set; }

    /// <summary>Runs after a node's forward and before its trace (LSUV rescales and calls <see cref="Run"/> again).</summary>
    public Action<Node>? AfterNode { get; set; }

    /// <summary>Which nodes end the run when their output is non-finite (default: every node).</summary>
    public Func<Node, bool> StopsOnNonFinite { get; set; } = _ => true;

    /// <summary>Whether the trace measures each parameter tensor's std (a pass over every weight; the MLP lab's layer view
    /// does not report it, and at width 4096 it costs as much as the layer's statistics and its product together).</summary>
    public bool MeasureParameters { get; set; } = true;

    /// <summary>Whether consecutive parameters on one stream with one shape and initializer share one draw (shared weights).</summary>
    public bool ShareDraws { get; set; } = true;

    /// <summary>The forward pass: every node in order, until the first non-finite one (when tracing).</summary>
    public void Forward()
    {
        foreach (var node in _graph.Nodes)
        {
            Run(node);
            AfterNode?.Invoke(node);
            if (Trace)
            {
                var t = Measure(node);
                Traces.Add(t);
                if (t.NonFinite > 0 && StopsOnNonFinite(node))
                {
                    FirstNonFinite = node.Index;
                    return;
                }
            }
            Retire(node);
        }
    }

    /// <summary>(Re)computes one node's output from its inputs' outputs.</summary>
    public void Run(Node node)
    {
        int i = node.Index;
        var parameters = Params[i] ??= new T[node.Parameters.Count][];
        var inputs = node.InputIndices.Select(j => Outputs[j] ?? throw new InvalidOperationException($"node '{node.Name}': input '{_graph.Nodes[j].Name}' was freed.")).ToArray();
        var output = Outputs[i] ?? TakeInput(node) ?? Rent(node, clear: false);
        Outputs[i] = output;
        var pass = new ForwardPass<T>(node, Batch, inputs, parameters, k => Parameter(node.Parameters[k]), output, Threads, Backward, Seed);
        if (node.Op is InputOp && _inputs is not null && _inputs.TryGetValue(node.Name, out var data))
            data.CopyTo(output, 0);
        else if (Override is null || !Override(node, pass))
            node.Op.Forward(pass);
        States[i] = pass.State;
    }

    private static double ParameterStd(T[] v) => typeof(T) == typeof(float) ? Stats.StdOf((float[])(object)v)
        : Stats.Of<T>(new DenseTensor<T>(new Shape(v.Length), v)).Std;

    private T[] Parameter(Parameter p)
    {
        if (_given is not null) return _given[p];
        if (ShareDraws && _lastDraw is { } last && last.Stream == p.Stream && last.Shape == p.Shape && ReferenceEquals(last.Init, p.Initializer))
        {
            _lastDrawRetired = false;
            return last.Values;
        }
        if (_lastDraw is { } previous && _lastDrawRetired) Recycle(previous.Values);
        var values = NetworkParameters<T>.DrawOne(p, Seed, Threads, TakeRecycled((int)p.Shape.Size));
        _lastDraw = (p.Stream, p.Shape, p.Initializer, values);
        // The trace's std of a drawn parameter, taken while the draw is still in cache (the same function of the same values
        // as in Measure). Not with an AfterNode hook, which may change the values (LSUV rescales them).
        if (Trace && MeasureParameters && AfterNode is null) _drawnStd[values] = ParameterStd(values);
        _lastDrawRetired = false;
        return values;
    }

    // Without a backward pass a drawn parameter is dead once its node retired: its array takes the next draw of its size instead
    // of a fresh one (a fresh 64 MiB array costs page faults and zeroing worth more than the draw itself). Every initializer
    // writes every element, so the recycled contents never show. The last draw stays alive while a later node may share it.
    private void Recycle(T[] values)
    {
        if (!_parameterPool.TryGetValue(values.Length, out var stack)) _parameterPool[values.Length] = stack = new Stack<T[]>();
        stack.Push(values);
    }

    private T[]? TakeRecycled(int length) =>
        _parameterPool.TryGetValue(length, out var stack) && stack.Count > 0 ? stack.Pop() : null;

    private void RetireParameters(T[]?[] values)
    {
        foreach (var v in values)
        {
            if (v is null) continue;
            if (_lastDraw is { } last && ReferenceEquals(last.Values, v)) _lastDrawRetired = true;
            else Recycle(v);
        }
    }

    /// <summary>After a node's forward: inputs whose last reader it was are freed (unless kept for the backward pass).</summary>
    private void Retire(Node node)
    {
        foreach (int j in node.InputIndices.Distinct())
            if (--_pendingReaders[j] == 0 && !_keep[j]) Free(j);
        if (_pendingReaders[node.Index] == 0 && !_keep[node.Index]) Free(node.Index);
        if (!Backward)
        {
            if (_given is null && Params[node.Index] is { } drawn) RetireParameters(drawn);
            Params[node.Index] = null;
            States[node.Index] = null;
        }
    }

    /// <summary>
    /// The input array an element-wise op may overwrite with its output (null when none): an input of the output's size whose
    /// last reader is this node, not kept, and read once by it. Its ownership passes to the node (the input is not freed
    /// again), so the op writes into an array that is still in cache instead of a cold one, and the run holds one array less.
    /// Only ops whose every output element depends on the same element of that input alone, read before it is written
    /// (activations, y may be x by <see cref="Activations.Activation.Forward{T}"/>'s contract; a sum's first two inputs;
    /// normalization, whose statistics of a set are taken before the set is written), and only on forward-only runs
    /// without hooks (LSUV's AfterNode runs a node again on the same inputs; an override writes outputs its own way).
    /// The bits are those of a separate output array.
    /// </summary>
    private T[]? TakeInput(Node node)
    {
        if (Backward || AfterNode is not null || Override is not null) return null;
        int candidates = node.Op switch
        {
            ActivationOp or NormalizationOp => 1,
            AddOp => 2,
            _ => 0,
        };
        long length = Batch * node.Shape.Size;
        for (int k = 0; k < Math.Min(candidates, node.InputIndices.Count); k++)
        {
            int j = node.InputIndices[k];
            if (_keep[j] || _pendingReaders[j] != 1 || node.InputIndices.Count(m => m == j) != 1) continue;
            if (Outputs[j] is not { } a || a.Length != length) continue;
            Outputs[j] = null;
            return a;
        }
        return null;
    }

    private void Free(int i)
    {
        if (Outputs[i] is { } a)
        {
            Return(a);
            Outputs[i] = null;
        }
    }

    private T[] Rent(Node node, bool clear)
    {
        int length = checked((int)(Batch * node.Shape.Size));
        _live += length;
        PeakLive = Math.Max(PeakLive, _live);
        if (_pool.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            var a = stack.Pop();
            if (clear) Array.Clear(a);
            return a;
        }
        return clear ? new T[length] : GC.AllocateUninitializedArray<T>(length);
    }

    private void Return(T[] a)
    {
        _live -= a.Length;
        if (!_pool.TryGetValue(a.Length, out var stack)) _pool[a.Length] = stack = new Stack<T[]>();
        stack.Push(a);
    }

    /// <summary>Outputs of at least this many elements are measured on several threads (below, the hand-off costs more).</summary>
    private const int ParallelMeasureFrom = 1 << 16;

    private NodeTrace Measure(Node node)
    {
        var y = Outputs[node.Index]!;
        long n = node.Shape.Size;
        Stats? s = null;
        MagnitudeHistogram? histogram = null;
        double? correlation = null;
        int threads = y.Length >= ParallelMeasureFrom ? Threads : 1;
        if (typeof(T) == typeof(float))
        {
            // Statistics and histogram in one pass, the correlation riding on the deviations' pass (Stats.Measure); on several
            // threads the correlation runs beside them instead. Each quantity is computed whole by one thread: the same bits
            // on any thread count.
            var yf = (float[])(object)y;
            int pair = Batch >= 2 ? (int)n : 0;
            bool apart = pair > 0 && threads != 1 && Parallelism.MaxThreads > 1;
            Parallelism.For(apart ? 2 : 1, part =>
            {
                if (part == 0)
                {
                    s = Stats.Measure(yf, apart ? 0 : pair, out var h, out double c);
                    histogram = h;
                    if (!apart && pair > 0) correlation = c;
                }
                else correlation = Correlation(y, pair);
            }, threads);
        }
        else
            // The statistics, the histogram and the correlation are three independent passes: side by side on several threads
            // (each computed whole by one thread, so the same bits on any thread count).
            Parallelism.For(3, part =>
            {
                switch (part)
                {
                    case 0: s = Stats.Of<T>(new DenseTensor<T>(new Shape(y.Length), y)); break;
                    case 1: histogram = MagnitudeHistogram.Of<T>(y); break;
                    default: correlation = Batch >= 2 ? Correlation(y, (int)n) : null; break;
                }
            }, threads);
        var parameters = node.Parameters.Select((p, k) =>
        {
            var v = Params[node.Index]![k];
            double std = v is null || !MeasureParameters ? double.NaN
                : AfterNode is null && _drawnStd.TryGetValue(v, out double drawn) ? drawn : ParameterStd(v);
            return new ParameterTrace(p.Name, p.Shape, p.Role, p.Initializer.Name, std);
        }).ToList();
        return new NodeTrace(node.Name, node.Op.Kind, node.Shape, node.Block, s!.Mean, s.Std, s.MeanSquare, s.Min, s.Max, s.ZeroFraction,
            s.NaNCount + s.InfCount, correlation, parameters, Histogram: histogram);
    }

    /// <summary>q12 / sqrt(q11 q22) over the first two examples (Poole et al. 2016's c), in <see cref="Stats.PairCorrelation{T}"/>'s
    /// order (sixteen lanes by index; the order <see cref="Stats.Measure"/> takes).</summary>
    internal static double Correlation(ReadOnlySpan<T> y, int n) => Stats.PairCorrelation(y, n);

    /// <summary>The gradients a backward pass produced.</summary>
    public sealed record Gradients(NetworkParameters<T> Parameters, Dictionary<string, T[]> Inputs);

    /// <summary>
    /// Back-propagates dL/d(output) = <paramref name="top"/> through every node the output depends on; fills the traces'
    /// gradient norms. Input nodes with Gaussian values get gradients when <paramref name="inputGradients"/>.
    /// </summary>
    public Gradients RunBackward(T[] top, bool inputGradients)
    {
        if (!Backward) throw new InvalidOperationException("this run kept nothing for a backward pass.");
        if (FirstNonFinite is not null) throw new InvalidOperationException("the forward pass stopped at a non-finite node.");
        var output = _graph.Output;
        if (top.Length != Batch * output.Shape.Size)
            throw new ArgumentException($"the output gradient has {top.Length} values, expected batch x {output.Shape} = {Batch * output.Shape.Size}.", nameof(top));
        int n = _graph.Nodes.Count;
        var grads = new T[]?[n];
        grads[output.Index] = top;
        var paramGrads = new Dictionary<string, T[]>();
        var inputs = new Dictionary<string, T[]>();
        var traceIndex = Trace ? Traces.Select((t, k) => (t.Name, k)).ToDictionary(p => p.Name, p => p.k) : null;
        for (int i = output.Index; i >= 0; i--)
        {
            var node = _graph.Nodes[i];
            var g = grads[i];
            if (g is null) continue;
            var inputGrads = new T[]?[node.InputIndices.Count];
            for (int k = 0; k < inputGrads.Length; k++)
            {
                var source = _graph.Nodes[node.InputIndices[k]];
                bool wanted = source.Op is not InputOp input || inputGradients && input.Vocab == 0;
                if (wanted) inputGrads[k] = grads[source.Index] ??= new T[Batch * source.Shape.Size];
            }
            var pg = node.Parameters.Select(p => new T[p.Shape.Size]).ToArray();
            var values = Params[i]!;
            for (int k = 0; k < values.Length; k++) values[k] ??= Parameter(node.Parameters[k]);
            var pass = new BackwardPass<T>(node, Batch, node.InputIndices.Select(j => Outputs[j]).ToArray(), values!, Outputs[i], g,
                inputGrads, pg, States[i], Threads);
            node.Op.Backward(pass);
            for (int k = 0; k < pg.Length; k++) paramGrads[node.Parameters[k].FullName] = pg[k];
            if (node.Op is InputOp) inputs[node.Name] = g;
            if (traceIndex is not null && traceIndex.TryGetValue(node.Name, out int t))
            {
                var trace = Traces[t];
                double total = 0;
                var ps = trace.Parameters.Select((p, k) =>
                {
                    double norm = Norm(pg[k]);
                    total += norm * norm;
                    return p with { GradNorm = norm };
                }).ToList();
                Traces[t] = trace with { GradNorm = Norm(g), Parameters = ps, ParamGradNorm = pg.Length > 0 ? Math.Sqrt(total) : null };
            }
            grads[i] = null;
            States[i] = null;
            if (i != output.Index && Outputs[i] is { } o)
            {
                Outputs[i] = null;
                _live -= o.Length;
            }
        }
        return new Gradients(NetworkParameters<T>.Partial(_graph, paramGrads), inputs);
    }

    internal static double Norm(ReadOnlySpan<T> v)
    {
        double s = 0;
        foreach (var e in v) s += double.CreateTruncating(e) * double.CreateTruncating(e);
        return Math.Sqrt(s);
    }
}
