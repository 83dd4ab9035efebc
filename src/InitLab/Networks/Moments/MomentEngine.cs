using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>Settings of a run of the moment engine.</summary>
public sealed record MomentOptions
{
    /// <summary>The batch size B: batch norm's statistics and the predicted gradient norms depend on it (default 64, as the explicit engine).</summary>
    public int Batch { get; init; } = 64;

    /// <summary>Also propagate the second moment of a gradient dL/dy ~ N(0, 1) at the output back to every node.</summary>
    public bool Backward { get; init; }

    /// <summary>Threads the rules may use over the positions of large fields: 0 (default) = all cores, 1 = serial; results do not
    /// depend on it (each position is computed alone).</summary>
    public int Threads { get; init; }

    /// <summary>The expected time of a field's remaining positions from which they run on the pool (tests set 0 to force it).</summary>
    internal double ParallelSeconds { get; init; } = MomentContext.ParallelSeconds;
}

/// <summary>
/// The moment engine: every node's mean, variance and covariances in the infinite-width limit, with no sampling. A walk over
/// the graph in topological order calls each op's <see cref="IMomentRule"/> (closed forms where they exist, Gaussian quadrature
/// elsewhere); cross moments between the inputs of an add come from the graph's structure (independent unless they share a fresh
/// random source, exact one-dimensional integrals when both are element-wise maps of one Gaussian). With
/// <see cref="MomentOptions.Backward"/> the second moment of the gradient goes back through each rule.
/// </summary>
/// <remarks>
/// Cost: one pass over the nodes, per node O(positions x kernel) plus a few quadratures (memoized per distinct input moments), so a
/// 1000-block ResNet or a 1000-layer transformer runs in well under a second. Approximations beyond the infinite-width limit
/// are listed per node in <see cref="MomentNode.Assumptions"/>.
/// </remarks>
public static class MomentEngine
{
    /// <summary>Runs the moment engine on <paramref name="graph"/>.</summary>
    /// <exception cref="ArgumentException">An op without a moment rule, a parameter initializer the engine cannot treat, or a batch &lt; 1
    /// (the message names the node).</exception>
    public static MomentTrace Run(Graph graph, MomentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        options ??= new MomentOptions();
        if (options.Batch < 1) throw new ArgumentException($"batch must be >= 1, got {options.Batch}.", nameof(options));
        var walk = new Walk(graph, options);
        walk.Forward();
        if (options.Backward && walk.FirstNonFinite is null) walk.RunBackward();
        return walk.Trace();
    }

    /// <summary>The states of every node (for tools that need the covariances, e.g. automatic initialization).</summary>
    public static IReadOnlyList<MomentState> States(Graph graph, MomentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var walk = new Walk(graph, options ?? new MomentOptions());
        walk.Forward();
        return walk.States;
    }

    internal sealed class Walk
    {
        private readonly MomentState?[] _states;
        private readonly IMomentRule[] _rules;
        private readonly MomentContext[] _contexts;
        private readonly int[][] _frontier;
        private readonly List<string>?[] _assumptions;
        private readonly HashSet<(ulong, string, string)> _shared;
        private readonly Dictionary<(int, int, int), double[]> _cross = [];
        private double[]?[]? _gradients;
        private readonly double[] _parameterSquares;

        public Walk(Graph graph, MomentOptions options)
        {
            Graph = graph;
            Options = options;
            int n = graph.Nodes.Count;
            _states = new MomentState?[n];
            _rules = new IMomentRule[n];
            _contexts = new MomentContext[n];
            _frontier = new int[n][];
            _assumptions = new List<string>?[n];
            _parameterSquares = new double[n];
            // Parameters drawn from one stream with one shape and initializer are one tensor (the explicit engine's shared weights).
            _shared = graph.Parameters.GroupBy(p => (p.Stream, p.Shape.ToString(), p.Initializer.ToString() ?? ""))
                .Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
            foreach (var node in graph.Nodes)
            {
                _rules[node.Index] = Graph.Require<IMomentRule>(node, "moments");
                _contexts[node.Index] = new MomentContext(this, node);
            }
        }

        public Graph Graph { get; }
        public MomentOptions Options { get; }
        public int? FirstNonFinite { get; private set; }
        public IReadOnlyList<MomentState> States => _states.TakeWhile(s => s is not null).Select(s => s!).ToList();

        public bool IsShared(Parameter p) => _shared.Contains((p.Stream, p.Shape.ToString(), p.Initializer.ToString() ?? ""));

        public MomentState State(int node) => _states[node] ?? throw new InvalidOperationException($"node '{Graph.Nodes[node].Name}' has no state yet.");

        private readonly Dictionary<string, object> _sharedValues = [];

        public T Shared<T>(string key, Func<T> compute) where T : notnull
        {
            if (_sharedValues.TryGetValue(key, out var hit)) return (T)hit;
            var value = compute();
            _sharedValues[key] = value;
            return value;
        }

        public void Assume(int node, string text)
        {
            var list = _assumptions[node] ??= [];
            if (!list.Contains(text)) list.Add(text);
        }

        public void Forward()
        {
            foreach (var node in Graph.Nodes)
                if (!Step(node.Index)) return;
        }

        /// <summary>Computes node <paramref name="i"/>'s state from its inputs' (already computed); false when it overflowed.</summary>
        public bool Step(int i)
        {
            var ctx = _contexts[i];
            var node = ctx.Node;
            MomentState state;
            try
            {
                state = _rules[i].Forward(ctx);
            }
            catch (ArgumentException e) when (!e.Message.StartsWith($"node '{node.Name}'", StringComparison.Ordinal))
            {
                throw new ArgumentException($"node '{node.Name}' ({node.Op.Kind}): {GraphBuilder.Strip(e)}", e.ParamName, e);
            }
            if (state.Shape != node.Shape)
                throw new InvalidOperationException($"node '{node.Name}' ({node.Op.Kind}): the moment rule returned shape {state.Shape}, expected {node.Shape}.");
            _states[i] = state;
            _frontier[i] = _rules[i].IsFresh(ctx) ? [i] : Union(node.InputIndices.Select(k => _frontier[k]));
            if (!double.IsFinite(state.AverageSecond) || !double.IsFinite(state.AverageMean))
            {
                FirstNonFinite = i;
                return false;
            }
            return true;
        }

        /// <summary>
        /// Puts <paramref name="node"/> (same index, inputs and shape; another op or other initializers) in place of the walk's node
        /// before it is (re)computed with <see cref="Step"/>: automatic initialization tries a scale, then sets it. Only nodes not yet
        /// read by a later node may be replaced.
        /// </summary>
        public void Replace(Node node)
        {
            int i = node.Index;
            _rules[i] = Graph.Require<IMomentRule>(node, "moments");
            _contexts[i] = new MomentContext(this, node);
            _assumptions[i] = null;
            _states[i] = null;
            foreach (var key in _cross.Keys.Where(k => k.Item1 == i || k.Item2 == i).ToList()) _cross.Remove(key);
        }

        /// <summary>The node the walk uses at index <paramref name="i"/> (the graph's, unless replaced).</summary>
        public Node NodeAt(int i) => _contexts[i].Node;

        private static int[] Union(IEnumerable<int[]> sets)
        {
            var all = sets.ToList();
            if (all.Count == 1) return all[0];
            if (all.Count == 2) return Merge(all[0], all[1]);
            return all.SelectMany(s => s).Distinct().Order().ToArray();
        }

        /// <summary>The sorted union of two sorted sets without repeats (an add's two inputs: the residual stream's set grows with
        /// depth, so a linear merge instead of hashing every element).</summary>
        private static int[] Merge(int[] x, int[] y)
        {
            if (x == y) return x;
            var r = new int[x.Length + y.Length];
            int i = 0, j = 0, n = 0;
            while (i < x.Length && j < y.Length)
            {
                if (x[i] < y[j]) r[n++] = x[i++];
                else if (y[j] < x[i]) r[n++] = y[j++];
                else
                {
                    r[n++] = x[i++];
                    j++;
                }
            }
            while (i < x.Length) r[n++] = x[i++];
            while (j < y.Length) r[n++] = y[j++];
            return n == r.Length ? r : r[..n];
        }

        public bool Independent(int a, int b) => a != b && Disjoint(a, b);

        private bool Disjoint(int a, int b)
        {
            int[] x = _frontier[a], y = _frontier[b];
            int i = 0, j = 0;
            while (i < x.Length && j < y.Length)
            {
                if (x[i] == y[j]) return false;
                if (x[i] < y[j]) i++;
                else j++;
            }
            return true;
        }

        /// <summary>E[x_a x_b] per position in layout <paramref name="axis"/> (a and b of one shape), asked by node <paramref name="asker"/>.</summary>
        public double[] Cross(int a, int b, int axis, int asker)
        {
            var sa = State(a);
            if (a == b) return sa.ToLayout(axis).Second;
            if (b < a) (a, b) = (b, a);
            if (_cross.TryGetValue((a, b, axis), out var hit)) return hit;
            var sb = State(b);
            double[] result;
            if (sa.Shape != sb.Shape)
                throw new InvalidOperationException($"cross moment of nodes '{Graph.Nodes[a].Name}' {sa.Shape} and '{Graph.Nodes[b].Name}' {sb.Shape} of different shapes.");
            if (Disjoint(a, b))
                result = Product(sa.ToLayout(axis).Mean, sb.ToLayout(axis).Mean);
            else if (_rules[b].Cross(_contexts[b], a) is { } exact)
                result = Fields.Convert(sb.Shape, sb.FeatureAxis, axis, exact);
            else
            {
                result = Product(sa.ToLayout(axis).Mean, sb.ToLayout(axis).Mean);
                Assume(asker, $"'{Graph.Nodes[a].Name}' and '{Graph.Nodes[b].Name}' share a random source but no rule gives their cross moment: taken as uncorrelated");
            }
            _cross[(a, b, axis)] = result;
            return result;
        }

        private static double[] Product(double[] x, double[] y)
        {
            var r = new double[x.Length];
            for (int p = 0; p < r.Length; p++) r[p] = x[p] * y[p];
            return r;
        }

        public void RunBackward()
        {
            int n = Graph.Nodes.Count;
            _gradients = new double[]?[n];
            var output = Graph.Output;
            _gradients[output.Index] = Fields.Constant(State(output.Index).Positions, 1);
            NoteGradientSums();
            for (int i = n - 1; i >= 0; i--)
            {
                if (_gradients[i] is not { } g) continue;
                var node = Graph.Nodes[i];
                var grads = new MomentGradients(_contexts[i], g, _gradients);
                try
                {
                    _rules[i].Backward(_contexts[i], grads);
                }
                catch (ArgumentException e) when (!e.Message.StartsWith($"node '{node.Name}'", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"node '{node.Name}' ({node.Op.Kind}): {GraphBuilder.Strip(e)}", e.ParamName, e);
                }
                _parameterSquares[i] = grads.ParameterSquare;
            }
        }

        /// <summary>
        /// Gradients from several readers are added as uncorrelated. That is exact in the infinite-width limit when all readers but
        /// one reach a fresh random projection before any merge (the projection's transpose decorrelates them); otherwise the node
        /// says so.
        /// </summary>
        private void NoteGradientSums()
        {
            foreach (var node in Graph.Nodes)
            {
                var readers = Graph.Consumers(node.Index);
                if (readers.Count < 2) continue;
                int unseparated = readers.Count(r => !LeadsToFresh(r));
                if (unseparated > 1)
                    Assume(node.Index, $"the gradients from its {readers.Count} readers are added as uncorrelated (not all paths but one pass a fresh weight)");
            }
        }

        private bool LeadsToFresh(int reader)
        {
            var stack = new Stack<int>();
            stack.Push(reader);
            var seen = new HashSet<int>();
            while (stack.Count > 0)
            {
                int r = stack.Pop();
                if (!seen.Add(r)) continue;
                if (_rules[r].IsFresh(_contexts[r])) continue;
                var node = Graph.Nodes[r];
                if (node.InputIndices.Count > 1 || r == Graph.Output.Index) return false;
                foreach (int c in Graph.Consumers(r)) stack.Push(c);
            }
            return true;
        }

        public MomentTrace Trace()
        {
            var nodes = new List<MomentNode>();
            int b = Options.Batch;
            foreach (var node in Graph.Nodes)
            {
                if (_states[node.Index] is not { } s) break;
                double? gradSecond = _gradients?[node.Index] is { } g ? g.Average() : null;
                double? gradNorm = gradSecond is { } gs ? Math.Sqrt(b * node.Shape.Size * gs) : null;
                double? paramNorm = _gradients is not null && node.Parameters.Count > 0 && _gradients[node.Index] is not null
                    ? Math.Sqrt(_parameterSquares[node.Index]) : null;
                var parameters = node.Parameters.Select(p =>
                {
                    ParameterLaw? law = null;
                    try
                    {
                        law = _contexts[node.Index].Law(p.Name);
                    }
                    catch (ArgumentException)
                    {
                    }
                    return new ParameterTrace(p.Name, p.Shape, p.Role, p.Initializer.Name, law is null ? double.NaN : Math.Sqrt(law.Variance));
                }).ToList();
                nodes.Add(new MomentNode(node.Name, node.Op.Kind, node.Shape, node.Block, s.AverageMean, s.Variance, s.AverageSecond,
                    s.Correlation, s.Law.Kind, parameters, (IReadOnlyList<string>?)_assumptions[node.Index] ?? [], gradSecond, gradNorm, paramNorm));
            }
            return new MomentTrace(Graph.Name, b, nodes, FirstNonFinite is { } k ? Graph.Nodes[k].Name : null);
        }
    }
}
