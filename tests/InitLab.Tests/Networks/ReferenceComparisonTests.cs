using InitLab.Activations;
using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

/// <summary>
/// The float error bounds (<see cref="IErrorBoundRule"/>) and <see cref="ReferenceComparison"/>: every rule bounds the explicit
/// engine's own float32 error against the same graph in float64 (so it is a valid bound for at least one implementation), and a
/// reference that differs by a wrong op or a perturbed value is caught at that node.
/// </summary>
public class ReferenceComparisonTests
{
    /// <summary>One graph with every op that has an error rule, at unequal widths, with non-default parameters.</summary>
    private static (Graph Graph, NetworkParameters<float> Parameters) EveryOp(double leakySlope = 0.2)
    {
        var b = new GraphBuilder("every-op");
        b.Input("x", new Shape(3, 9, 8));
        b.Add("conv", new ConvOp(6, [3, 2], [2, 1], [1, 0], [1, 2], groups: 3, paddingEnd: [2, 1]), "x");
        b.Add("bn", new BatchNormOp(1e-3, runningStats: true), "conv");
        b.Add("leaky", new ActivationOp(Activation.LeakyRelu(leakySlope)), "bn");
        b.Add("max", new PoolOp(PoolKind.Max, [2], [1], [1], paddingEnd: [0], ceilMode: true), "leaky");
        b.Add("avg", new PoolOp(PoolKind.Average, [3], [2], [1], countIncludePad: false), "max");
        b.Add("affine", new AffineOp([6, 1, 1]), "avg");
        b.Add("scale", new ScaleOp(-0.7, 0.3), "affine");
        b.Add("tanh", new ActivationOp(Activation.Tanh), "scale");
        b.Add("mul", new MulOp(), "tanh", "affine");
        b.Add("add", new AddOp([1, -0.5]), "mul", "avg");
        b.Add("bnb", new BatchNormOp(), "add");
        b.Add("gap", new GlobalAvgPoolOp(keepDims: true), "bnb");
        b.Add("flat", new FlattenOp(), "gap");
        b.Add("fc", new LinearOp(12), "flat");
        b.Add("gelu", new ActivationOp(Activation.Gelu), "fc");
        b.Add("drop", new DropoutOp(0), "gelu");
        b.Add("reshape", new ReshapeOp([3, 4]), "drop");
        b.Add("ln", new LayerNormOp(), "reshape");
        b.Add("rms", new RmsNormOp(), "ln");
        b.Add("gn", new GroupNormOp(1), "rms");
        b.Add("cat", new ConcatOp(1), "gn", "reshape");
        b.Add("softmax", new SoftmaxOp(), "cat");
        var graph = b.Build();
        var p = NetworkParameters<float>.Draw(graph, 4);
        var g = new Generator(8, 3);
        foreach (var q in graph.Parameters)
        {
            var noise = new float[q.Shape.Size];
            g.Normal(noise, 0, 0.3f);
            for (int i = 0; i < noise.Length; i++) p[q][i] += q.Role == ParameterRole.RunningVariance ? Math.Abs(noise[i]) : noise[i];
        }
        return (graph, p);
    }

    private static Dictionary<string, float[]> Input(int batch)
    {
        var x = new float[batch * 3 * 9 * 8];
        new Generator(21).Normal(x);
        return new() { ["x"] = x };
    }

    /// <summary>
    /// A perfect float32 implementation: each node computed in float64 from the reference's own (float32) values of its inputs
    /// and rounded once. <paramref name="change"/> may alter a node's values, which later nodes then read.
    /// </summary>
    private static Dictionary<string, float[]> ExactRounded(Graph graph, NetworkParameters<float> p, int batch, Dictionary<string, float[]> input, Func<string, float[], float[]>? change = null)
    {
        var values = new Dictionary<string, float[]>(input);
        foreach (var node in graph.Nodes.Where(n => n.Op is not InputOp))
        {
            var b = new GraphBuilder("one");
            var names = node.InputShapes.Select((s, k) => b.Input($"in{k}", s)).ToArray();
            b.Add(node.Name, node.Op, names);
            var one = b.Build(node.Name);
            var pd = NetworkParameters<double>.From(one, one.Parameters.ToDictionary(q => q.FullName, q => Array.ConvertAll(p[q.FullName], v => (double)v)));
            var xd = names.Select((n, k) => (n, Array.ConvertAll(values[node.Inputs[k]], v => (double)v))).ToDictionary(t => t.n, t => t.Item2);
            var y = Array.ConvertAll(ExplicitGraphEngine.Forward(one, pd, batch, xd).Output, v => (float)v);
            values[node.Name] = change is null ? y : change(node.Name, y);
        }
        return values;
    }

    [Fact]
    public void Every_rule_bounds_the_explicit_engines_float32_error_against_float64()
    {
        const int batch = 3;
        var (graph, p) = EveryOp();
        var input = Input(batch);
        var exact = ExactRounded(graph, p, batch, input);
        var result = ReferenceComparison.Compare(graph, p, batch, input, n => exact.GetValueOrDefault(n.Name));
        Assert.Equal(graph.Nodes.Count - 1, result.Count);
        foreach (var a in result)
        {
            // The reference is the float64 result rounded once; the tolerance 2e covers e (the float32 error) plus that rounding.
            Assert.True(a.ChainRatio <= 1 && a.LocalRatio <= 1, $"{a.Name} ({a.Op}): chain {a.ChainRatio}, local {a.LocalRatio}");
            Assert.True(a.Agrees);
        }
        // The bounds are not vacuous where errors cannot compound: locally (exact inputs) each op's tolerance is within a few
        // hundred ulps of its largest value (K = 9 terms for the conv, 12 for the linear layer, 8 for the layer norms).
        foreach (var a in result.Where(a => a.ReferenceMaxAbs > 0))
            Assert.True(a.LocalTolerance <= 1e-4 * a.ReferenceMaxAbs, $"{a.Name} ({a.Op}): local tolerance {a.LocalTolerance} for max |y| {a.ReferenceMaxAbs}");
    }

    [Fact]
    public void A_reference_with_another_slope_fails_at_that_node_and_not_before()
    {
        const int batch = 2;
        var (graph, p) = EveryOp(leakySlope: 0.2);
        var input = Input(batch);
        var (other, _) = EveryOp(leakySlope: 0.2 * (1 + 1e-4));
        var reference = ExactRounded(other, NetworkParameters<float>.From(other, graph.Parameters.ToDictionary(q => q.FullName, q => p[q])), batch, input);
        var result = ReferenceComparison.Compare(graph, p, batch, input, n => reference.GetValueOrDefault(n.Name)).ToDictionary(a => a.Name);
        Assert.True(result["bn"].Agrees);
        Assert.False(result["leaky"].Agrees);
        Assert.True(result["leaky"].LocalRatio > 1, $"{result["leaky"].LocalRatio}");
    }

    [Theory]
    [InlineData("conv")]
    [InlineData("fc")]
    [InlineData("softmax")]
    [InlineData("ln")]
    [InlineData("gap")]
    public void One_value_moved_by_one_part_in_ten_thousand_is_caught_locally(string node)
    {
        const int batch = 2;
        var (graph, p) = EveryOp();
        var input = Input(batch);
        var reference = ExactRounded(graph, p, batch, input, (name, v) =>
        {
            if (name != node) return v;
            int k = Array.IndexOf(v, v.MaxBy(Math.Abs));
            v[k] *= 1 + 1e-4f;
            return v;
        });
        var result = ReferenceComparison.Compare(graph, p, batch, input, n => reference.GetValueOrDefault(n.Name)).ToDictionary(a => a.Name);
        Assert.False(result[node].Agrees);
        Assert.True(result[node].LocalRatio > 1);
        Assert.All(result.Values.Where(a => a.Name != node && graph.Nodes.First(n => n.Name == a.Name).Index < graph[node].Index), a => Assert.True(a.Agrees, a.Name));
    }

    [Fact]
    public void A_nan_where_the_engine_is_finite_disagrees_and_matching_nans_agree()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(4));
        b.Add("s", new ScaleOp(2), "x");
        var graph = b.Build();
        var p = NetworkParameters<float>.Draw(graph, 0);
        var x = new float[] { 1, 2, float.NaN, 4 };
        var inputs = new Dictionary<string, float[]> { ["x"] = x };
        var same = ReferenceComparison.Compare(graph, p, 1, inputs, n => n.Name == "s" ? [2, 4, float.NaN, 8] : null);
        Assert.True(same[0].Agrees);
        var other = ReferenceComparison.Compare(graph, p, 1, inputs, n => n.Name == "s" ? [2, float.NaN, float.NaN, 8] : null);
        Assert.False(other[0].Agrees);
        Assert.True(double.IsNaN(other[0].ChainRatio));
    }

    [Fact]
    public void A_reference_of_the_wrong_size_and_an_op_without_a_rule_are_named()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(2, 4));
        b.Add("att", new AttentionOp(2), "x");
        var graph = b.Build();
        var p = NetworkParameters<float>.Draw(graph, 0);
        var inputs = new Dictionary<string, float[]> { ["x"] = new float[8] };
        var e = Assert.Throws<ArgumentException>(() => ReferenceComparison.Compare(graph, p, 1, inputs, _ => null));
        Assert.Contains("node 'att' (attention): the float comparison engine cannot handle this op", e.Message);

        var c = new GraphBuilder();
        c.Input("x", new Shape(4));
        c.Add("s", new ScaleOp(2), "x");
        var g2 = c.Build();
        var wrong = Assert.Throws<ArgumentException>(() => ReferenceComparison.Compare(g2, NetworkParameters<float>.Draw(g2, 0), 1,
            new Dictionary<string, float[]> { ["x"] = new float[4] }, _ => new float[3]));
        Assert.Contains("node 's' (scale): the reference has 3 values, expected batch x (4,) = 4", wrong.Message);
    }
}
