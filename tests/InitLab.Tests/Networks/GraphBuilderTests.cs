using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Tests.Networks;

public class GraphBuilderTests
{
    private static string Error(Action build) => GraphBuilder.Strip(Assert.Throws<ArgumentException>(build));

    [Fact]
    public void Nodes_are_sorted_topologically_whatever_the_declaration_order()
    {
        var b = new GraphBuilder();
        b.Add("out", new AddOp(), "a", "b");
        b.Add("b", new ActivationOp(Activation.Relu), "a");
        b.Add("a", new LinearOp(4), "x");
        b.Input("x", new Shape(3));
        var g = b.Build();
        Assert.Equal(["x", "a", "b", "out"], g.Nodes.Select(n => n.Name));
        Assert.Equal("out", g.Output.Name);
        Assert.Equal([2, 3], g.Consumers(1));
    }

    [Fact]
    public void A_cycle_is_reported_with_its_path()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(3));
        b.Add("a", new AddOp(), "x", "c");
        b.Add("b", new ActivationOp(Activation.Relu), "a");
        b.Add("c", new ActivationOp(Activation.Tanh), "b");
        string m = Error(() => b.Build());
        Assert.Contains("cycle", m);
        Assert.Contains("a -> b -> c -> a", m);
    }

    [Fact]
    public void Unknown_inputs_duplicate_names_and_wrong_input_counts_name_the_node()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(3));
        b.Add("fc", new LinearOp(2), "y");
        Assert.Equal("node 'fc' (linear): unknown input 'y'.", Error(() => b.Build()));

        var d = new GraphBuilder();
        d.Input("x", new Shape(3));
        d.Add("x", new ActivationOp(Activation.Relu), "x");
        Assert.Contains("node 'x': the name is used by two nodes", Error(() => d.Build()));

        var c = new GraphBuilder();
        c.Input("x", new Shape(3));
        c.Add("sum", new AddOp(), "x");
        Assert.Equal("node 'sum' (add): takes at least 2 inputs, got 1.", Error(() => c.Build()));
    }

    [Fact]
    public void Shape_errors_name_the_node_and_say_what_does_not_fit()
    {
        Assert.Equal("node 'n0' (conv): groups 3 does not divide the 64 input channels.",
            Error(() => GradientCheck.Chain([64, 8, 8], new ConvOp(66, [3], groups: 3))));
        Assert.Equal("node 'n0' (attention): heads 5 does not divide the dimension 64.",
            Error(() => GradientCheck.Chain([10, 64], new AttentionOp(5))));
        Assert.Contains("node 'n0' (group_norm): groups 5 does not divide the 64 channels",
            Error(() => GradientCheck.Chain([64, 4], new GroupNormOp(5))));
        Assert.Contains("node 'n0' (conv): a window of 5",
            Error(() => GradientCheck.Chain([3, 4, 4], new ConvOp(8, [5]))));
        Assert.Equal("node 'n2' (reshape): cannot reshape (3,) (3 elements) to [2, 2] (4 elements).",
            Error(() => GradientCheck.Chain([3, 4, 4], new GlobalAvgPoolOp(), new FlattenOp(), new ReshapeOp([2, 2]))));

        var b = new GraphBuilder();
        b.Input("x", new Shape(3));
        b.Input("y", new Shape(4));
        b.Add("sum", new AddOp(), "x", "y");
        Assert.Equal("node 'sum' (add): inputs must have one shape, got (3,) and (4,).", Error(() => b.Build()));
    }

    [Fact]
    public void Initializers_are_checked_against_their_parameter_when_the_graph_is_built()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(3));
        b.Add("fc", new LinearOp(2), "x");
        b.SetInit("fc", "bias", Init.KaimingNormal());
        Assert.Contains("node 'fc' (linear): parameter 'bias' of shape (2,) cannot use initializer kaiming_normal", Error(() => b.Build()));

        var c = new GraphBuilder();
        c.Input("x", new Shape(3));
        c.Add("fc", new LinearOp(2), "x");
        c.SetInit("fc", "gamma", Init.Ones());
        Assert.Equal("node 'fc' (linear): has no parameter 'gamma'; it has: weight, bias.", Error(() => c.Build()));
    }

    [Fact]
    public void A_graph_with_two_sinks_needs_a_named_output()
    {
        var b = new GraphBuilder();
        b.Input("x", new Shape(3));
        b.Add("a", new ActivationOp(Activation.Relu), "x");
        b.Add("b", new ActivationOp(Activation.Tanh), "x");
        Assert.Contains("several nodes are read by no other node (a, b)", Error(() => b.Build()));
        Assert.Equal("b", b.Build("b").Output.Name);
    }

    [Fact]
    public void Parameters_take_the_ops_defaults_and_a_stream_from_their_full_name()
    {
        var g = GradientCheck.Chain([3, 8, 8], new ConvOp(16, [3], padding: [1]), new BatchNormOp());
        var w = g["n0"].Parameter("weight");
        Assert.Equal(new Shape(16, 3, 3, 3), w.Shape);
        Assert.Equal("torch_default", w.Initializer.Name);
        Assert.Equal(Parameter.StreamOf("n0.weight"), w.Stream);
        Assert.NotEqual(g["n0"].Parameter("bias").Stream, w.Stream);
        Assert.Equal(["ones", "zeros"], g["n1"].Parameters.Select(p => p.Initializer.Name));
        Assert.Equal(16 * 27 + 16 + 32, g.ParameterCount);
    }

    [Fact]
    public void Stream_of_is_FNV_1a_with_the_top_bit_set()
    {
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (published test vector); the top bit is already set.
        Assert.Equal(0xaf63dc4c8601ec8cUL, Parameter.StreamOf("a"));
        // FNV-1a 64 of "" is the offset basis 0xcbf29ce484222325.
        Assert.Equal(0xcbf29ce484222325UL, Parameter.StreamOf(""));
    }
}
