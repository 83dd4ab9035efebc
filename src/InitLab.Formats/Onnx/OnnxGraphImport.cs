using System.Globalization;
using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Ops;
using InitLab.Tensors;

namespace InitLab.Formats.Onnx;

/// <summary>One node of an imported graph and the ONNX node(s) it stands for.</summary>
/// <param name="Node">The graph node's name.</param>
/// <param name="Op">The InitLab op it maps to (<c>conv</c>, <c>batch_norm</c>, <c>linear</c>, ...).</param>
/// <param name="OnnxName">The ONNX node's name (its output's name when it has none).</param>
/// <param name="OnnxOp">The ONNX op type; <c>MatMul+Add</c> for a MatMul whose bias Add was folded into one linear node.</param>
/// <param name="Output">The ONNX value the node computes (for a comparison with ONNX Runtime's value of it).</param>
public sealed record ImportedNode(string Node, string Op, string OnnxName, string OnnxOp, string Output);

/// <summary>Where a parameter of an imported graph came from, so that new values can be written back.</summary>
/// <param name="Parameter">The parameter's full name (<c>node.param</c>).</param>
/// <param name="Tensor">The graph initializer it was read from, or null (a Constant node's value, a broadcast or derived value, a default).</param>
/// <param name="Transposed">The parameter is the initializer's transpose (MatMul B and Gemm B without transB are (in, out)).</param>
/// <param name="Factor">The parameter is Factor times the initializer (Gemm's alpha and beta, -1 for a subtraction).</param>
public sealed record ImportedParameter(string Parameter, string? Tensor, bool Transposed, double Factor);

/// <summary>
/// An ONNX model as a network graph: the graph (its parameters drawn by <see cref="GivenInitializer"/>s that hold the file's
/// values), those values, the map from graph nodes to ONNX nodes, and where each parameter came from.
/// </summary>
/// <param name="Graph">The graph; the explicit engine runs it as it is (its parameters fill with the file's values).</param>
/// <param name="Parameters">The same values, for <see cref="ExplicitGraphEngine.Forward{T}"/> and <see cref="ReferenceComparison"/>.</param>
/// <param name="Nodes">Every graph node except the inputs, in graph order, with the ONNX node it stands for.</param>
/// <param name="Inputs">The graph's input nodes by ONNX input name.</param>
/// <param name="Sources">Every parameter's origin.</param>
public sealed record OnnxImport(Graph Graph, NetworkParameters<float> Parameters, IReadOnlyList<ImportedNode> Nodes,
    IReadOnlyDictionary<string, string> Inputs, IReadOnlyList<ImportedParameter> Sources)
{
    /// <summary>
    /// The model's tensors with the graph's new parameter values written back to the initializers they came from (transposed and
    /// divided by their factor back); parameters without an initializer are not written. Use with <see cref="ModelFile.WithTensors"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The values belong to another graph, or an initializer feeds two parameters that now differ.</exception>
    public IReadOnlyList<ModelTensor> WriteBack(ModelFile model, NetworkParameters<float> values)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(values);
        if (values.Graph != Graph) throw new ArgumentException("the values belong to another graph.", nameof(values));
        var written = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var result = new List<ModelTensor>();
        foreach (var s in Sources)
        {
            if (s.Tensor is null || model.Find(s.Tensor) is not { } original) continue;
            var v = values[s.Parameter];
            var shape = original.Shape.ToArray();
            var data = new float[v.Length];
            if (s.Transposed)
            {
                int rows = (int)shape[0], cols = (int)shape[1];
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++) data[i * cols + j] = v[j * rows + i];
            }
            else v.CopyTo(data, 0);
            if (s.Factor != 1)
                for (int k = 0; k < data.Length; k++) data[k] = (float)(data[k] / s.Factor);
            if (written.TryGetValue(s.Tensor, out var first))
            {
                if (!first.AsSpan().SequenceEqual(data))
                    throw new ArgumentException($"initializer '{s.Tensor}' feeds several parameters, which now differ ({s.Parameter}); it cannot hold both.", nameof(values));
                continue;
            }
            written[s.Tensor] = data;
            result.Add(original.DType == DTypes.Float64
                ? ModelTensor.FromDoubles(original.Name, shape, Array.ConvertAll(data, x => (double)x), original.Layout, original.Role)
                : ModelTensor.FromSingles(original.Name, shape, data, original.Layout, original.Role));
        }
        return result;
    }
}

/// <summary>
/// Imports an ONNX model's graph as an InitLab network graph (design.md, "Networks beyond MLPs": an imported node reports the
/// InitLab op it maps to), with the model's initializers as parameter values. Each ONNX node maps to one graph op, or the import
/// stops with one error that names the node and its op type: nothing is ever silently replaced by the identity.
/// </summary>
/// <remarks>
/// <para>Supported (default domain): Gemm (transB, alpha, beta; transA = 0), MatMul by a constant matrix (with a following
/// Add of a bias vector folded into one linear node), Conv (1-3-D, groups, strides, dilations, pads incl. asymmetric ones,
/// auto_pad), BatchNormalization (inference: running statistics; training_mode = 1: batch statistics), Relu, LeakyRelu, Tanh,
/// Sigmoid, Erf, Gelu (exact), Elu, Selu (default constants), Softplus, Mish, Add / Sub / Mul / Div of two computed tensors of one
/// shape (add with scales, mul) or by a constant (scale for a scalar, affine for a tensor), Sum, Mean, Neg, MaxPool and
/// AveragePool (pads, auto_pad, ceil_mode, count_include_pad), GlobalAveragePool, Flatten, Reshape (a constant shape, or one
/// computed by Shape, Gather, Unsqueeze, Concat and Cast), Squeeze and Unsqueeze off the batch axis, Concat, Softmax over the last
/// axis, LayerNormalization, Dropout (inference: the identity, op dropout with p = 0), Identity, Cast between float types,
/// Constant, and Gather of an embedding table by an integer input (embedding).</para>
/// <para>Tensors keep their ONNX layout with the batch as the first dimension, which the graph leaves out of its shapes; the
/// batch must stay the first dimension throughout (an op that moves or merges it is refused).</para>
/// </remarks>
public static class OnnxGraphImport
{
    /// <summary>The ONNX op types the import maps (ops only used to compute shapes included).</summary>
    public static IReadOnlyList<string> SupportedOps { get; } =
    [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Concat", "Constant", "Conv", "Div", "Dropout", "Elu", "Erf", "Flatten",
        "Gather", "Gelu", "Gemm", "GlobalAveragePool", "Identity", "LayerNormalization", "LeakyRelu", "MatMul", "MaxPool", "Mean",
        "Mish", "Mul", "Neg", "Relu", "Reshape", "Selu", "Shape", "Sigmoid", "Softmax", "Softplus", "Squeeze", "Sub", "Sum", "Tanh",
        "Unsqueeze",
    ];

    /// <summary>Imports <paramref name="model"/>'s graph; every parameter's initializer is named <paramref name="initName"/>(tensor) (default <c>file</c>).</summary>
    /// <exception cref="ArgumentException">The model is not ONNX, or a node cannot be mapped (the message names it and its op type).</exception>
    public static OnnxImport Import(ModelFile model, Func<string, string>? initName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph ?? throw new ArgumentException($"'{model.Path}' is a {model.Format} file; only ONNX models have a graph to import.", nameof(model));
        return new Importer(model, graph, initName ?? (_ => "file")).Run();
    }

    /// <summary>
    /// Imports <paramref name="model"/> re-initialized by <see cref="ModelReinit.Apply"/> with <paramref name="scheme"/> and
    /// <paramref name="seed"/> (weights by the scheme, biases 0, norm scales 1, shifts and running means 0, running variances 1):
    /// the weights <c>probe --scheme</c> gives ONNX Runtime with the same seed. Parameters name their initializer by what was done.
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Import(ModelFile, Func{string, string}?)"/>, or the scheme does not suit a weight.</exception>
    public static OnnxImport Import(ModelFile model, Initializer scheme, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(scheme);
        var (reinit, changes) = ModelReinit.Apply(model, scheme, seed);
        var actions = changes.ToDictionary(c => c.Name, c => c.Action switch { "scheme" => scheme.Name, "kept" => "file", var a => a }, StringComparer.Ordinal);
        return Import(reinit, t => actions.GetValueOrDefault(t, "file"));
    }

    /// <summary>
    /// The Philox stream of an imported float input's N(0, 1) draw: the one <c>initlab probe</c> draws its Gaussian input from, so
    /// that the explicit engine on the imported graph and ONNX Runtime see the same input for the same seed and batch.
    /// </summary>
    public const ulong InputStream = ulong.MaxValue;

    /// <summary>A value of the ONNX graph as the import sees it.</summary>
    private abstract record Value;

    /// <summary>Computed per example: the graph node that holds it and its shape without the batch.</summary>
    private sealed record Data(string Node, Shape Shape) : Value;

    /// <summary>A constant (initializer or Constant node); <see cref="Initializer"/> names a graph initializer.</summary>
    private sealed record Const(long[] Shape, double[] Values, string? Initializer) : Value;

    /// <summary>An integer vector computed from shapes; null entries stand for the batch size.</summary>
    private sealed record ShapeOf(long?[] Entries) : Value;

    /// <summary>An integer input read as token ids.</summary>
    private sealed record Ids(string Node, Shape Shape, int Vocab) : Value;

    private sealed class Importer(ModelFile model, OnnxGraph onnx, Func<string, string> initName)
    {
        private readonly GraphBuilder _builder = new(Path.GetFileName(model.Path));
        private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, float[]> _parameters = new(StringComparer.Ordinal);
        private readonly List<ImportedParameter> _sources = [];
        private readonly List<ImportedNode> _nodes = [];
        private readonly Dictionary<string, string> _inputs = new(StringComparer.Ordinal);
        private readonly HashSet<string> _names = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _readers = new(StringComparer.Ordinal);
        private readonly HashSet<string> _initializers = new(onnx.InitializerNames, StringComparer.Ordinal);
        private readonly HashSet<OnnxNode> _folded = [];
        private readonly Dictionary<string, Shape> _shapes = new(StringComparer.Ordinal);
        private long? _exportBatch;

        public OnnxImport Run()
        {
            foreach (var n in onnx.Nodes)
                foreach (var i in n.Inputs.Where(i => i.Length > 0)) _readers[i] = _readers.GetValueOrDefault(i) + 1;
            foreach (var graphOutput in onnx.Outputs) _readers[graphOutput.Name] = _readers.GetValueOrDefault(graphOutput.Name) + 1;
            foreach (var name in onnx.InitializerNames)
                if (model.Find(name) is { } t) _values[name] = ConstOf(t, name);
            foreach (var input in onnx.DataInputs) AddInput(input);
            foreach (var node in onnx.Nodes)
            {
                if (_folded.Contains(node)) continue;
                if (node.Domain is not ("" or "ai.onnx"))
                    throw Unsupported(node, $"its domain '{node.Domain}' is not the default ONNX domain");
                Map(node);
            }
            if (onnx.Outputs.Count == 0) throw new ArgumentException($"'{model.Path}' declares no graph output.", nameof(model));
            var output = onnx.Outputs[0].Name;
            if (!_values.TryGetValue(output, out var o) || o is not Data d)
                throw new ArgumentException($"the graph output '{output}' of '{model.Path}' is not computed from the input.", nameof(model));
            Graph g;
            try
            {
                g = _builder.Build(d.Node);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"'{model.Path}': {GraphBuilderMessage(e)}", nameof(model), e);
            }
            var parameters = NetworkParameters<float>.From(g, _parameters);
            var order = g.Nodes.Select((n, k) => (n.Name, k)).ToDictionary(p => p.Name, p => p.k);
            return new OnnxImport(g, parameters, [.. _nodes.OrderBy(n => order[n.Node])], _inputs, _sources);
        }

        private static string GraphBuilderMessage(ArgumentException e) => e.ParamName is { } p ? e.Message.Replace($" (Parameter '{p}')", "") : e.Message;

        private Const ConstOf(ModelTensor t, string? initializer)
        {
            if (t.ElementCount > Array.MaxLength) throw new ArgumentException($"tensor '{t.Name}' is too large for one array.", nameof(model));
            return new Const(t.Shape.ToArray(), t.ReadDoubles(), initializer);
        }

        private void AddInput(OnnxValueInfo input)
        {
            if (input.Shape is null || input.Shape.Count < 2)
                throw new ArgumentException($"input '{input.Name}' of '{model.Path}' has {(input.Shape is null ? "no declared shape" : "no dimension besides the batch")}; the import needs (batch, ...).", nameof(model));
            var dims = new int[input.Shape.Count - 1];
            for (int i = 1; i < input.Shape.Count; i++)
                dims[i - 1] = input.Shape[i].Value is long v && v > 0 && v <= int.MaxValue ? (int)v
                    : throw new ArgumentException($"dimension {i} of input '{input.Name}' of '{model.Path}' is '{input.Shape[i]}'; the import needs a fixed size.", nameof(model));
            if (input.Shape[0].Value is long b) _exportBatch = b;
            string name = NodeName(input.Name);
            var shape = new Shape(dims);
            _inputs[input.Name] = name;
            if (input.ElementType is null or DTypes.Float32 or DTypes.Float64 or DTypes.Float16 or DTypes.BFloat16)
            {
                _builder.Add(name, new InputOp(shape, stream: InputStream));
                _shapes[name] = shape;
                _values[input.Name] = new Data(name, shape);
                return;
            }
            if (input.ElementType is not (DTypes.Int64 or DTypes.Int32))
                throw new ArgumentException($"input '{input.Name}' of '{model.Path}' is {input.ElementType}; the import reads float inputs and integer token ids.", nameof(model));
            // Integer inputs are token ids: the vocabulary is the embedding table's row count.
            var tables = onnx.Nodes.Where(n => n.OpType == "Gather" && n.Inputs.Count == 2 && n.Inputs[1] == input.Name && _values.GetValueOrDefault(n.Inputs[0]) is Const { Shape.Length: 2 })
                .Select(n => ((Const)_values[n.Inputs[0]]).Shape[0]).Distinct().ToList();
            if (tables.Count != 1)
                throw new ArgumentException($"integer input '{input.Name}' of '{model.Path}' is {(tables.Count == 0 ? "not read as token ids by a Gather of an embedding table" : "read by embedding tables of different sizes")}; the import reads integer inputs only as the ids of one embedding.", nameof(model));
            if (tables[0] > 1 << 24) throw new ArgumentException($"the embedding read by '{input.Name}' has {tables[0]} rows; ids above 2^24 are not exact in float32.", nameof(model));
            _builder.Add(name, new InputOp(shape, vocab: (int)tables[0]));
            _shapes[name] = shape;
            _values[input.Name] = new Ids(name, shape, (int)tables[0]);
        }

        /// <summary>A unique graph node name from an ONNX name (letters, digits and _ . - / kept, others become _).</summary>
        private string NodeName(string onnxName)
        {
            var chars = onnxName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '/' ? c : '_').ToArray();
            string name = chars.Length == 0 ? "node" : new string(chars);
            string unique = name;
            for (int k = 2; !_names.Add(unique); k++) unique = $"{name}_{k}";
            return unique;
        }

        private static string Label(OnnxNode node) => node.Name.Length > 0 ? node.Name : node.Outputs.FirstOrDefault() ?? "";

        private static ArgumentException Unsupported(OnnxNode node, string why) =>
            new($"node '{Label(node)}' ({node.OpType}): {why}.", "model");

        private Value In(OnnxNode node, int slot)
        {
            if (slot >= node.Inputs.Count || node.Inputs[slot].Length == 0)
                throw Unsupported(node, $"input {slot} is missing");
            return _values.TryGetValue(node.Inputs[slot], out var v) ? v
                : throw Unsupported(node, $"input '{node.Inputs[slot]}' is neither an initializer nor a computed value");
        }

        private Data DataIn(OnnxNode node, int slot) => In(node, slot) switch
        {
            Data d => d,
            Ids => throw Unsupported(node, $"input '{node.Inputs[slot]}' holds token ids, which only an embedding (Gather) reads"),
            _ => throw Unsupported(node, $"input '{node.Inputs[slot]}' is a constant where the import needs a computed tensor"),
        };

        private Const? ConstIn(OnnxNode node, int slot) =>
            slot < node.Inputs.Count && node.Inputs[slot].Length > 0 ? In(node, slot) as Const : null;

        private void RequireOutputsUnused(OnnxNode node, int from)
        {
            for (int k = from; k < node.Outputs.Count; k++)
                if (node.Outputs[k].Length > 0 && _readers.ContainsKey(node.Outputs[k]))
                    throw Unsupported(node, $"its output {k} ('{node.Outputs[k]}') is used, and the graph op computes only the first");
        }

        /// <summary>Adds a graph node for <paramref name="node"/>'s first output; the op's shape check runs now, named after the ONNX node.</summary>
        private string Add(OnnxNode node, Op op, string[] inputs, IReadOnlyList<(string Name, float[] Values, string? Tensor, bool Transposed, double Factor)>? parameters = null,
            string? onnxOp = null, OnnxNode? outputNode = null)
        {
            var target = outputNode ?? node;
            string name = NodeName(Label(target));
            var shapes = inputs.Select(i => _shapes[i]).ToArray();
            Shape shape;
            IReadOnlyList<ParameterSpec> specs;
            try
            {
                shape = op.OutputShape(shapes);
                specs = op.Parameters(shapes);
            }
            catch (ArgumentException e)
            {
                throw Unsupported(node, $"as {op.Kind}: {GraphBuilderMessage(e)}");
            }
            _builder.Add(name, op, inputs);
            foreach (var spec in specs)
            {
                var p = parameters?.FirstOrDefault(q => q.Name == spec.Name)
                    ?? throw new InvalidOperationException($"the import gives no values for parameter '{spec.Name}' of {op.Kind}.");
                if (p.Values.Length != spec.Shape.Size)
                    throw Unsupported(node, $"parameter '{spec.Name}' of {op.Kind} needs shape {spec.Shape}, the model gives {p.Values.Length} values");
                string full = name + "." + spec.Name;
                _parameters[full] = p.Values;
                _builder.SetInit(name, spec.Name, Init.Given(p.Values, p.Tensor is { } t ? initName(t) : "given"));
                _sources.Add(new ImportedParameter(full, p.Tensor is { } tensor && _initializers.Contains(tensor) ? tensor : null, p.Transposed, p.Factor));
            }
            _values[target.Outputs[0]] = new Data(name, shape);
            _shapes[name] = shape;
            _nodes.Add(new ImportedNode(name, op.Kind, Label(node), onnxOp ?? node.OpType, target.Outputs[0]));
            return name;
        }

        private static float[] Singles(double[] v) => Array.ConvertAll(v, x => (float)x);

        private static float[] Filled(long n, double value)
        {
            var a = new float[n];
            Array.Fill(a, (float)value);
            return a;
        }

        private void Alias(OnnxNode node, Value value) => _values[node.Outputs[0]] = value;

        private void Map(OnnxNode node)
        {
            if (node.Outputs.Count == 0 || node.Outputs[0].Length == 0) throw Unsupported(node, "it has no output");
            switch (node.OpType)
            {
                case "Constant": MapConstant(node); return;
                case "Identity": MapIdentity(node); return;
                case "Cast": MapCast(node); return;
                case "Shape": MapShape(node); return;
                case "Gemm": MapGemm(node); return;
                case "MatMul": MapMatMul(node); return;
                case "Conv": MapConv(node); return;
                case "BatchNormalization": MapBatchNorm(node); return;
                case "Relu": MapActivation(node, Activations.Activation.Relu); return;
                case "LeakyRelu": MapActivation(node, Activations.Activation.LeakyRelu(node.Float("alpha", 0.01))); return;
                case "Tanh": MapActivation(node, Activations.Activation.Tanh); return;
                case "Sigmoid": MapActivation(node, Activations.Activation.Sigmoid); return;
                case "Erf": MapActivation(node, Activations.Activation.Erf); return;
                case "Softplus": MapActivation(node, Activations.Activation.Softplus); return;
                case "Mish": MapActivation(node, Activations.Activation.Mish); return;
                case "Elu": MapActivation(node, Activations.Activation.Elu(node.Float("alpha", 1))); return;
                case "Selu": MapSelu(node); return;
                case "Gelu":
                    if ((node.String("approximate") ?? "none") != "none") throw Unsupported(node, $"approximate = '{node.String("approximate")}'; InitLab's gelu is the exact (erf) form");
                    MapActivation(node, Activations.Activation.Gelu);
                    return;
                case "Add" or "Sub" or "Mul" or "Div": MapBinary(node); return;
                case "Sum" or "Mean": MapSum(node); return;
                case "Neg": Add(node, new ScaleOp(-1), [DataIn(node, 0).Node]); return;
                case "MaxPool" or "AveragePool": MapPool(node); return;
                case "GlobalAveragePool": Add(node, new GlobalAvgPoolOp(keepDims: true), [DataIn(node, 0).Node]); return;
                case "Flatten": MapFlatten(node); return;
                case "Reshape": MapReshape(node); return;
                case "Squeeze" or "Unsqueeze": MapSqueeze(node); return;
                case "Gather": MapGather(node); return;
                case "Concat": MapConcat(node); return;
                case "Softmax": MapSoftmax(node); return;
                case "LayerNormalization": MapLayerNorm(node); return;
                case "Dropout": MapDropout(node); return;
                default:
                    throw Unsupported(node, $"InitLab's graph has no op for ONNX {node.OpType} (the import maps {string.Join(", ", SupportedOps)})");
            }
        }

        private void MapActivation(OnnxNode node, Activation activation) => Add(node, new ActivationOp(activation), [DataIn(node, 0).Node]);

        private void MapSelu(OnnxNode node)
        {
            // ONNX's defaults are the float32 roundings of Klambauer et al.'s constants, which InitLab's selu uses.
            double alpha = node.Float("alpha", 1.67326319217681884765625), gamma = node.Float("gamma", 1.05070102214813232421875);
            if ((float)alpha != 1.67326319217681884765625f || (float)gamma != 1.05070102214813232421875f)
                throw Unsupported(node, $"alpha = {F(alpha)}, gamma = {F(gamma)}; InitLab's selu has the self-normalizing constants only");
            MapActivation(node, Activations.Activation.Selu);
        }

        private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

        private void MapConstant(OnnxNode node)
        {
            var a = node.Attributes;
            if (a.TryGetValue("value", out var t) && t.Tensor is { } tensor) Alias(node, ConstOf(tensor, null));
            else if (a.TryGetValue("value_float", out var f) && f.Float is double d) Alias(node, new Const([], [d], null));
            else if (a.TryGetValue("value_floats", out var fs) && fs.Floats is { } ds) Alias(node, new Const([ds.Count], [.. ds], null));
            else if (a.TryGetValue("value_int", out var i) && i.Int is long l) Alias(node, new Const([], [l], null));
            else if (a.TryGetValue("value_ints", out var its) && its.Ints is { } ls) Alias(node, new Const([ls.Count], ls.Select(v => (double)v).ToArray(), null));
            else throw Unsupported(node, "its value is not a tensor, float(s) or int(s)");
        }

        private void MapIdentity(OnnxNode node)
        {
            var v = In(node, 0);
            if (v is Data d) Add(node, new ActivationOp(Activations.Activation.Identity), [d.Node]);
            else Alias(node, v);
        }

        private void MapCast(OnnxNode node)
        {
            var v = In(node, 0);
            long to = node.Int("to", 0);
            bool toFloat = to is 1 or 10 or 11 or 16; // FLOAT, FLOAT16, DOUBLE, BFLOAT16
            bool toInt = to is 6 or 7; // INT32, INT64
            if (v is Data && toFloat || v is ShapeOf && toInt || v is Const && toFloat) Alias(node, v);
            else if (v is Const c && toInt) Alias(node, new Const(c.Shape, c.Values.Select(Math.Truncate).ToArray(), null));
            else throw Unsupported(node, $"a cast to type {to} of a {(v is Data ? "computed tensor" : "constant")}");
        }

        private void MapShape(OnnxNode node)
        {
            var d = DataIn(node, 0);
            long?[] entries = [null, .. d.Shape.Dims.ToArray().Select(x => (long?)x)];
            long start = node.Int("start", 0), end = node.Int("end", entries.Length);
            int rank = entries.Length;
            start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
            end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
            Alias(node, new ShapeOf(entries[(int)start..(int)Math.Max(start, end)]));
        }

        private long?[] Ints(OnnxNode node, int slot) => In(node, slot) switch
        {
            ShapeOf s => s.Entries,
            Const c => c.Values.Select(v => v == Math.Floor(v) ? (long?)v : throw Unsupported(node, $"input '{node.Inputs[slot]}' is not integral")).ToArray(),
            _ => throw Unsupported(node, $"input '{node.Inputs[slot]}' is computed from the data; the import needs a constant or a shape"),
        };

        private void MapGemm(OnnxNode node)
        {
            if (node.Int("transA", 0) != 0) throw Unsupported(node, "transA = 1 would transpose the batch into the features");
            var a = DataIn(node, 0);
            if (a.Shape.Rank != 1) throw Unsupported(node, $"input A has shape (batch, {string.Join(", ", a.Shape.Dims.ToArray())}); Gemm multiplies (batch, features)");
            var b = ConstIn(node, 1) ?? throw Unsupported(node, "B is computed, not a constant weight");
            if (b.Shape.Length != 2) throw Unsupported(node, $"B has rank {b.Shape.Length}, not 2");
            bool transB = node.Int("transB", 0) != 0;
            double alpha = node.Float("alpha", 1), beta = node.Float("beta", 1);
            int k = (int)(transB ? b.Shape[1] : b.Shape[0]), n = (int)(transB ? b.Shape[0] : b.Shape[1]);
            if (k != a.Shape[0]) throw Unsupported(node, $"B is {b.Shape[0]}x{b.Shape[1]} (transB = {(transB ? 1 : 0)}) for {a.Shape[0]} input features");
            var w = Weight(b, transB, alpha);
            var parameters = new List<(string, float[], string?, bool, double)> { ("weight", w, b.Initializer, !transB, alpha) };
            var c = ConstIn(node, 2);
            if (c is not null)
            {
                var bias = BiasVector(node, c, n, beta) ?? throw Unsupported(node, $"C of shape ({string.Join(", ", c.Shape)}) does not broadcast to one bias per output");
                parameters.Add(("bias", bias, c.Shape.Aggregate(1L, (x, y) => x * y) == n ? c.Initializer : null, false, beta));
            }
            Add(node, new LinearOp(n, bias: c is not null), [a.Node], parameters);
        }

        /// <summary>The (out, in) weight: B itself when it is (out, in), else its transpose; times factor.</summary>
        private static float[] Weight(Const b, bool outIn, double factor)
        {
            int rows = (int)b.Shape[0], cols = (int)b.Shape[1];
            var w = new float[rows * cols];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    w[outIn ? i * cols + j : j * rows + i] = (float)(factor * b.Values[i * cols + j]);
            return w;
        }

        /// <summary>A constant that broadcasts to one value per output (shape (n), (1, n), (1) or scalar) as n values times factor; null otherwise.</summary>
        private static float[]? BiasVector(OnnxNode node, Const c, int n, double factor)
        {
            long size = c.Shape.Aggregate(1L, (x, y) => x * y);
            if (c.Shape.Length > 0 && c.Shape[..^1].Any(d => d != 1)) return null;
            if (size != n && size != 1) return null;
            var v = new float[n];
            for (int j = 0; j < n; j++) v[j] = (float)(factor * c.Values[size == 1 ? 0 : j]);
            return v;
        }

        private void MapMatMul(OnnxNode node)
        {
            var a = DataIn(node, 0);
            var b = ConstIn(node, 1) ?? throw Unsupported(node, "B is computed; the import maps a product by a constant weight matrix (attention's products of two activations have no single graph op)");
            if (b.Shape.Length != 2) throw Unsupported(node, $"B has rank {b.Shape.Length}; the import maps a product by a matrix");
            if (b.Shape[0] != a.Shape[-1]) throw Unsupported(node, $"B is {b.Shape[0]}x{b.Shape[1]} for {a.Shape[-1]} input features");
            int n = (int)b.Shape[1];
            var parameters = new List<(string, float[], string?, bool, double)> { ("weight", Weight(b, outIn: false, 1), b.Initializer, true, 1) };
            // A bias Add that only this MatMul's output feeds is folded in: linear(x) = x B + c, one graph node.
            OnnxNode? add = null;
            if (_readers.GetValueOrDefault(node.Outputs[0]) == 1)
            {
                add = onnx.Nodes.FirstOrDefault(m => m.OpType == "Add" && m.Domain is ("" or "ai.onnx") && m.Inputs.Count == 2 && m.Inputs.Contains(node.Outputs[0])
                    && m.Outputs.Count > 0 && m.Outputs[0].Length > 0);
                var c = add is null ? null : _values.GetValueOrDefault(add.Inputs[add.Inputs[0] == node.Outputs[0] ? 1 : 0]) as Const;
                var bias = c is null ? null : BiasVector(add!, c, n, 1);
                if (bias is null || add!.Inputs[0] == add.Inputs[1]) add = null;
                else
                {
                    parameters.Add(("bias", bias, c!.Shape.Aggregate(1L, (x, y) => x * y) == n ? c.Initializer : null, false, 1));
                    _folded.Add(add);
                }
            }
            Add(node, new LinearOp(n, bias: add is not null), [a.Node], parameters, add is null ? null : "MatMul+Add", add);
        }

        private (int[] Begin, int[] End) Pads(OnnxNode node, int rank, int[] inputDims, int[] kernel, int[] strides, int[] dilations)
        {
            string autoPad = node.String("auto_pad") ?? "NOTSET";
            var begin = new int[rank];
            var end = new int[rank];
            switch (autoPad)
            {
                case "NOTSET":
                    var pads = node.Ints("pads");
                    if (pads is null) break;
                    if (pads.Count != 2 * rank) throw Unsupported(node, $"pads has {pads.Count} values for {rank} spatial dimensions");
                    for (int i = 0; i < rank; i++)
                    {
                        begin[i] = Int(node, "pads", pads[i]);
                        end[i] = Int(node, "pads", pads[rank + i]);
                        if (begin[i] < 0 || end[i] < 0) throw Unsupported(node, "negative pads crop the input");
                    }
                    break;
                case "VALID": break;
                case "SAME_UPPER" or "SAME_LOWER":
                    for (int i = 0; i < rank; i++)
                    {
                        long output = (inputDims[i] + strides[i] - 1) / strides[i];
                        long total = Math.Max(0, (output - 1) * strides[i] + (long)(kernel[i] - 1) * dilations[i] + 1 - inputDims[i]);
                        int small = (int)(total / 2), large = (int)(total - total / 2);
                        (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, large) : (large, small);
                    }
                    break;
                default: throw Unsupported(node, $"auto_pad = '{autoPad}'");
            }
            return (begin, end);
        }

        private static int Int(OnnxNode node, string attribute, long v) =>
            v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Unsupported(node, $"{attribute} value {v} is out of range");

        private int[] Spatial(OnnxNode node, string attribute, int rank, int fallback)
        {
            var v = node.Ints(attribute);
            if (v is null) return Enumerable.Repeat(fallback, rank).ToArray();
            if (v.Count != rank) throw Unsupported(node, $"{attribute} has {v.Count} values for {rank} spatial dimensions");
            return v.Select(x => Int(node, attribute, x)).ToArray();
        }

        private void MapConv(OnnxNode node)
        {
            var x = DataIn(node, 0);
            var w = ConstIn(node, 1) ?? throw Unsupported(node, "W is computed, not a constant kernel");
            int rank = x.Shape.Rank - 1;
            if (rank is < 1 or > 3) throw Unsupported(node, $"input of shape (batch, {string.Join(", ", x.Shape.Dims.ToArray())}): InitLab convolves 1 to 3 spatial dimensions");
            if (w.Shape.Length != rank + 2) throw Unsupported(node, $"W has rank {w.Shape.Length} for {rank} spatial dimensions");
            var kernel = node.Ints("kernel_shape") is { } ks ? ks.Select(k => Int(node, "kernel_shape", k)).ToArray() : w.Shape[2..].Select(k => (int)k).ToArray();
            if (!kernel.SequenceEqual(w.Shape[2..].Select(k => (int)k))) throw Unsupported(node, "kernel_shape differs from W's shape");
            var strides = Spatial(node, "strides", rank, 1);
            var dilations = Spatial(node, "dilations", rank, 1);
            var (begin, end) = Pads(node, rank, x.Shape.Dims[1..].ToArray(), kernel, strides, dilations);
            int groups = Int(node, "group", node.Int("group", 1));
            int outChannels = (int)w.Shape[0];
            var parameters = new List<(string, float[], string?, bool, double)> { ("weight", Singles(w.Values), w.Initializer, false, 1) };
            var b = ConstIn(node, 2);
            if (b is not null)
            {
                if (b.Values.Length != outChannels) throw Unsupported(node, $"B has {b.Values.Length} values for {outChannels} output channels");
                parameters.Add(("bias", Singles(b.Values), b.Initializer, false, 1));
            }
            else if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0) throw Unsupported(node, "B is computed, not a constant bias");
            Add(node, new ConvOp(outChannels, kernel, strides, begin, dilations, groups, bias: b is not null, paddingEnd: begin.SequenceEqual(end) ? null : end),
                [x.Node], parameters);
        }

        private void MapBatchNorm(OnnxNode node)
        {
            var x = DataIn(node, 0);
            if (node.Int("spatial", 1) != 1) throw Unsupported(node, "spatial = 0 normalizes every position on its own, which InitLab's batch_norm does not");
            RequireOutputsUnused(node, 1);
            bool training = node.Int("training_mode", 0) != 0;
            var scale = ConstIn(node, 1) ?? throw Unsupported(node, "scale is computed, not a constant");
            var bias = ConstIn(node, 2) ?? throw Unsupported(node, "B is computed, not a constant");
            var mean = ConstIn(node, 3) ?? throw Unsupported(node, "the running mean is computed, not a constant");
            var variance = ConstIn(node, 4) ?? throw Unsupported(node, "the running variance is computed, not a constant");
            var parameters = new List<(string, float[], string?, bool, double)>
            {
                ("weight", Singles(scale.Values), scale.Initializer, false, 1), ("bias", Singles(bias.Values), bias.Initializer, false, 1),
            };
            if (!training)
                parameters.AddRange([("running_mean", Singles(mean.Values), mean.Initializer, false, 1), ("running_var", Singles(variance.Values), variance.Initializer, false, 1)]);
            Add(node, new BatchNormOp(node.Float("epsilon", 1e-5), affine: true, runningStats: !training), [x.Node], parameters);
        }

        private void MapBinary(OnnxNode node)
        {
            var a = In(node, 0);
            var b = In(node, 1);
            string op = node.OpType;
            if (a is Data da && b is Data db)
            {
                if (da.Shape != db.Shape)
                    throw Unsupported(node, $"computed inputs of shapes {da.Shape} and {db.Shape}; the import combines computed tensors of one shape");
                if (op == "Div") throw Unsupported(node, "a division of two computed tensors has no graph op");
                Add(node, op == "Mul" ? new MulOp() : new AddOp(op == "Sub" ? [1.0, -1.0] : null), [da.Node, db.Node]);
                return;
            }
            if (a is Const ca && b is Const cb)
            {
                Alias(node, Fold(node, ca, cb));
                return;
            }
            bool dataFirst = a is Data;
            var data = (a as Data ?? b as Data) ?? throw Unsupported(node, "no input is a computed float tensor");
            var c = (a as Const ?? b as Const) ?? throw Unsupported(node, "the other input is neither a constant nor a tensor of the same shape");
            int slot = dataFirst ? 1 : 0;
            long size = c.Values.Length;
            if (op == "Div" && !dataFirst) throw Unsupported(node, "a constant divided by a computed tensor (a reciprocal) has no graph op");
            if (size == 1)
            {
                double v = c.Values[0];
                ScaleOp scale = op switch
                {
                    "Add" => new ScaleOp(1, v),
                    "Sub" => dataFirst ? new ScaleOp(1, -v) : new ScaleOp(-1, v),
                    "Mul" => new ScaleOp(v),
                    _ => new ScaleOp(1 / v),
                };
                Add(node, scale, [data.Node]);
                return;
            }
            var shape = BroadcastShape(node, c, data, slot);
            var values = Singles(c.Values);
            string? tensor = c.Initializer;
            var parameters = new List<(string, float[], string?, bool, double)>();
            AffineOp affine;
            switch (op)
            {
                case "Add":
                    affine = new AffineOp(shape, weight: false);
                    parameters.Add(("bias", values, tensor, false, 1));
                    break;
                case "Sub" when dataFirst:
                    affine = new AffineOp(shape, weight: false);
                    parameters.Add(("bias", Array.ConvertAll(values, v => -v), tensor, false, -1));
                    break;
                case "Sub":
                    affine = new AffineOp(shape);
                    parameters.Add(("weight", Filled(values.Length, -1), null, false, 1));
                    parameters.Add(("bias", values, tensor, false, 1));
                    break;
                case "Mul":
                    affine = new AffineOp(shape, bias: false);
                    parameters.Add(("weight", values, tensor, false, 1));
                    break;
                default:
                    affine = new AffineOp(shape, bias: false);
                    parameters.Add(("weight", Array.ConvertAll(c.Values, v => (float)(1 / v)), null, false, 1));
                    break;
            }
            Add(node, affine, [data.Node], parameters);
        }

        /// <summary>A constant's shape as an affine op's parameter shape: right-aligned with the full (batch, ...) shape, the batch axis dropped.</summary>
        private int[] BroadcastShape(OnnxNode node, Const c, Data data, int slot)
        {
            int fullRank = data.Shape.Rank + 1;
            if (c.Shape.Length > fullRank) throw Unsupported(node, $"constant '{node.Inputs[slot]}' of shape ({string.Join(", ", c.Shape)}) has more dimensions than the data");
            var dims = c.Shape.ToList();
            if (dims.Count == fullRank)
            {
                if (dims[0] != 1) throw Unsupported(node, $"constant '{node.Inputs[slot]}' of shape ({string.Join(", ", c.Shape)}) differs along the batch axis");
                dims.RemoveAt(0);
            }
            while (dims.Count > 1 && dims[0] == 1) dims.RemoveAt(0);
            for (int d = 1; d <= dims.Count; d++)
                if (dims[^d] != 1 && dims[^d] != data.Shape[-d])
                    throw Unsupported(node, $"constant '{node.Inputs[slot]}' of shape ({string.Join(", ", c.Shape)}) does not broadcast against the data (batch, {string.Join(", ", data.Shape.Dims.ToArray())})");
            return dims.Select(d => (int)d).ToArray();
        }

        private Const Fold(OnnxNode node, Const a, Const b)
        {
            if (!(a.Values.Length == 1 || b.Values.Length == 1 || a.Shape.SequenceEqual(b.Shape)))
                throw Unsupported(node, "constants of different shapes (the import folds constants of one shape or by a scalar)");
            var big = a.Values.Length >= b.Values.Length ? a : b;
            var v = new double[big.Values.Length];
            for (int i = 0; i < v.Length; i++)
            {
                double x = a.Values[a.Values.Length == 1 ? 0 : i], y = b.Values[b.Values.Length == 1 ? 0 : i];
                v[i] = node.OpType switch { "Add" => x + y, "Sub" => x - y, "Mul" => x * y, _ => x / y };
            }
            return new Const(big.Shape, v, null);
        }

        private void MapSum(OnnxNode node)
        {
            var inputs = Enumerable.Range(0, node.Inputs.Count).Select(i => DataIn(node, i)).ToArray();
            if (inputs.Any(d => d.Shape != inputs[0].Shape)) throw Unsupported(node, "inputs of different shapes");
            if (inputs.Length == 1)
            {
                Add(node, new ActivationOp(Activations.Activation.Identity), [inputs[0].Node]);
                return;
            }
            var scales = node.OpType == "Mean" ? Enumerable.Repeat(1.0 / inputs.Length, inputs.Length).ToArray() : null;
            Add(node, new AddOp(scales), inputs.Select(d => d.Node).ToArray());
        }

        private void MapPool(OnnxNode node)
        {
            var x = DataIn(node, 0);
            RequireOutputsUnused(node, 1);
            int rank = x.Shape.Rank - 1;
            if (rank is < 1 or > 3) throw Unsupported(node, "InitLab pools 1 to 3 spatial dimensions");
            var kernel = node.Ints("kernel_shape")?.Select(k => Int(node, "kernel_shape", k)).ToArray() ?? throw Unsupported(node, "kernel_shape is missing");
            if (kernel.Length != rank) throw Unsupported(node, $"kernel_shape has {kernel.Length} values for {rank} spatial dimensions");
            var strides = Spatial(node, "strides", rank, 1);
            if (Spatial(node, "dilations", rank, 1).Any(d => d != 1)) throw Unsupported(node, "dilated pooling");
            var (begin, end) = Pads(node, rank, x.Shape.Dims[1..].ToArray(), kernel, strides, Enumerable.Repeat(1, rank).ToArray());
            bool max = node.OpType == "MaxPool";
            Add(node, new PoolOp(max ? PoolKind.Max : PoolKind.Average, kernel, strides, begin, countIncludePad: node.Int("count_include_pad", 0) != 0,
                paddingEnd: begin.SequenceEqual(end) ? null : end, ceilMode: node.Int("ceil_mode", 0) != 0), [x.Node]);
        }

        private void MapFlatten(OnnxNode node)
        {
            var x = DataIn(node, 0);
            int fullRank = x.Shape.Rank + 1;
            long axis = node.Int("axis", 1);
            if (axis < -fullRank || axis > fullRank) throw Unsupported(node, $"axis {axis} is outside [-{fullRank}, {fullRank}] for its rank-{fullRank} input");
            if (axis < 0) axis += fullRank;
            if (axis == 0) throw Unsupported(node, "axis 0 merges the batch into the features");
            if (axis == 1)
            {
                Add(node, new FlattenOp(), [x.Node]);
                return;
            }
            var dims = x.Shape.Dims.ToArray();
            long outer = dims[..((int)axis - 1)].Aggregate(1L, (p, d) => p * d), inner = dims[((int)axis - 1)..].Aggregate(1L, (p, d) => p * d);
            Add(node, new ReshapeOp([(int)outer, (int)inner]), [x.Node]);
        }

        private void MapReshape(OnnxNode node)
        {
            var x = DataIn(node, 0);
            var target = Ints(node, 1);
            bool allowZero = node.Int("allowzero", 0) != 0;
            if (target.Length == 0) throw Unsupported(node, "a reshape to a scalar drops the batch");
            var full = new long?[] { null }.Concat(x.Shape.Dims.ToArray().Select(d => (long?)d)).ToArray();
            var dims = new long?[target.Length];
            for (int i = 0; i < target.Length; i++)
                dims[i] = target[i] == 0 && !allowZero ? (i < full.Length ? full[i] : throw Unsupported(node, $"shape entry {i} copies a dimension the input does not have")) : target[i];
            // The first entry must be the batch: copied (0), taken from Shape, the export's own fixed batch size, or -1 when the
            // other entries hold exactly one example.
            long perExample = x.Shape.Size;
            bool restFixed = dims.Skip(1).All(d => d is > 0);
            bool batchFirst = dims[0] is null || _exportBatch is long eb && dims[0] == eb
                || dims[0] == -1 && restFixed && dims.Skip(1).Aggregate(1L, (p, d) => p * d!.Value) == perExample;
            if (!batchFirst || dims.Skip(1).Any(d => d is null))
                throw Unsupported(node, "the target shape does not keep the batch as its first dimension");
            var rest = dims.Skip(1).Select(d => d!.Value).ToArray();
            if (rest.Length == 0) throw Unsupported(node, "a reshape to (batch) alone has no graph shape");
            if (rest.Any(d => d < -1 || d == 0) || rest.Count(d => d == -1) > 1 || rest.Any(d => d > int.MaxValue))
                throw Unsupported(node, $"target shape ({string.Join(", ", target.Select(t => t?.ToString(CultureInfo.InvariantCulture) ?? "batch"))})");
            Add(node, new ReshapeOp(rest.Select(d => (int)d).ToArray()), [x.Node]);
        }

        private void MapSqueeze(OnnxNode node)
        {
            var v = In(node, 0);
            var axes = node.Ints("axes")?.ToArray() ?? (node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? Ints(node, 1).Select(a => a ?? -999).ToArray() : null);
            if (v is ShapeOf s && node.OpType == "Unsqueeze" && axes is [0] && s.Entries.Length <= 1)
            {
                Alias(node, s);
                return;
            }
            if (v is ShapeOf s2 && node.OpType == "Squeeze" && s2.Entries.Length == 1)
            {
                Alias(node, s2);
                return;
            }
            if (v is Const c)
            {
                Alias(node, new Const(SqueezedShape(node, c.Shape, axes), c.Values, null));
                return;
            }
            var x = v as Data ?? throw Unsupported(node, "its input is not a computed tensor or a single shape entry");
            int fullRank = x.Shape.Rank + 1;
            var dims = new List<int>(x.Shape.Dims.ToArray());
            if (node.OpType == "Squeeze")
            {
                var drop = (axes ?? Enumerable.Range(1, x.Shape.Rank).Where(i => x.Shape[i - 1] == 1).Select(i => (long)i).ToArray())
                    .Select(a => a < 0 ? a + fullRank : a).OrderDescending().ToArray();
                foreach (long a in drop)
                {
                    if (a <= 0 || a >= fullRank || dims[(int)a - 1] != 1) throw Unsupported(node, $"axis {a} is the batch or not of size 1");
                    dims.RemoveAt((int)a - 1);
                }
                if (dims.Count == 0) throw Unsupported(node, "squeezing every axis but the batch leaves no graph shape");
            }
            else
            {
                if (axes is null) throw Unsupported(node, "axes are missing");
                int outRank = fullRank + axes.Length;
                foreach (long a in axes.Select(a => a < 0 ? a + outRank : a).Order())
                {
                    if (a <= 0 || a > dims.Count + 1) throw Unsupported(node, $"axis {a} is the batch or out of range");
                    dims.Insert((int)a - 1, 1);
                }
            }
            Add(node, new ReshapeOp([.. dims]), [x.Node]);
        }

        /// <summary>A constant's shape after Squeeze or Unsqueeze along <paramref name="axes"/>.</summary>
        private static long[] SqueezedShape(OnnxNode node, long[] shape, long[]? axes)
        {
            var dims = shape.ToList();
            if (node.OpType == "Squeeze")
            {
                var drop = axes?.Select(a => a < 0 ? a + dims.Count : a).ToHashSet() ?? dims.Select((d, i) => (d, i)).Where(p => p.d == 1).Select(p => (long)p.i).ToHashSet();
                if (drop.Any(a => a < 0 || a >= dims.Count || dims[(int)a] != 1)) throw Unsupported(node, "an axis is out of range or not of size 1");
                return dims.Where((_, i) => !drop.Contains(i)).ToArray();
            }
            if (axes is null) throw Unsupported(node, "axes are missing");
            int rank = dims.Count + axes.Length;
            foreach (long a in axes.Select(a => a < 0 ? a + rank : a).Order())
            {
                if (a < 0 || a > dims.Count) throw Unsupported(node, $"axis {a} is out of range");
                dims.Insert((int)a, 1);
            }
            return [.. dims];
        }

        private void MapGather(OnnxNode node)
        {
            var data = In(node, 0);
            var indices = In(node, 1);
            long axis = node.Int("axis", 0);
            if (data is ShapeOf s && indices is ShapeOf or Const)
            {
                var idx = Ints(node, 1);
                bool scalar = indices is Const { Shape.Length: 0 };
                var picked = idx.Select(i => i is long v ? s.Entries[(int)(v < 0 ? v + s.Entries.Length : v)] : throw Unsupported(node, "an index is not a number")).ToArray();
                Alias(node, new ShapeOf(scalar ? [picked[0]] : picked));
                return;
            }
            if (data is Const table && indices is Ids ids && axis == 0 && table.Shape.Length == 2)
            {
                Add(node, new EmbeddingOp((int)table.Shape[0], (int)table.Shape[1]), [ids.Node], [("weight", Singles(table.Values), table.Initializer, false, 1)]);
                return;
            }
            throw Unsupported(node, "the import maps Gather only as an embedding (a constant table indexed by an integer input along axis 0) or on a shape");
        }

        private void MapConcat(OnnxNode node)
        {
            var values = Enumerable.Range(0, node.Inputs.Count).Select(i => In(node, i)).ToArray();
            if (values.All(v => v is ShapeOf or Const { Shape.Length: <= 1 }))
            {
                Alias(node, new ShapeOf(values.SelectMany((v, i) => Ints(node, i)).ToArray()));
                return;
            }
            var inputs = Enumerable.Range(0, node.Inputs.Count).Select(i => DataIn(node, i)).ToArray();
            int fullRank = inputs[0].Shape.Rank + 1;
            long axis = node.Int("axis", 0);
            if (axis < 0) axis += fullRank;
            if (axis <= 0 || axis >= fullRank) throw Unsupported(node, $"axis {node.Int("axis", 0)} is the batch axis or out of range");
            Add(node, new ConcatOp((int)axis - 1), inputs.Select(d => d.Node).ToArray());
        }

        private void MapSoftmax(OnnxNode node)
        {
            var x = DataIn(node, 0);
            int fullRank = x.Shape.Rank + 1;
            long opset = onnx.DefaultOpset ?? 13;
            long axis = node.Int("axis", opset >= 13 ? -1 : 1);
            if (axis < 0) axis += fullRank;
            if (axis != fullRank - 1)
                throw Unsupported(node, opset >= 13 ? $"axis {axis} is not the last; InitLab's softmax runs over the last dimension"
                    : $"axis {axis} flattens dimensions {axis}.. into one softmax (opset {opset}); InitLab's softmax runs over the last dimension");
            Add(node, new SoftmaxOp(), [x.Node]);
        }

        private void MapLayerNorm(OnnxNode node)
        {
            var x = DataIn(node, 0);
            RequireOutputsUnused(node, 1);
            int fullRank = x.Shape.Rank + 1;
            long axis = node.Int("axis", -1);
            if (axis < 0) axis += fullRank;
            if (axis <= 0 || axis >= fullRank) throw Unsupported(node, $"axis {node.Int("axis", -1)} normalizes over the batch or is out of range");
            int normalized = fullRank - (int)axis;
            long count = x.Shape.Dims[(x.Shape.Rank - normalized)..].ToArray().Aggregate(1L, (p, d) => p * d);
            var scale = ConstIn(node, 1) ?? throw Unsupported(node, "Scale is computed, not a constant");
            if (scale.Values.Length != count) throw Unsupported(node, $"Scale has {scale.Values.Length} values for the {count} normalized ones");
            var bias = ConstIn(node, 2);
            if (bias is not null && bias.Values.Length != count) throw Unsupported(node, $"B has {bias.Values.Length} values for the {count} normalized ones");
            var parameters = new List<(string, float[], string?, bool, double)>
            {
                ("weight", Singles(scale.Values), scale.Initializer, false, 1),
                ("bias", bias is null ? new float[count] : Singles(bias.Values), bias?.Initializer, false, 1),
            };
            Add(node, new LayerNormOp(normalized, node.Float("epsilon", 1e-5)), [x.Node], parameters);
        }

        private void MapDropout(OnnxNode node)
        {
            var x = DataIn(node, 0);
            RequireOutputsUnused(node, 1);
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
            {
                var mode = In(node, 2);
                bool training = mode switch
                {
                    Const c => c.Values.Any(v => v != 0),
                    ShapeOf s => s.Entries.Any(v => v != 0),
                    _ => throw Unsupported(node, "training_mode is computed"),
                };
                if (training) throw Unsupported(node, "training_mode = true drops values at random, which ONNX Runtime and InitLab draw differently");
            }
            // Inference: the identity (ONNX's Dropout without training_mode), reported as dropout with p = 0.
            Add(node, new DropoutOp(0), [x.Node]);
        }
    }
}
