namespace InitLab.Formats.Onnx;

/// <summary>
/// An ONNX graph (onnx.proto GraphProto) as read: nodes in file order (ONNX requires topological order), the graph's
/// inputs, outputs and intermediate value infos, the initializer names, and the model's opset imports.
/// </summary>
/// <param name="Name">GraphProto.name.</param>
/// <param name="Nodes">The nodes in file order.</param>
/// <param name="Inputs">GraphProto.input as written; old exporters (IR version &lt; 4) list initializers here too, see <see cref="DataInputs"/>.</param>
/// <param name="Outputs">GraphProto.output.</param>
/// <param name="ValueInfo">GraphProto.value_info: shapes of intermediate values, where the exporter or shape inference wrote them.</param>
/// <param name="InitializerNames">The names of the initializers, in file order.</param>
/// <param name="Opsets">ModelProto.opset_import (empty for a subgraph).</param>
/// <param name="IrVersion">ModelProto.ir_version (0 for a subgraph).</param>
/// <param name="ProducerName">ModelProto.producer_name, e.g. "pytorch".</param>
public sealed record OnnxGraph(
    string Name,
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyList<OnnxValueInfo> Inputs,
    IReadOnlyList<OnnxValueInfo> Outputs,
    IReadOnlyList<OnnxValueInfo> ValueInfo,
    IReadOnlyList<string> InitializerNames,
    IReadOnlyList<OnnxOpset> Opsets,
    long IrVersion,
    string ProducerName)
{
    /// <summary>The inputs a caller feeds: <see cref="Inputs"/> minus those that name an initializer (old exporters list both).</summary>
    public IReadOnlyList<OnnxValueInfo> DataInputs => Inputs.Where(i => !InitializerNames.Contains(i.Name)).ToArray();

    /// <summary>The opset version of the default (ai.onnx) domain, or null when the model imports none.</summary>
    public long? DefaultOpset => Opsets.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version;
}

/// <summary>One node (NodeProto).</summary>
/// <param name="Name">NodeProto.name (may be empty).</param>
/// <param name="OpType">The operator, e.g. "Conv", "Gemm".</param>
/// <param name="Domain">The operator set domain; "" is ai.onnx.</param>
/// <param name="Inputs">Input value names in slot order; "" marks an omitted optional input.</param>
/// <param name="Outputs">Output value names in slot order.</param>
/// <param name="Attributes">Attributes by name.</param>
public sealed record OnnxNode(
    string Name, string OpType, string Domain, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    /// <summary>The integer attribute <paramref name="name"/>, or <paramref name="fallback"/> when absent.</summary>
    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) && a.Int is long v ? v : fallback;

    /// <summary>The float attribute <paramref name="name"/>, or <paramref name="fallback"/> when absent.</summary>
    public double Float(string name, double fallback) => Attributes.TryGetValue(name, out var a) && a.Float is double v ? v : fallback;

    /// <summary>The integer-list attribute <paramref name="name"/>, or null when absent.</summary>
    public IReadOnlyList<long>? Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : null;

    /// <summary>The string attribute <paramref name="name"/>, or null when absent.</summary>
    public string? String(string name) => Attributes.TryGetValue(name, out var a) ? a.String : null;
}

/// <summary>The kind of an attribute's value (AttributeProto.AttributeType).</summary>
public enum OnnxAttributeType
{
    /// <summary>Not set.</summary>
    Undefined = 0,
    /// <summary>A float.</summary>
    Float = 1,
    /// <summary>An int64.</summary>
    Int = 2,
    /// <summary>A string (bytes).</summary>
    String = 3,
    /// <summary>A tensor.</summary>
    Tensor = 4,
    /// <summary>A subgraph.</summary>
    Graph = 5,
    /// <summary>A list of floats.</summary>
    Floats = 6,
    /// <summary>A list of int64.</summary>
    Ints = 7,
    /// <summary>A list of strings.</summary>
    Strings = 8,
    /// <summary>A list of tensors.</summary>
    Tensors = 9,
    /// <summary>A list of subgraphs.</summary>
    Graphs = 10,
}

/// <summary>A node attribute; exactly the member of its <see cref="Type"/> is set.</summary>
/// <param name="Name">The attribute name.</param>
/// <param name="Type">What kind of value it holds.</param>
/// <param name="Float">FLOAT value.</param>
/// <param name="Int">INT value.</param>
/// <param name="String">STRING value (decoded as UTF-8).</param>
/// <param name="Floats">FLOATS value.</param>
/// <param name="Ints">INTS value.</param>
/// <param name="Strings">STRINGS value.</param>
/// <param name="Tensor">TENSOR value (e.g. a Constant node's).</param>
/// <param name="Graph">GRAPH value (If/Loop bodies).</param>
public sealed record OnnxAttribute(
    string Name, OnnxAttributeType Type, double? Float = null, long? Int = null, string? String = null,
    IReadOnlyList<double>? Floats = null, IReadOnlyList<long>? Ints = null, IReadOnlyList<string>? Strings = null,
    ModelTensor? Tensor = null, OnnxGraph? Graph = null);

/// <summary>A named value's declared type (ValueInfoProto): its element type and shape, where given.</summary>
/// <param name="Name">The value name.</param>
/// <param name="ElementType">The element type as a <see cref="DTypes"/> name (or the ONNX name for types InitLab does not read, e.g. "string"), or null when not given.</param>
/// <param name="Shape">The dimensions, or null when the shape is not given (unknown rank).</param>
public sealed record OnnxValueInfo(string Name, string? ElementType, IReadOnlyList<OnnxDim>? Shape);

/// <summary>One dimension of a declared shape: a number, a symbol such as "batch_size", or unknown (both null).</summary>
/// <param name="Value">The size, when fixed.</param>
/// <param name="Symbol">The symbolic name, when named.</param>
public sealed record OnnxDim(long? Value, string? Symbol)
{
    /// <summary>The number, the symbol, or "?".</summary>
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Symbol ?? "?";
}

/// <summary>An operator set import (OperatorSetIdProto).</summary>
/// <param name="Domain">"" (or "ai.onnx") for the default domain.</param>
/// <param name="Version">The opset version.</param>
public sealed record OnnxOpset(string Domain, long Version);

/// <summary>
/// The original ModelProto bytes, which the writer re-emits with new initializers; the model's tensors are the
/// graph's <paramref name="InitializerCount"/> initializers, then the <paramref name="Embedded"/> ones (Constant values,
/// subgraph initializers), which are written back unchanged.
/// </summary>
internal sealed record OnnxSource(byte[] Bytes, int InitializerCount, IReadOnlyList<ModelTensor> Embedded);
