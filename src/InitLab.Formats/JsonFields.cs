using System.Text.Json;

namespace InitLab.Formats;

/// <summary>
/// A JSON object's members by name for the hostile document readers (sweeps, trainability grids): duplicate names are
/// refused, every member is required unless asked with <see cref="Has"/>, and the typed accessors name the member in
/// their errors (<see cref="FormatException"/>).
/// </summary>
internal sealed class JsonFields
{
    private readonly Dictionary<string, JsonElement> _members = new(StringComparer.Ordinal);
    private readonly string _where;

    /// <summary>The members of <paramref name="element"/>; <paramref name="where"/> names it in messages ("the document", "cells[3]").</summary>
    public JsonFields(JsonElement element, string where)
    {
        _where = where;
        if (element.ValueKind != JsonValueKind.Object) throw new FormatException($"{where} must be a JSON object, got {Show(element)}");
        foreach (var p in element.EnumerateObject())
            if (!_members.TryAdd(p.Name, p.Value)) throw new FormatException($"{where} has the key \"{p.Name}\" twice");
    }

    public bool Has(string name) => _members.ContainsKey(name);

    private JsonElement Get(string name) =>
        _members.TryGetValue(name, out var e) ? e : throw new FormatException($"{_where} lacks the key \"{name}\"");

    private string Name(string name) => _where == "the document" ? $"\"{name}\"" : $"{_where}.{name}";

    public string String(string name) => Get(name) is { ValueKind: JsonValueKind.String } e ? e.GetString()! : throw new FormatException($"{Name(name)} must be a string, got {Show(Get(name))}");

    public string? NullableString(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : String(name);

    public bool Bool(string name) => Get(name).ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new FormatException($"{Name(name)} must be true or false, got {Show(Get(name))}"),
    };

    public int Int(string name) => Int(Get(name), Name(name));

    public int? NullableInt(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : Int(name);

    public ulong UInt64(string name) =>
        Get(name) is { ValueKind: JsonValueKind.Number } e && e.TryGetUInt64(out ulong v) ? v : throw new FormatException($"{Name(name)} must be an integer >= 0, got {Show(Get(name))}");

    public double Number(string name) =>
        JsonConvention.TryReadNumber(Get(name), out double v) ? v : throw new FormatException($"{Name(name)} must be a number (or \"NaN\", \"Infinity\", \"-Infinity\"), got {Show(Get(name))}");

    public double? NullableNumber(string name) => Get(name).ValueKind == JsonValueKind.Null ? null : Number(name);

    public IReadOnlyList<JsonElement> Array(string name) =>
        Get(name) is { ValueKind: JsonValueKind.Array } e ? [.. e.EnumerateArray()] : throw new FormatException($"{Name(name)} must be an array, got {Show(Get(name))}");

    /// <summary>An exact 32-bit integer, or a <see cref="FormatException"/> naming <paramref name="name"/>.</summary>
    public static int Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v : throw new FormatException($"{name} must be an integer, got {Show(e)}");

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
