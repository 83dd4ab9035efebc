using System.Text;
using System.Text.Json;
using InitLab.Initializers;

namespace InitLab.Networks.Spec;

/// <summary>
/// The JSON spec of a network graph (docs/graphs.md, schema docs/graph-spec.schema.json):
/// <code>
/// { "name": "tiny", "output": "fc",
///   "nodes": [
///     { "name": "x", "op": "input", "shape": [3, 32, 32] },
///     { "name": "conv1", "op": "conv", "inputs": ["x"], "out_channels": 16, "kernel": [3], "padding": [1],
///       "init": { "weight": "kaiming_normal", "bias": "zeros" }, "block": "stem" },
///     ... ] }
/// </code>
/// Each node holds <c>name</c>, <c>op</c> (an <see cref="OpRegistry"/> name), <c>inputs</c>, the op's attributes, and optionally
/// <c>init</c> (per parameter: a scheme name, or an object <c>{"scheme": ..., option: value}</c> with the options of
/// <see cref="Schemes"/>), <c>streams</c> (per parameter: a Philox stream) and <c>block</c>. Nodes may come in any order.
/// </summary>
/// <remarks>
/// Input is treated as hostile: at most <see cref="MaxBytes"/> bytes, <see cref="MaxNodes"/> nodes and JSON nesting depth 16;
/// every error is one ArgumentException naming the node (by position and name) or the key.
/// </remarks>
public static class GraphSpec
{
    /// <summary>The largest spec accepted (16 MiB).</summary>
    public const int MaxBytes = 16 << 20;

    /// <summary>The most nodes a spec may hold.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>Reads a spec from JSON text.</summary>
    /// <exception cref="ArgumentException">Malformed JSON, a missing or unknown key, an unknown op or attribute, or any graph error.</exception>
    public static Graph Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxBytes || Encoding.UTF8.GetByteCount(json) > MaxBytes)
            throw new ArgumentException($"spec: larger than {MaxBytes} bytes.", nameof(json));
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            // The position, not System.Text.Json's own wording (which quotes the offending text, newlines and all).
            throw new ArgumentException($"spec: not valid JSON (at line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}).", nameof(json), ex);
        }
        using (doc) return Read(doc.RootElement);
    }

    /// <summary>Reads a spec file (at most <see cref="MaxBytes"/> bytes, checked before reading).</summary>
    /// <exception cref="ArgumentException">As <see cref="Parse"/>, or the file is too large.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Graph Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"spec file '{path}' does not exist.", path);
        if (info.Length > MaxBytes) throw new ArgumentException($"spec file '{path}' has {info.Length} bytes, more than the {MaxBytes} a spec may have.", nameof(path));
        return Parse(File.ReadAllText(path, Encoding.UTF8));
    }

    private static Graph Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Error("the document must be an object with a \"nodes\" array");
        string? name = null, output = null;
        JsonElement? nodes = null;
        foreach (var p in root.EnumerateObject())
            switch (p.Name)
            {
                case "name": name = String(p.Value, "spec: \"name\""); break;
                case "output": output = String(p.Value, "spec: \"output\""); break;
                case "nodes": nodes = p.Value; break;
                case "$schema": break;
                default: throw Error($"unknown key \"{p.Name}\"; valid keys: name, nodes, output, $schema");
            }
        if (nodes is not { ValueKind: JsonValueKind.Array } list) throw Error("\"nodes\" must be an array of node objects");
        if (list.GetArrayLength() > MaxNodes) throw Error($"{list.GetArrayLength()} nodes, more than {MaxNodes}");
        var b = new GraphBuilder(name);
        int index = 0;
        foreach (var node in list.EnumerateArray()) ReadNode(b, node, index++);
        return b.Build(output);
    }

    private static void ReadNode(GraphBuilder b, JsonElement node, int index)
    {
        string where = $"spec: node {index}";
        if (node.ValueKind != JsonValueKind.Object) throw Error($"node {index} must be an object");
        string nodeName = node.TryGetProperty("name", out var n) ? String(n, $"{where}: \"name\"") : throw new ArgumentException($"{where}: \"name\" is required.", "name");
        where = $"node '{nodeName}'";
        string kind = node.TryGetProperty("op", out var o) ? String(o, $"{where}: \"op\"") : throw new ArgumentException($"{where}: \"op\" is required.", "op");
        var attributes = new OpAttributes($"{where} ({kind})");
        string[] inputs = [];
        string? block = null;
        foreach (var p in node.EnumerateObject())
        {
            switch (p.Name)
            {
                case "name" or "op": continue;
                case "inputs":
                    if (p.Value.ValueKind != JsonValueKind.Array) throw new ArgumentException($"{where}: \"inputs\" must be a list of node names.", "inputs");
                    inputs = p.Value.EnumerateArray().Select(e => String(e, $"{where}: \"inputs\"")).ToArray();
                    continue;
                case "block": block = String(p.Value, $"{where}: \"block\""); continue;
                case "init" or "streams": continue;
            }
            attributes = Attribute(attributes, p, where, kind);
        }
        var op = OpRegistry.Create(kind, attributes);
        string? previous = b.CurrentBlock;
        b.CurrentBlock = block;
        try
        {
            b.Add(nodeName, op, inputs);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{where}: {GraphBuilder.Strip(ex)}", "name", ex);
        }
        b.CurrentBlock = previous;
        if (node.TryGetProperty("init", out var init))
        {
            if (init.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{where}: \"init\" must be an object of parameter: scheme.", "init");
            foreach (var p in init.EnumerateObject()) b.SetInit(nodeName, p.Name, Initializer(p.Value, $"{where}: init of '{p.Name}'"));
        }
        if (node.TryGetProperty("streams", out var streams))
        {
            if (streams.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{where}: \"streams\" must be an object of parameter: stream.", "streams");
            foreach (var p in streams.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetUInt64(out ulong s))
                    throw new ArgumentException($"{where}: stream of '{p.Name}' must be a non-negative integer, got {Show(p.Value)}.", "streams");
                b.SetStream(nodeName, p.Name, s);
            }
        }
    }

    private static OpAttributes Attribute(OpAttributes a, JsonProperty p, string where, string kind)
    {
        var v = p.Value;
        switch (v.ValueKind)
        {
            case JsonValueKind.Number: return a.Set(p.Name, v.GetDouble());
            case JsonValueKind.True or JsonValueKind.False: return a.Set(p.Name, v.GetBoolean());
            case JsonValueKind.String: return a.Set(p.Name, v.GetString()!);
            case JsonValueKind.Array when v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number):
                return a.Set(p.Name, v.EnumerateArray().Select(e => e.GetDouble()).ToArray());
            default:
                throw new ArgumentException($"{where} ({kind}): attribute '{p.Name}' must be a number, a boolean, a string or a list of numbers, got {Show(v)}.", p.Name);
        }
    }

    /// <summary>An initializer from a scheme name or <c>{"scheme": name, option: value, ...}</c>.</summary>
    private static Initializer Initializer(JsonElement e, string where)
    {
        if (e.ValueKind == JsonValueKind.String) return Create(e.GetString()!, new InitializerOptions(), where);
        if (e.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{where}: must be a scheme name or an object {{\"scheme\": name, ...}}.", "init");
        string? scheme = null;
        var o = new InitializerOptions();
        foreach (var p in e.EnumerateObject())
        {
            double Num() => p.Value.ValueKind == JsonValueKind.Number && double.IsFinite(p.Value.GetDouble()) ? p.Value.GetDouble()
                : throw new ArgumentException($"{where}: option '{p.Name}' must be a finite number, got {Show(p.Value)}.", p.Name);
            string Str() => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
                : throw new ArgumentException($"{where}: option '{p.Name}' must be a string, got {Show(p.Value)}.", p.Name);
            try
            {
                o = p.Name switch
                {
                    "scheme" => o,
                    "scale" => o with { Scale = Num() },
                    "gain" => o with { Gain = Num() },
                    "param" => o with { Param = Num() },
                    "mean" => o with { Mean = Num() },
                    "std" => o with { Std = Num() },
                    "low" => o with { Low = Num() },
                    "high" => o with { High = Num() },
                    "sparsity" => o with { Sparsity = Num() },
                    "value" => o with { Value = Num() },
                    "groups" => o with { Groups = Num() is var g && g == Math.Floor(g) && g >= 1 && g <= int.MaxValue ? (int)g : throw new ArgumentException($"{where}: option 'groups' must be a positive integer, got {Show(p.Value)}.", "groups") },
                    "mode" => o with { Mode = Names.ParseFanMode(Str()) },
                    "distribution" => o with { Distribution = Names.ParseDistribution(Str()) },
                    "nonlinearity" => o with { Nonlinearity = Str() },
                    _ => throw new ArgumentException($"{where}: unknown option '{p.Name}'; valid options: scheme, scale, gain, param, mean, std, low, high, sparsity, value, groups, mode, distribution, nonlinearity.", p.Name),
                };
            }
            catch (ArgumentException ex) when (!ex.Message.StartsWith(where, StringComparison.Ordinal))
            {
                throw new ArgumentException($"{where}: {GraphBuilder.Strip(ex)}", p.Name, ex);
            }
            if (p.Name == "scheme") scheme = Str();
        }
        return Create(scheme ?? throw new ArgumentException($"{where}: \"scheme\" is required.", "scheme"), o, where);
    }

    private static Initializer Create(string scheme, InitializerOptions options, string where)
    {
        try
        {
            return Schemes.Create(scheme, options);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"{where}: {GraphBuilder.Strip(ex)}", "init", ex);
        }
    }

    /// <summary>
    /// Writes <paramref name="graph"/> as a spec: every node with its op's attributes, the initializers that differ from the op's
    /// default (by scheme name) and the streams that differ from the default hash. Reading it back gives the same graph.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter's initializer is not a plain scheme (it has options a name cannot carry).</exception>
    public static string Write(Graph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            if (graph.Name is { } name) w.WriteString("name", name);
            w.WriteString("output", graph.Output.Name);
            w.WriteStartArray("nodes");
            foreach (var node in graph.Nodes) WriteNode(w, node);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteNode(Utf8JsonWriter w, Node node)
    {
        w.WriteStartObject();
        w.WriteString("name", node.Name);
        w.WriteString("op", node.Op.Kind);
        if (node.Inputs.Count > 0)
        {
            w.WriteStartArray("inputs");
            foreach (string i in node.Inputs) w.WriteStringValue(i);
            w.WriteEndArray();
        }
        var a = new OpAttributes(node.Name);
        node.Op.WriteAttributes(a);
        foreach (var (key, value) in a.Entries)
        {
            w.WritePropertyName(key);
            switch (value)
            {
                case double d: w.WriteNumberValue(d); break;
                case bool flag: w.WriteBooleanValue(flag); break;
                case string s: w.WriteStringValue(s); break;
                case double[] list:
                    w.WriteStartArray();
                    foreach (double d in list) w.WriteNumberValue(d);
                    w.WriteEndArray();
                    break;
            }
        }
        var defaults = node.Op.Parameters(node.InputShapes).ToDictionary(s => s.Name, s => s.DefaultInit);
        var inits = node.Parameters.Where(p => !SameLaw(p.Initializer, defaults[p.Name], p)).ToList();
        if (inits.Count > 0)
        {
            w.WriteStartObject("init");
            foreach (var p in inits)
            {
                if (!Schemes.Contains(p.Initializer.Name) || !SameLaw(p.Initializer, Schemes.Create(p.Initializer.Name), p))
                    throw new ArgumentException($"node '{node.Name}': the initializer of '{p.Name}' ({p.Initializer.Name}) has options a scheme name cannot carry; write this spec by hand.", nameof(node));
                w.WriteString(p.Name, p.Initializer.Name);
            }
            w.WriteEndObject();
        }
        var streams = node.Parameters.Where(p => p.Stream != Parameter.StreamOf(p.FullName)).ToList();
        if (streams.Count > 0)
        {
            w.WriteStartObject("streams");
            foreach (var p in streams) w.WriteNumber(p.Name, p.Stream);
            w.WriteEndObject();
        }
        if (node.Block is { } block) w.WriteString("block", block);
        w.WriteEndObject();
    }

    /// <summary>The same scheme drawing the same law on this parameter (structured schemes: same name and target std).</summary>
    private static bool SameLaw(Initializer a, Initializer b, Parameter p) =>
        a.Name == b.Name && Equals(a.DistributionOf(p.Shape), b.DistributionOf(p.Shape)) && a.TargetStd(p.Shape).Equals(b.TargetStd(p.Shape));

    private static string String(JsonElement e, string what) => e.ValueKind == JsonValueKind.String && e.GetString() is { Length: > 0 } s ? s
        : throw new ArgumentException($"{what} must be a non-empty string, got {Show(e)}.", "spec");

    private static ArgumentException Error(string message) => new($"spec: {message}.", "spec");

    /// <summary>A JSON value as a message shows it: one line, at most 40 characters (objects and arrays by their kind).</summary>
    private static string Show(JsonElement e)
    {
        string raw = e.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => e.GetRawText(),
        };
        return raw.Length > 40 ? raw[..40] + "..." : raw;
    }
}
