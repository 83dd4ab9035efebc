using System.Globalization;
using System.Text.Json;
using InitLab.Activations;
using InitLab.Propagation;

namespace InitLab.Formats.Sweeps;

/// <summary>
/// The JSON form of a <see cref="SweepDocument"/> (what <c>initlab sweep --json</c> prints and <c>initlab merge</c>
/// reads), with the number convention of <see cref="JsonConvention"/>:
/// <code>
/// {"format": "initlab-sweep", "format_version": 2, "act": "leaky_relu(a = 0.2)", "activation": "leaky_relu", "param": 0.2,
///  "widths": [64, 64, 64], "depth": 2, "batch": 64, "residual": null, "input_variance": 1, "shared_weights": false,
///  "input_sha256": null, "engine": "ensemble", "seed": 0, "sigma_w_grid": "0.5:3:11", "sigma_b_grid": "0:0:1",
///  "total_cells": 11, "shard": "1/2", "initlab_version": "1.0.0+...",
///  "cells": [{"index": 0, "sigma_w": 0.5, "sigma_b": 0, "final_std": 1e-9, "first_nonfinite_layer": null,
///             "verdict": "vanishing", "final_correlation": 0.99}, ...]}
/// </code>
/// The reader treats its input as hostile: a size limit before reading, every key required with its type, no duplicate
/// keys, integers exact, and the document's own consistency (<see cref="SweepDocument.Validate"/>) checked; every
/// problem is an <see cref="InvalidDataException"/> that says what is wrong. Other keys (such as the CLI's
/// <c>config</c>) are ignored.
/// </summary>
public static class SweepJson
{
    /// <summary>The value of the "format" key.</summary>
    public const string FormatName = "initlab-sweep";

    /// <summary>The value of the "format_version" key. Version 1 (before the key existed) lacked settings a merge must compare, and is not read.</summary>
    public const int FormatVersion = 2;

    /// <summary>Documents larger than this are refused before they are read (a 100000-cell sweep is about 20 MB).</summary>
    public const long MaxBytes = 512L << 20;

    /// <summary>The whole document as JSON text.</summary>
    public static string Write(SweepDocument document) => JsonConvention.Write(w =>
    {
        w.WriteStartObject();
        WriteProperties(w, document);
        w.WriteEndObject();
    });

    /// <summary>Writes the document's keys into the current JSON object (so that a caller can add keys, e.g. a config).</summary>
    public static void WriteProperties(Utf8JsonWriter w, SweepDocument document)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(document);
        var s = document.Settings;
        w.WriteString("format", FormatName);
        w.WriteNumber("format_version", FormatVersion);
        w.WriteString("act", ActivationRegistry.Parse(s.Activation, s.ActivationParameter).ToString());
        w.WriteString("activation", s.Activation);
        JsonConvention.WriteNumberOrNull(w, "param", s.ActivationParameter);
        w.WriteStartArray("widths");
        foreach (int x in s.Widths) w.WriteNumberValue(x);
        w.WriteEndArray();
        w.WriteNumber("depth", s.Depth);
        w.WriteNumber("batch", s.Batch);
        JsonConvention.WriteNumberOrNull(w, "residual", s.Residual);
        JsonConvention.WriteNumberOrNull(w, "input_variance", s.InputVariance);
        w.WriteBoolean("shared_weights", s.SharedWeights);
        if (s.InputSha256 is { } h) w.WriteString("input_sha256", h);
        else w.WriteNull("input_sha256");
        w.WriteString("engine", s.Engine);
        w.WriteNumber("seed", s.Seed);
        w.WriteString("sigma_w_grid", s.SigmaW.ToString());
        w.WriteString("sigma_b_grid", s.SigmaB.ToString());
        w.WriteNumber("total_cells", document.TotalCells);
        w.WriteString("shard", document.Shard.ToString());
        w.WriteString("initlab_version", s.InitLabVersion);
        w.WriteStartArray("cells");
        foreach (var c in document.Cells)
        {
            w.WriteStartObject();
            w.WriteNumber("index", c.Index);
            JsonConvention.WriteNumber(w, "sigma_w", c.SigmaW);
            JsonConvention.WriteNumber(w, "sigma_b", c.SigmaB);
            JsonConvention.WriteNumber(w, "final_std", c.FinalStd);
            if (c.FirstNonFiniteLayer is { } k) w.WriteNumber("first_nonfinite_layer", k);
            else w.WriteNull("first_nonfinite_layer");
            w.WriteString("verdict", c.Verdict);
            if (c.FinalCorrelation is { } r) JsonConvention.WriteNumber(w, "final_correlation", r);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>Reads a sweep document file (a regular file of at most <see cref="MaxBytes"/> bytes).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ArgumentException">The path is a directory, device or fifo.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid sweep document; the message says why.</exception>
    public static SweepDocument ReadFile(string path)
    {
        FileKinds.CheckReadable(path);
        long length = new FileInfo(path).Length;
        if (length > MaxBytes)
            throw new InvalidDataException($"'{path}' is {length} bytes, larger than any sweep document ({MaxBytes} bytes).");
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a sweep document from JSON text.</summary>
    /// <exception cref="InvalidDataException">The text is not a valid sweep document; the message names <paramref name="source"/> and says why.</exception>
    public static SweepDocument Read(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Read(System.Text.Encoding.UTF8.GetBytes(text), source);
    }

    /// <summary>Reads a sweep document from UTF-8 JSON bytes.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid sweep document; the message names <paramref name="source"/> and says why.</exception>
    public static SweepDocument Read(ReadOnlySpan<byte> utf8, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (utf8.Length > MaxBytes) throw Invalid(source, $"it is {utf8.Length} bytes, more than {MaxBytes}");
        try
        {
            // Nesting deeper than a sweep document's (object > cells > cell) is refused early.
            using var json = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var document = Parse(json.RootElement, source);
            document.Validate();
            return document;
        }
        catch (JsonException e)
        {
            // The position, not System.Text.Json's own wording.
            throw Invalid(source, e.LineNumber is { } line && e.BytePositionInLine is { } column
                ? $"it is not well-formed JSON (at line {line + 1}, byte {column + 1})"
                : "it is not well-formed JSON");
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode a string with a lone surrogate escape (\ud800).
            throw Invalid(source, "a string holds an invalid \\u escape (a lone surrogate)");
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw Invalid(source, OneLine(e.Message).TrimEnd('.'));
        }
    }

    private static SweepDocument Parse(JsonElement root, string source)
    {
        var o = new Fields(root, "the document", source);
        string format = o.String("format");
        if (format != FormatName) throw Invalid(source, $"\"format\" is '{format}', not '{FormatName}'");
        int version = o.Int("format_version");
        if (version != FormatVersion) throw Invalid(source, $"format_version {version} is not supported (this InitLab reads {FormatVersion})");
        string activation = o.String("activation");
        double? param = o.NullableNumber("param");
        var act = ActivationRegistry.Parse(activation, param);
        if (act.Name != activation) throw Invalid(source, $"\"activation\" '{activation}' is not a canonical name (write '{act.Name}')");
        if (o.String("act") != act.ToString()) throw Invalid(source, $"\"act\" is '{o.String("act")}' but activation and param describe '{act}'");
        var widths = o.Array("widths").Select((e, i) => Int(e, $"widths[{i}]", source)).ToArray();
        int depth = o.Int("depth");
        if (depth != widths.Length - 1) throw Invalid(source, $"\"depth\" is {depth} but \"widths\" lists {widths.Length - 1} layers");
        var sigmaW = Grid(o.String("sigma_w_grid"), "sigma_w_grid", source);
        var sigmaB = Grid(o.String("sigma_b_grid"), "sigma_b_grid", source);
        string? sha = o.NullableString("input_sha256");
        var settings = new SweepSettings(activation, param, sigmaW, sigmaB, widths, o.Int("batch"), o.NullableNumber("residual"),
            o.NullableNumber("input_variance"), o.Bool("shared_weights"), sha, o.String("engine"), o.UInt64("seed"), o.String("initlab_version"));
        settings.Validate();
        int total = o.Int("total_cells");
        if (total != settings.TotalCells) throw Invalid(source, $"\"total_cells\" is {total} but the grids have {settings.TotalCells} cells");
        var shard = Shard.Parse(o.String("shard"), "\"shard\"");
        var cellElements = o.Array("cells");
        if (cellElements.Count > total) throw Invalid(source, $"\"cells\" holds {cellElements.Count} cells, more than the grid's {total}");
        var cells = new List<SweepCell>(cellElements.Count);
        for (int i = 0; i < cellElements.Count; i++)
        {
            var c = new Fields(cellElements[i], $"cells[{i}]", source);
            int? first = c.NullableInt("first_nonfinite_layer");
            if (first is { } f && (f < 1 || f > depth)) throw Invalid(source, $"cells[{i}].first_nonfinite_layer is {f}, outside 1..{depth}");
            string verdict = c.String("verdict");
            if (verdict.Length == 0) throw Invalid(source, $"cells[{i}].verdict is empty");
            cells.Add(new SweepCell(c.Int("index"), c.Number("sigma_w"), c.Number("sigma_b"), c.Number("final_std"), first, verdict,
                c.Has("final_correlation") ? c.Number("final_correlation") : null));
        }
        return new SweepDocument(settings, shard, cells);
    }

    private static ParameterGrid Grid(string text, string name, string source)
    {
        var grid = ParameterGrid.Parse(text, $"\"{name}\"");
        if (grid.ToString() != text) throw Invalid(source, $"\"{name}\" '{text}' is not in canonical form (write '{grid}')");
        return grid;
    }

    private static int Int(JsonElement e, string name, string source) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : throw Invalid(source, $"{name} must be an integer, got {Show(e)}");

    /// <summary>An object's members by name, with duplicate names refused and typed accessors that name the member in errors.</summary>
    private sealed class Fields
    {
        private readonly Dictionary<string, JsonElement> _members = new(StringComparer.Ordinal);
        private readonly string _where;
        private readonly string _source;

        public Fields(JsonElement element, string where, string source)
        {
            _where = where;
            _source = source;
            if (element.ValueKind != JsonValueKind.Object) throw Invalid(_source, $"{where} must be a JSON object, got {Show(element)}");
            foreach (var p in element.EnumerateObject())
                if (!_members.TryAdd(p.Name, p.Value)) throw Invalid(_source, $"{where} has the key \"{p.Name}\" twice");
        }

        public bool Has(string name) => _members.ContainsKey(name);

        private JsonElement Get(string name) =>
            _members.TryGetValue(name, out var e) ? e : throw Invalid(_source, $"{_where} lacks the key \"{name}\"");

        private string Name(string name) => _where == "the document" ? $"\"{name}\"" : $"{_where}.{name}";

        public string String(string name) => Get(name) is { ValueKind: JsonValueKind.String } e ? e.GetString()! : throw Invalid(_source, $"{Name(name)} must be a string, got {Show(Get(name))}");

        public string? NullableString(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : String(name);

        public bool Bool(string name) => Get(name).ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(_source, $"{Name(name)} must be true or false, got {Show(Get(name))}"),
        };

        public int Int(string name) => SweepJson.Int(Get(name), Name(name), _source);

        public int? NullableInt(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : Int(name);

        public ulong UInt64(string name) =>
            Get(name) is { ValueKind: JsonValueKind.Number } e && e.TryGetUInt64(out ulong v) ? v : throw Invalid(_source, $"{Name(name)} must be an integer >= 0, got {Show(Get(name))}");

        public double Number(string name) =>
            JsonConvention.TryReadNumber(Get(name), out double v) ? v : throw Invalid(_source, $"{Name(name)} must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got {Show(Get(name))}");

        public double? NullableNumber(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : Number(name);

        public IReadOnlyList<JsonElement> Array(string name) =>
            Get(name) is { ValueKind: JsonValueKind.Array } e ? [.. e.EnumerateArray()] : throw Invalid(_source, $"{Name(name)} must be an array, got {Show(Get(name))}");
    }

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

    private static string OneLine(string s) => string.Join(" ", s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    private static InvalidDataException Invalid(string source, string why) =>
        new(string.Create(CultureInfo.InvariantCulture, $"'{source}' is not a valid InitLab sweep document: {why}."));
}
