using System.Text.Json;

namespace InitLab.Formats;

/// <summary>
/// A JSON object's members by name for the hostile result-document readers (sweeps, trainability grids): duplicate
/// names are refused, every member is required unless asked with <see cref="Has"/>, and the typed accessors name the
/// member in their errors. Errors are the reader's final <see cref="InvalidDataException"/> (<see cref="ResultDocuments.Context.Fail"/>),
/// thrown once: a rejected document costs one exception.
/// </summary>
internal sealed class JsonFields
{
    private readonly Dictionary<string, JsonElement> _members = new(StringComparer.Ordinal);
    private readonly string _where;

    /// <summary>The members of <paramref name="element"/>; <paramref name="where"/> names it in messages ("the document", "cells[3]").</summary>
    public JsonFields(JsonElement element, string where, ResultDocuments.Context context)
    {
        _where = where;
        Context = context;
        if (element.ValueKind != JsonValueKind.Object) throw context.Fail($"{where} must be a JSON object, got {Show(element)}");
        foreach (var p in element.EnumerateObject())
            if (!_members.TryAdd(p.Name, p.Value)) throw context.Fail($"{where} has the key \"{p.Name}\" twice");
    }

    /// <summary>The document being read (for errors).</summary>
    public ResultDocuments.Context Context { get; }

    public bool Has(string name) => _members.ContainsKey(name);

    private JsonElement Get(string name) =>
        _members.TryGetValue(name, out var e) ? e : throw Context.Fail($"{_where} lacks the key \"{name}\"");

    private string Name(string name) => _where == "the document" ? $"\"{name}\"" : $"{_where}.{name}";

    public string String(string name) => Get(name) is { ValueKind: JsonValueKind.String } e ? e.GetString()! : throw Context.Fail($"{Name(name)} must be a string, got {Show(Get(name))}");

    public string? NullableString(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : String(name);

    public bool Bool(string name) => Get(name).ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Context.Fail($"{Name(name)} must be true or false, got {Show(Get(name))}"),
    };

    public int Int(string name) => Int(Get(name), Name(name), Context);

    public int? NullableInt(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : Int(name);

    public ulong UInt64(string name) =>
        Get(name) is { ValueKind: JsonValueKind.Number } e && e.TryGetUInt64(out ulong v) ? v : throw Context.Fail($"{Name(name)} must be an integer >= 0, got {Show(Get(name))}");

    public double Number(string name) =>
        JsonConvention.TryReadNumber(Get(name), out double v) ? v : throw Context.Fail($"{Name(name)} must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got {Show(Get(name))}");

    public double? NullableNumber(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : Number(name);

    public IReadOnlyList<JsonElement> Array(string name) =>
        Get(name) is { ValueKind: JsonValueKind.Array } e ? [.. e.EnumerateArray()] : throw Context.Fail($"{Name(name)} must be an array, got {Show(Get(name))}");

    /// <summary>An exact 32-bit integer, or the reader's error naming <paramref name="name"/>.</summary>
    public static int Int(JsonElement e, string name, ResultDocuments.Context context) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : throw context.Fail($"{name} must be an integer, got {Show(e)}");

    /// <summary>A short rendering of a JSON value for messages.</summary>
    public static string Show(JsonElement e)
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
