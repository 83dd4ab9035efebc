using System.Text.Json;

namespace InitLab.Formats;

/// <summary>
/// JSON for file headers and manifests: parsed with a depth limit and no comments or trailing commas; objects with a
/// repeated key and values of the wrong kind are <see cref="InvalidDataException"/>s naming the file and the key.
/// </summary>
internal static class StrictJson
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8, string file, string what)
    {
        // JsonDocument defers UTF-8 validation of names to the first GetString; check it once here.
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span)) throw new InvalidDataException($"'{file}': {what} is not valid UTF-8.");
        try
        {
            var doc = JsonDocument.Parse(utf8, Options);
            CheckUniqueKeys(doc.RootElement, file, what);
            return doc;
        }
        catch (JsonException e)
        {
            // The position, not System.Text.Json's own wording (which quotes the offending text, newlines and all).
            throw new InvalidDataException(e.LineNumber is { } line && e.BytePositionInLine is { } column
                ? $"'{file}': {what} is not valid JSON (at line {line + 1}, byte {column + 1})."
                : $"'{file}': {what} is not valid JSON.");
        }
        catch (ArgumentException)
        {
            throw new InvalidDataException($"'{file}': {what} is not valid UTF-8 JSON.");
        }
    }

    private static void CheckUniqueKeys(JsonElement e, string file, string what)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                if (!seen.Add(p.Name)) throw new InvalidDataException($"'{file}': {what} has the key '{p.Name}' twice.");
                CheckUniqueKeys(p.Value, file, what);
            }
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in e.EnumerateArray()) CheckUniqueKeys(item, file, what);
        }
    }

    public static JsonElement Object(JsonElement e, string file, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Wrong(file, where, "an object", e);
        return e;
    }

    public static JsonElement Array(JsonElement e, string file, string where)
    {
        if (e.ValueKind != JsonValueKind.Array) throw Wrong(file, where, "an array", e);
        return e;
    }

    public static JsonElement Property(JsonElement obj, string name, string file, string where) =>
        obj.TryGetProperty(name, out var v) ? v : throw new InvalidDataException($"'{file}': {where} lacks the key '{name}'.");

    public static string String(JsonElement e, string file, string where) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Wrong(file, where, "a string", e);

    public static long NonNegativeInt(JsonElement e, string file, string where) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long v) && v >= 0 ? v : throw Wrong(file, where, "a non-negative integer", e);

    public static double Number(JsonElement e, string file, string where) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double v) && double.IsFinite(v) ? v : throw Wrong(file, where, "a finite number", e);

    public static long[] Dims(JsonElement e, string file, string where, int maxRank = 64)
    {
        Array(e, file, where);
        int n = e.GetArrayLength();
        if (n > maxRank) throw new InvalidDataException($"'{file}': {where} has {n} dimensions, more than {maxRank}.");
        var dims = new long[n];
        int i = 0;
        foreach (var d in e.EnumerateArray()) dims[i++] = NonNegativeInt(d, file, where);
        return dims;
    }

    private static InvalidDataException Wrong(string file, string where, string expected, JsonElement e)
    {
        string shown = e.ValueKind == JsonValueKind.String ? $"\"{Truncate(e.GetString()!)}\"" : Truncate(e.GetRawText());
        return new InvalidDataException($"'{file}': {where} should be {expected}, got {shown}.");
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "...";
}
