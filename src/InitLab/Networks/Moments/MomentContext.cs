namespace InitLab.Networks;

/// <summary>What a moment rule sees of its node: the node, its inputs' states, its parameters' laws, the batch size, the engine's
/// cross moments, and where to record an assumption.</summary>
public sealed class MomentContext
{
    private readonly MomentEngine.Walk _walk;
    private readonly Dictionary<string, ParameterLaw> _laws = [];
    private readonly Dictionary<string, object> _memo = [];

    internal MomentContext(MomentEngine.Walk walk, Node node)
    {
        _walk = walk;
        Node = node;
    }

    /// <summary>The node.</summary>
    public Node Node { get; }

    /// <summary>The graph.</summary>
    public Graph Graph => _walk.Graph;

    /// <summary>The batch size B (batch statistics and gradient norms depend on it).</summary>
    public int Batch => _walk.Options.Batch;

    /// <summary>Threads a rule may use over positions (0 = all cores); results never depend on it.</summary>
    public int Threads => _walk.Options.Threads;

    /// <summary>
    /// Runs <paramref name="body"/>(p) for every position p in 0..count-1, the rest in chunks on <see cref="Threads"/> threads
    /// when the field is expensive (each position computed alone and written to its own slot, so the results are the same bits on
    /// any number of threads; only the schedule depends on the timing).
    /// </summary>
    /// <remarks>What a position costs varies a thousandfold (a closed form of a Gaussian: tens of nanoseconds; a relu of a
    /// Gauss-rule law with an offset: a few microseconds; a gelu of one: hundreds), so instead of a fixed size the first
    /// <see cref="Probe"/> positions run on the calling thread and are timed: the rest goes parallel when it is expected to take
    /// at least <see cref="ParallelSeconds"/> (<see cref="MomentOptions"/> can lower it), long enough to amortize waking the pool's threads (a few microseconds each) and
    /// their spinning once done.</remarks>
    public void ForPositions(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        int threads = Threads <= 0 ? Parallelism.MaxThreads : Threads;
        if (threads == 1 || count < 2 * Probe)
        {
            for (int p = 0; p < count; p++) body(p);
            return;
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int p = 0; p < Probe; p++) body(p);
        double rest = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds * (count - Probe) / Probe;
        if (rest < _walk.Options.ParallelSeconds)
        {
            for (int p = Probe; p < count; p++) body(p);
            return;
        }
        const int chunk = 16;
        Parallelism.For((count - Probe + chunk - 1) / chunk, c =>
        {
            for (int p = Probe + c * chunk; p < Math.Min(count, Probe + (c + 1) * chunk); p++) body(p);
        }, threads);
    }

    /// <summary>Positions <see cref="ForPositions"/> runs and times on the calling thread before it decides.</summary>
    internal const int Probe = 16;

    /// <summary>The expected time of the remaining positions from which <see cref="ForPositions"/> uses the pool.</summary>
    internal const double ParallelSeconds = 2e-3;

    /// <summary>The number of inputs.</summary>
    public int InputCount => Node.InputIndices.Count;

    /// <summary>The state of input <paramref name="i"/> in its own layout.</summary>
    public MomentState Input(int i) => _walk.State(Node.InputIndices[i]);

    /// <summary>The state of input <paramref name="i"/> with <paramref name="featureAxis"/> as its feature axis (negative counts from the end).</summary>
    public MomentState Input(int i, int featureAxis) => Input(i).ToLayout(featureAxis < 0 ? featureAxis + Node.InputShapes[i].Rank : featureAxis);

    /// <summary>The node's own output state (set once the forward rule ran: in backward and cross rules).</summary>
    public MomentState Output => _walk.State(Node.Index);

    /// <summary>The law of the node's parameter <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such parameter, or an initializer the engine cannot treat.</exception>
    public ParameterLaw Law(string name)
    {
        if (_laws.TryGetValue(name, out var law)) return law;
        var p = Node.Parameter(name);
        law = ParameterLaw.Of(p, _walk.IsShared(p));
        _laws[name] = law;
        return law;
    }

    /// <summary>
    /// A value computed once per node and run (a rule's forward pieces that its backward and cross rules reuse, a stencil).
    /// </summary>
    public T Memo<T>(string key, Func<T> compute) where T : notnull
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (_memo.TryGetValue(key, out var hit)) return (T)hit;
        var value = compute();
        _memo[key] = value;
        return value;
    }

    /// <summary>
    /// A value computed once per run and shared by every node that asks with the same <paramref name="key"/> (a value that is a
    /// function of the key alone and never written to: a convolution's stencil, the same for every layer of one geometry).
    /// </summary>
    public T Shared<T>(string key, Func<T> compute) where T : notnull
    {
        ArgumentNullException.ThrowIfNull(compute);
        return _walk.Shared(key, compute);
    }

    /// <summary>Records an approximation the rule made at this node (shown per node in the trace).</summary>
    public void Assume(string assumption) => _walk.Assume(Node.Index, assumption);

    /// <summary>
    /// E[x_i x_j] per position (in the layout <paramref name="featureAxis"/>) for inputs i and j of one shape: their second moment when
    /// they are the same node, the product of their means when they are independent (no shared fresh source), else the
    /// rules' exact cross moment where they have one.
    /// </summary>
    public double[] CrossInputs(int i, int j, int featureAxis) =>
        _walk.Cross(Node.InputIndices[i], Node.InputIndices[j], featureAxis, Node.Index);

    /// <summary>True when inputs i and j share no fresh random source (so they are independent in the infinite-width limit).</summary>
    public bool Independent(int i, int j) => _walk.Independent(Node.InputIndices[i], Node.InputIndices[j]);

    /// <summary>E[x_other * x_input(i)] per position in the layout <paramref name="featureAxis"/> (for a rule's own cross moment).</summary>
    public double[] CrossWithInput(int other, int i, int featureAxis) =>
        _walk.Cross(other, Node.InputIndices[i], featureAxis, Node.Index);

    /// <summary>The state of any node already computed.</summary>
    public MomentState StateOf(int node) => _walk.State(node);
}

/// <summary>The gradient fields a backward moment rule reads and writes.</summary>
public sealed class MomentGradients
{
    private readonly double[]?[] _fields;
    private readonly MomentContext _context;

    internal MomentGradients(MomentContext context, double[] output, double[]?[] fields)
    {
        _context = context;
        Output = output;
        _fields = fields;
    }

    /// <summary>E[(dL/dy)^2] per position of the output's layout, averaged over the units.</summary>
    public double[] Output { get; }

    /// <summary>E||dL/dθ||^2 summed over the node's parameters (over the whole batch).</summary>
    public double ParameterSquare { get; private set; }

    /// <summary>Adds <paramref name="field"/> (per position of input i in the layout <paramref name="featureAxis"/>) to input i's gradient.</summary>
    public void Add(int i, double[] field, int featureAxis)
    {
        ArgumentNullException.ThrowIfNull(field);
        var node = _context.Node;
        int input = node.InputIndices[i];
        var own = _context.StateOf(input);
        var shape = node.InputShapes[i];
        if (featureAxis < 0) featureAxis += shape.Rank;
        var f = Fields.Convert(shape, featureAxis, own.FeatureAxis, field);
        var target = _fields[input] ??= new double[f.Length];
        for (int p = 0; p < f.Length; p++) target[p] += f[p];
    }

    /// <summary>Adds E||dL/dθ||^2 of a parameter tensor.</summary>
    public void AddParameter(double squareNorm) => ParameterSquare += squareNorm;
}
