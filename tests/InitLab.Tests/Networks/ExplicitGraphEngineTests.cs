using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

public class ExplicitGraphEngineTests
{
    /// <summary>A small net with every parallel path: conv, pooling, batch/group/layer norm, attention, residual add.</summary>
    private static Graph Mixed()
    {
        var b = new GraphBuilder("mixed");
        b.Input("x", new Shape(3, 12, 12));
        b.Add("conv", new ConvOp(8, [3], padding: [1]), "x");
        b.Add("bn", new BatchNormOp(), "conv");
        b.Add("relu", new ActivationOp(Activation.Relu), "bn");
        b.Add("conv2", new ConvOp(8, [3], padding: [1], groups: 8), "relu");
        b.Add("sum", new AddOp([1, 0.5]), "relu", "conv2");
        b.Add("gn", new GroupNormOp(2), "sum");
        b.Add("pool", new PoolOp(PoolKind.Max, [2]), "gn");
        b.Add("tokens", new ReshapeOp([8, 36]), "pool");
        b.Add("attn", new AttentionOp(4, causal: true), "tokens");
        b.Add("ln", new LayerNormOp(), "attn");
        b.Add("gap", new FlattenOp(), "ln");
        b.Add("fc", new LinearOp(10), "gap");
        return b.Build();
    }

    [Fact]
    public void Results_are_bit_identical_on_one_thread_and_on_several()
    {
        var g = Mixed();
        var one = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 6, Seed = 4, Backward = true, Threads = 1 });
        var four = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 6, Seed = 4, Backward = true, Threads = 4 });
        Assert.Equal(one.Nodes.Count, four.Nodes.Count);
        for (int i = 0; i < one.Nodes.Count; i++)
        {
            Assert.Equal(one.Nodes[i] with { Parameters = [] }, four.Nodes[i] with { Parameters = [] });
            Assert.Equal(one.Nodes[i].Parameters, four.Nodes[i].Parameters);
        }
        Assert.All(one.Nodes, n => Assert.True(n.GradNorm > 0, n.Name));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_forward_only_run_that_recycles_parameter_arrays_measures_what_a_run_keeping_them_does(bool shared)
    {
        // Forward-only runs draw each weight into the array of a retired layer (same size); a backward run keeps every
        // array. With shared weights the one draw must survive every layer that reads it.
        var spec = new InitLab.Propagation.NetworkSpec(24, 6, Activation.Tanh,
            InitLab.Propagation.WeightDistribution.Gaussian.WithSigmaW(1.3)) { Batch = 5, SigmaB = 0.1, SharedWeights = shared };
        var g = spec.ToGraph();
        var kept = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 5, Seed = 3, Backward = true });
        var recycled = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 5, Seed = 3 });
        Assert.Equal(kept.Nodes.Count, recycled.Nodes.Count);
        for (int i = 0; i < kept.Nodes.Count; i++)
        {
            var k = kept.Nodes[i];
            var r = recycled.Nodes[i];
            Assert.Equal((k.Name, k.Mean, k.Std, k.Min, k.Max, k.Correlation), (r.Name, r.Mean, r.Std, r.Min, r.Max, r.Correlation));
            Assert.Equal(k.Parameters.Select(p => p.Std), r.Parameters.Select(p => p.Std));
        }
    }

    [Fact]
    public void A_parameter_depends_only_on_the_seed_and_its_name_not_on_other_nodes()
    {
        var g = Mixed();
        var b = new GraphBuilder();
        b.Input("x", new Shape(3, 12, 12));
        b.Add("extra", new ConvOp(4, [1]), "x");
        b.Add("conv", new ConvOp(8, [3], padding: [1]), "x");
        b.Add("out", new ConcatOp(), "extra", "conv");
        var other = b.Build();
        var p1 = NetworkParameters<float>.Draw(g, 7);
        var p2 = NetworkParameters<float>.Draw(other, 7);
        Assert.Equal(p1["conv.weight"], p2["conv.weight"]);
        Assert.NotEqual(p1["conv.weight"], NetworkParameters<float>.Draw(g, 8)["conv.weight"]);
    }

    /// <summary>Element-wise ops whose input dies with them: chains of relu, batch/layer/group/RMS norm (running statistics too),
    /// sums whose first, second or only their third input dies there, a sum reading one input twice, a kept (graph output) tail.</summary>
    private static Graph InPlaceCandidates()
    {
        var b = new GraphBuilder("in-place");
        b.Input("x", new Shape(5, 7, 3));
        b.Add("r1", new ActivationOp(Activation.Relu), "x");
        b.Add("twice", new AddOp([1, -0.5]), "r1", "r1");
        b.Add("bn", new BatchNormOp(), "twice");
        b.Add("t", new ActivationOp(Activation.Tanh), "bn");
        b.Add("skip", new ActivationOp(Activation.Gelu), "t");
        b.Add("branch", new ConvOp(5, [3], padding: [1]), "skip");
        b.Add("sum2", new AddOp([0.5, 2]), "skip", "branch");
        b.Add("a", new ActivationOp(Activation.Relu), "sum2");
        b.Add("c", new ActivationOp(Activation.Sigmoid), "sum2");
        b.Add("d", new ActivationOp(Activation.Tanh), "sum2");
        b.Add("sum3", new AddOp([1, 1, -1]), "a", "c", "d");
        b.Add("late", new AddOp([0.5, 1, -2]), "a", "c", "sum3");
        b.Add("gn", new GroupNormOp(5), "late");
        b.Add("eval", new BatchNormOp(runningStats: true), "gn");
        b.Add("ln", new LayerNormOp(), "eval");
        b.Add("rms", new RmsNormOp(), "ln");
        b.Add("out", new ActivationOp(Activation.Relu), "rms");
        return b.Build();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_forward_only_run_writing_element_wise_ops_into_their_dead_inputs_measures_what_separate_arrays_do(int threads)
    {
        // Forward-only runs let an element-wise op overwrite the input it reads last; a run with an after-node hook (or a
        // backward pass) never does. Every node's trace must be the same bits, and a given input array is never written.
        foreach (var g in new[] { InPlaceCandidates(), Mixed(), InitLab.Networks.Families.ModelFamilies.Build("resnet:blocks=2,width=4,size=6") })
        {
            var x = new float[4 * g.Nodes[0].Shape.Size];
            new InitLab.Random.Generator(9).Normal(x);
            var copy = (float[])x.Clone();
            var inputs = new Dictionary<string, float[]> { [g.Nodes[0].Name] = x };
            var options = new ExplicitOptions { Batch = 4, Seed = 2, Threads = threads };
            var inPlace = ExplicitGraphEngine.Run(g, options, inputs, null);
            var separate = ExplicitGraphEngine.Run(g, options, inputs, run => run.AfterNode = _ => { });
            var kept = ExplicitGraphEngine.Run(g, options with { Backward = true }, inputs);
            Assert.Equal(copy, x);
            Assert.Equal(separate.Nodes.Count, inPlace.Nodes.Count);
            for (int i = 0; i < separate.Nodes.Count; i++)
            {
                Assert.Equal(separate.Nodes[i] with { Parameters = [] }, inPlace.Nodes[i] with { Parameters = [] });
                Assert.Equal(separate.Nodes[i].Parameters, inPlace.Nodes[i].Parameters);
                var k = kept.Nodes[i];
                var r = inPlace.Nodes[i];
                Assert.Equal((k.Name, k.Mean, k.Std, k.Min, k.Max, k.Correlation), (r.Name, r.Mean, r.Std, r.Min, r.Max, r.Correlation));
            }
            Assert.True(inPlace.PeakActivationElements <= separate.PeakActivationElements, g.Name);
        }
    }

    [Fact]
    public void A_chain_of_element_wise_ops_runs_in_one_array()
    {
        // Input, then 12 activations and normalizations: each writes into its input's array, so one array is ever alive.
        var ops = Enumerable.Range(0, 4).SelectMany(_ => new Op[] { new ActivationOp(Activation.Relu), new LayerNormOp(), new BatchNormOp() }).ToArray();
        var g = GradientCheck.Chain([6, 8], ops);
        Assert.Equal(3 * 48, ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 3 }).PeakActivationElements);
        Assert.Equal(2 * 3 * 48, ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 3 }, null, run => run.AfterNode = _ => { }).PeakActivationElements);
    }

    [Fact]
    public void A_forward_only_run_keeps_only_the_live_activations()
    {
        // A 40-layer chain of width 32: at any time at most one input and one output of width 32 are alive (+ the graph input).
        var ops = Enumerable.Range(0, 40).SelectMany(_ => new Op[] { new LinearOp(32), new ActivationOp(Activation.Tanh) }).ToArray();
        var g = GradientCheck.Chain([32], ops);
        var forward = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 10 });
        Assert.InRange(forward.PeakActivationElements, 2 * 10 * 32, 3 * 10 * 32);
        var backward = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 10, Backward = true });
        Assert.True(backward.PeakActivationElements >= 80 * 10 * 32);
    }

    [Fact]
    public void A_forward_only_residual_network_keeps_the_same_few_activations_at_any_depth()
    {
        // In a residual block the block's input stays alive beside its branch: a few tensors of the largest size at once,
        // however many blocks there are (a run that kept every node's output would grow with the depth).
        var shallow = ExplicitGraphEngine.Run(InitLab.Networks.Families.ModelFamilies.Build("resnet:blocks=2,width=4,size=6"), new ExplicitOptions { Batch = 2 });
        var deep = ExplicitGraphEngine.Run(InitLab.Networks.Families.ModelFamilies.Build("resnet:blocks=6,width=4,size=6"), new ExplicitOptions { Batch = 2 });
        long largest = 2 * 4 * 6 * 6;
        Assert.Equal(shallow.PeakActivationElements, deep.PeakActivationElements);
        Assert.InRange(deep.PeakActivationElements, 2 * largest, 4 * largest);
        Assert.True(deep.Nodes.Count > 3 * shallow.Nodes.Count / 2);
    }

    [Fact]
    public void A_large_activation_runs_in_chunks_on_several_threads_with_the_serial_bits()
    {
        // 150,000 elements per example: the forward pass splits them into chunks across threads; every element must be
        // exactly what one serial call over the whole array gives (and what the scalar activation gives, rounded to float).
        var b = new GraphBuilder();
        b.Input("x", new Shape(150_000));
        b.Add("act", new ActivationOp(Activation.Gelu), "x");
        var g = b.Build();
        var x = new float[2 * 150_000];
        new InitLab.Random.Generator(3, 3).Normal(x, 0f, 3f);
        var inputs = new Dictionary<string, float[]> { ["x"] = x };
        var p = NetworkParameters<float>.Draw(g, 1);
        var serial = ExplicitGraphEngine.Forward(g, p, 2, inputs, threads: 1).Output;
        var threaded = ExplicitGraphEngine.Forward(g, p, 2, inputs, threads: 4).Output;
        Assert.Equal(serial, threaded);
        var whole = new float[x.Length];
        Activation.Gelu.Forward<float>(x, whole);
        Assert.Equal(whole, threaded);
        // The float form is within GeluKernel.FloatUlps of the double form (docs/numerics.md).
        for (int i = 0; i < x.Length; i += 9973)
        {
            float rounded = (float)Activation.Gelu.Forward(x[i]);
            Assert.True(Math.Abs(threaded[i] - rounded) <= (GeluKernel.FloatUlps + 0.5) * (MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded)));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_large_sum_runs_in_chunks_on_several_threads_with_the_serial_bits(int count)
    {
        // 70,001 elements per example (chunks that do not fill a vector), with NaN, infinities and -0: every element must be
        // s0 x0 + s1 x1 (+ s2 x2), each product and each sum rounded to float in that order, on one thread and on four.
        const int size = 70_001;
        var b = new GraphBuilder();
        var names = Enumerable.Range(0, count).Select(i => b.Input($"x{i}", new Shape(size))).ToArray();
        double[] scales = [1, -0.3, 2.5];
        b.Add("sum", new AddOp(scales[..count]), names);
        var g = b.Build();
        var inputs = new Dictionary<string, float[]>();
        for (int i = 0; i < count; i++)
        {
            var x = new float[2 * size];
            new InitLab.Random.Generator(5, (ulong)i).Normal(x, 0f, 2f);
            x[17 + i] = float.NaN;
            x[40_000] = i == 0 ? float.PositiveInfinity : -0f;
            x[size + 3] = -0f;
            inputs[$"x{i}"] = x;
        }
        var p = NetworkParameters<float>.Draw(g, 1);
        var serial = ExplicitGraphEngine.Forward(g, p, 2, inputs, threads: 1).Output;
        var threaded = ExplicitGraphEngine.Forward(g, p, 2, inputs, threads: 4).Output;
        Assert.Equal(serial.Select(BitConverter.SingleToInt32Bits), threaded.Select(BitConverter.SingleToInt32Bits));
        for (int j = 0; j < serial.Length; j++)
        {
            float y = (float)scales[0] * inputs["x0"][j];
            for (int i = 1; i < count; i++) y += (float)scales[i] * inputs[$"x{i}"][j];
            Assert.Equal(BitConverter.SingleToInt32Bits(y), BitConverter.SingleToInt32Bits(threaded[j]));
        }
    }

    [Fact]
    public void Parameter_stds_taken_right_after_the_draw_are_those_measured_with_the_node()
    {
        // A run without an AfterNode hook takes each drawn parameter's std right after its draw (in cache); a hook turns that
        // off (the std measured with the node's trace, as before). Every parameter std bit for bit, and the node statistics, on a
        // mixed net, and on deep MLPs whose forward-only runs recycle parameter arrays for later draws, with and without
        // shared weights (one draw read by every layer).
        var graphs = new List<Graph> { Mixed() };
        foreach (bool shared in new[] { false, true })
            graphs.Add(new InitLab.Propagation.NetworkSpec(24, 8, Activation.Tanh,
                InitLab.Propagation.WeightDistribution.Gaussian.WithSigmaW(1.3)) { Batch = 5, SigmaB = 0.1, SharedWeights = shared }.ToGraph());
        foreach (var g in graphs)
        {
            var options = new ExplicitOptions { Batch = 5, Seed = 11, Threads = 1 };
            var early = ExplicitGraphEngine.Run(g, options, null, null);
            var late = ExplicitGraphEngine.Run(g, options, null, run => run.AfterNode = _ => { });
            Assert.Equal(late.Nodes.Count, early.Nodes.Count);
            for (int i = 0; i < late.Nodes.Count; i++)
            {
                Assert.Equal(late.Nodes[i] with { Parameters = [] }, early.Nodes[i] with { Parameters = [] });
                Assert.Equal(late.Nodes[i].Parameters.Select(p => BitConverter.DoubleToInt64Bits(p.Std)),
                    early.Nodes[i].Parameters.Select(p => BitConverter.DoubleToInt64Bits(p.Std)));
                Assert.All(early.Nodes[i].Parameters, p => Assert.True(p.Std >= 0, p.Name));
            }
        }
    }

    [Fact]
    public void The_run_stops_at_the_first_non_finite_node()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(64));
        string last = "x";
        for (int l = 1; l <= 30; l++)
        {
            last = b.Add($"fc{l}", new LinearOp(64, bias: false), last);
            b.SetInit($"fc{l}", "weight", Init.Normal(0, 30));
        }
        var trace = ExplicitGraphEngine.Run(b.Build(), new ExplicitOptions { Batch = 4 });
        Assert.NotNull(trace.FirstNonFiniteNode);
        Assert.Equal(trace.Nodes[^1].Name, trace.FirstNonFiniteNode);
        Assert.True(trace.Nodes[^1].NonFinite > 0);
        Assert.All(trace.Nodes.SkipLast(1), n => Assert.Equal(0, n.NonFinite));
        // std grows by ~30 sqrt(64) = 240 per layer: float overflows (3.4e38) after about 16 layers.
        Assert.InRange(trace.Nodes.Count - 1, 14, 18);
    }

    [Fact]
    public void Traces_report_the_statistics_of_each_output_and_its_parameters()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(256));
        b.Add("fc", new LinearOp(512, bias: false), "x");
        b.SetInit("fc", "weight", Init.KaimingNormal());
        b.Add("relu", new ActivationOp(Activation.Relu), "fc");
        var trace = ExplicitGraphEngine.Run(b.Build(), new ExplicitOptions { Batch = 32, Seed = 2 });
        var fc = trace["fc"];
        // The sample std of n = 131072 weights N(0, 2/256): SE = std / sqrt(2n) = 1.7e-4, so 5 SE = 8.6e-4.
        Assert.InRange(fc.Parameters[0].Std, Math.Sqrt(2.0 / 256) - 8.6e-4, Math.Sqrt(2.0 / 256) + 8.6e-4);
        Assert.Equal("kaiming_normal", fc.Parameters[0].Init);
        var relu = trace["relu"];
        // Rows of W are independent, so the zero fraction is a mean of 512 independent per-unit fractions in [0, 1] with
        // mean 1/2 and sd <= 1/2: its sd is <= 0.5 / sqrt(512) = 0.022; 5 sigma = 0.11.
        Assert.InRange(relu.ZeroFraction, 0.5 - 0.11, 0.5 + 0.11);
        Assert.Equal(0, relu.Min);
        Assert.Equal(new Shape(512), relu.Shape);
    }
}
