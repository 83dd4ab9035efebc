using System.Text.Encodings.Web;
using System.Text.Json;

namespace InitLab.Formats;

/// <summary>
/// InitLab's one JSON convention (docs/conventions.md): JSON has no NaN or infinity, so non-finite numbers are written
/// as the strings <c>"NaN"</c>, <c>"Infinity"</c> and <c>"-Infinity"</c> (as .NET's AllowNamedFloatingPointLiterals and
/// Python's json module spell them), a value that never happened (a layer that never overflowed) is <c>null</c>, and
/// integral values are written without a fraction. Every document InitLab writes uses <see cref="WriterOptions"/>.
/// </summary>
public static class JsonConvention
{
    /// <summary>Indented, and without escaping '+', '&lt;' or non-ASCII letters (the documents are data, not HTML).</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a number; NaN and infinities as the strings "NaN", "Infinity", "-Infinity".</summary>
    public static void WriteNumber(Utf8JsonWriter writer, double value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsNaN(value)) writer.WriteStringValue("NaN");
        else if (double.IsPositiveInfinity(value)) writer.WriteStringValue("Infinity");
        else if (double.IsNegativeInfinity(value)) writer.WriteStringValue("-Infinity");
        else if (value == Math.Floor(value) && Math.Abs(value) < 1e15 && !(value == 0 && double.IsNegative(value)))
            writer.WriteNumberValue((long)value); // -0 is written as a double below, so that its sign survives

        else writer.WriteNumberValue(value);
    }

    /// <summary>Writes a named number (see <see cref="WriteNumber(Utf8JsonWriter, double)"/>).</summary>
    public static void WriteNumber(Utf8JsonWriter writer, string name, double value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(name);
        WriteNumber(writer, value);
    }

    /// <summary>Writes a named number, or null when <paramref name="value"/> is null (a value that does not exist).</summary>
    public static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is { } v) WriteNumber(writer, name, v);
        else writer.WriteNull(name);
    }

    /// <summary>Reads a number written by this convention: a JSON number, or one of the strings "NaN", "Infinity", "-Infinity".</summary>
    /// <returns>False for anything else (another string, a JSON number beyond double's range, null, an object, ...).</returns>
    public static bool TryReadNumber(JsonElement element, out double value)
    {
        value = 0;
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                return element.TryGetDouble(out value) && double.IsFinite(value);
            case JsonValueKind.String:
                switch (element.GetString())
                {
                    case "NaN": value = double.NaN; return true;
                    case "Infinity": value = double.PositiveInfinity; return true;
                    case "-Infinity": value = double.NegativeInfinity; return true;
                    default: return false;
                }
            default:
                return false;
        }
    }

    /// <summary>Writes a whole document to a string with <see cref="WriterOptions"/>.</summary>
    public static string Write(Action<Utf8JsonWriter> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions)) body(writer);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
