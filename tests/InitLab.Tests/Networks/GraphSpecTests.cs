using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Spec;
using InitLab.Random;

namespace InitLab.Tests.Networks;

public class GraphSpecTests
{
    private static string Error(string json) => GraphBuilder.Strip(Assert.Throws<ArgumentException>(() => GraphSpec.Parse(json)));

    [Theory]
    [InlineData("mlp:depth=3,width=8,bias=true,residual=0.5")]
    [InlineData("cnn:depth=2,channels=4,size=6")]
    [InlineData("resnet:blocks=2,width=8,size=6,preact=true,block=bottleneck")]
    [InlineData("transformer:layers=2,dim=8,heads=2,tokens=4,ln=post,causal=true,vocab=9")]
    public void A_written_spec_reads_back_as_the_same_network(string model)
    {
        var g = ModelFamilies.Build(model).WithScheme(InitLab.Initializers.Init.KaimingNormal());
        var back = GraphSpec.Parse(GraphSpec.Write(g));
        Assert.Equal(g.Name, back.Name);
        Assert.Equal(g.Nodes.Select(n => n.ToString()), back.Nodes.Select(n => n.ToString()));
        Assert.Equal(g.Parameters.Select(p => (p.ToString(), p.Stream)), back.Parameters.Select(p => (p.ToString(), p.Stream)));
        Assert.Equal(g.Nodes.Select(n => n.Block), back.Nodes.Select(n => n.Block));
        var a = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 2, Seed = 1 });
        var b = ExplicitGraphEngine.Run(back, new ExplicitOptions { Batch = 2, Seed = 1 });
        Assert.Equal(a.Nodes.Select(n => n.Std), b.Nodes.Select(n => n.Std));
    }

    private const string Tiny = """
        { "name": "tiny", "$schema": "graph-spec.schema.json",
          "nodes": [
            { "name": "fc", "op": "linear", "inputs": ["x"], "out_features": 4, "init": { "weight": { "scheme": "kaiming_normal", "mode": "fan_out", "nonlinearity": "relu" }, "bias": "zeros" } },
            { "name": "x", "op": "input", "shape": [3] },
            { "name": "act", "op": "leaky_relu", "inputs": ["fc"], "param": 0.2, "block": "b1" }
          ] }
        """;

    [Fact]
    public void Nodes_may_come_in_any_order_and_take_scheme_options()
    {
        var g = GraphSpec.Parse(Tiny);
        Assert.Equal(["x", "fc", "act"], g.Nodes.Select(n => n.Name));
        // kaiming_normal, fan_out, relu: std = sqrt(2 / fan_out) = sqrt(2 / 4).
        Assert.Equal(Math.Sqrt(0.5), g["fc"].Parameter("weight").Initializer.TargetStd(new InitLab.Tensors.Shape(4, 3)), 12);
        Assert.Equal("b1", g["act"].Block);
        Assert.Equal(0.2, ((InitLab.Networks.Ops.ActivationOp)g["act"].Op).Activation.Parameter);
    }

    [Theory]
    [InlineData("{\"nodes\": [", "spec: not valid JSON (at line 1, byte 12).")]
    [InlineData("{\"nodes\": [f\n  {\"name\": \"x\"}\n]}", "spec: not valid JSON (at line 1, byte 13).")] // not System.Text.Json's quote of the text
    [InlineData("{\"nodes\": [{\"name\": {\n  \"a\": 1\n}}]}", "spec: node 0: \"name\" must be a non-empty string, got an object.")]
    [InlineData("[]", "spec: the document must be an object with a \"nodes\" array.")]
    [InlineData("{\"nodes\": [], \"extra\": 1}", "spec: unknown key \"extra\"; valid keys: name, nodes, output, $schema.")]
    [InlineData("{\"nodes\": [{\"op\": \"relu\"}]}", "spec: node 0: \"name\" is required.")]
    [InlineData("{\"nodes\": [{\"name\": \"a\"}]}", "node 'a': \"op\" is required.")]
    [InlineData("{\"nodes\": [{\"name\": \"a\", \"op\": \"conv2d\"}]}", "node 'a' (conv2d): unknown op 'conv2d'; valid ops:")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}, {\"name\": \"a\", \"op\": \"linear\", \"inputs\": [\"x\"], \"out_feature\": 2}]}", "node 'a' (linear): attribute 'out_features' is required (an integer).")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}, {\"name\": \"a\", \"op\": \"linear\", \"inputs\": [\"x\"], \"out_features\": 2, \"bais\": true}]}", "node 'a' (linear): unknown attribute 'bais'; valid attributes: bias, out_features.")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}, {\"name\": \"a\", \"op\": \"linear\", \"inputs\": [\"x\"], \"out_features\": 2.5}]}", "node 'a' (linear): attribute 'out_features' must be an integer, got 2.5.")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}, {\"name\": \"a\", \"op\": \"linear\", \"inputs\": [\"x\"], \"out_features\": {\"n\": 2}}]}", "node 'a' (linear): attribute 'out_features' must be a number, a boolean, a string or a list of numbers, got an object.")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}, {\"name\": \"a\", \"op\": \"linear\", \"inputs\": [\"x\"], \"out_features\": 2, \"init\": {\"weight\": \"kaiming\"}}]}", "node 'a': init of 'weight': unknown scheme 'kaiming'")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}, {\"name\": \"a\", \"op\": \"linear\", \"inputs\": [\"x\"], \"out_features\": 2, \"init\": {\"weight\": {\"scheme\": \"normal\", \"gain\": 2}}}]}", "node 'a': init of 'weight': option 'gain' does not apply to scheme 'normal'")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}, {\"name\": \"a\", \"op\": \"linear\", \"inputs\": [\"x\"], \"out_features\": 2, \"init\": {\"w\": \"zeros\"}}]}", "node 'a' (linear): has no parameter 'w'; it has: weight, bias.")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}, {\"name\": \"a\", \"op\": \"add\", \"inputs\": [\"x\", \"b\"]}, {\"name\": \"b\", \"op\": \"relu\", \"inputs\": [\"a\"]}]}", "node 'a' (add): the graph has a cycle a -> b -> a.")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}, {\"name\": \"x\", \"op\": \"relu\", \"inputs\": [\"x\"]}]}", "node 'x': the name is used by two nodes.")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3]}], \"output\": \"y\"}", "the output 'y' is not a node of the graph.")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3], \"streams\": {\"w\": -1}}]}", "node 'x': stream of 'w' must be a non-negative integer, got -1.")]
    [InlineData("{\"nodes\": [{\"name\": \"x\", \"op\": \"input\", \"shape\": [3, -1]}]}", "node 'x' (input): dims[1] must be >= 0, got -1 in shape (3, -1).")]
    public void Bad_specs_get_one_message_naming_the_node_or_key(string json, string expected) =>
        Assert.StartsWith(expected, Error(json));

    [Fact]
    public void Deeply_nested_or_huge_documents_are_refused_before_work()
    {
        Assert.StartsWith("spec: not valid JSON", Error(new string('[', 100) + new string(']', 100)));
        Assert.StartsWith("spec: larger than", Error(new string(' ', GraphSpec.MaxBytes + 1)));
    }

    [Fact]
    public void Mutated_specs_are_either_read_or_rejected_with_an_argument_exception()
    {
        // 100,000 random mutations of a valid spec (insert, delete, replace, duplicate a span), the bar of every reader:
        // any outcome but success or an ArgumentException with a one-line message (an IndexOutOfRange, a NullReference,
        // an overflow) is a bug.
        string seed = GraphSpec.Write(ModelFamilies.Build("resnet:blocks=1,width=4,size=4,classes=2"));
        var g = new Generator(2024);
        const string alphabet = "{}[]\",:0123456789-.eE truefalsnul_abcxyz";
        int read = 0;
        const int inputs = 100_000;
        for (int i = 0; i < inputs; i++)
        {
            var text = new System.Text.StringBuilder(seed);
            int edits = 1 + (int)(g.NextUniform() * 4);
            for (int e = 0; e < edits && text.Length > 0; e++)
            {
                int at = (int)(g.NextUniform() * text.Length);
                switch ((int)(g.NextUniform() * 4))
                {
                    case 0: text.Insert(at, alphabet[(int)(g.NextUniform() * alphabet.Length)]); break;
                    case 1: text.Remove(at, Math.Min(1 + (int)(g.NextUniform() * 8), text.Length - at)); break;
                    case 2: text[at] = alphabet[(int)(g.NextUniform() * alphabet.Length)]; break;
                    default:
                        int len = Math.Min(1 + (int)(g.NextUniform() * 40), text.Length - at);
                        text.Insert(at, text.ToString(at, len));
                        break;
                }
            }
            try
            {
                GraphSpec.Parse(text.ToString());
                read++;
            }
            catch (ArgumentException e) when (!e.Message.Contains('\n'))
            {
            }
        }
        Assert.InRange(read, 1, inputs - 1);
    }
}

public class GraphSpecDocsTests
{
    private static string Docs()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "InitLab.slnx"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "docs");
    }

    [Fact]
    public void Every_example_spec_in_docs_builds_and_runs()
    {
        var files = Directory.GetFiles(Path.Combine(Docs(), "examples"), "*.json");
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            var g = GraphSpec.Load(file);
            var t = ExplicitGraphEngine.Run(g, new ExplicitOptions { Batch = 2, Seed = 1 });
            Assert.Null(t.FirstNonFiniteNode);
        }
    }

    [Fact]
    public void The_json_schema_lists_exactly_the_registered_ops_with_their_required_attributes()
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Docs(), "graph-spec.schema.json")));
        var node = doc.RootElement.GetProperty("$defs").GetProperty("node");
        var kinds = node.GetProperty("properties").GetProperty("op").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal<IEnumerable<string>>(OpRegistry.Kinds, kinds);
        foreach (var branch in node.GetProperty("allOf").EnumerateArray())
        {
            string kind = branch.GetProperty("if").GetProperty("properties").GetProperty("op").GetProperty("const").GetString()!;
            var then = branch.GetProperty("then");
            var declared = then.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
            // Building the op from its required attributes alone must work, and every attribute it writes must be declared.
            var attributes = new OpAttributes(kind);
            if (then.TryGetProperty("required", out var required))
                foreach (var r in required.EnumerateArray())
                {
                    string key = r.GetString()!;
                    if (key is "kernel" or "shape") attributes.Set(key, [2]);
                    else attributes.Set(key, 2);
                }
            var op = OpRegistry.Create(kind, attributes);
            var written = new OpAttributes(kind);
            op.WriteAttributes(written);
            Assert.All(written.Entries, e => Assert.Contains(e.Key, declared));
        }
    }
}
