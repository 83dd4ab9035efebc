using System.Globalization;
using System.Text;
using System.Text.Json;

namespace InitLab.Cli;

/// <summary>
/// JSON output helpers. Non-finite numbers are written as the strings "NaN", "Infinity" and "-Infinity"
/// (the convention of .NET's AllowNamedFloatingPointLiterals and of Python's json module), so a NaN measured
/// by an experiment survives the round trip instead of breaking the document.
/// </summary>
internal static class Json
{
    public static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            body(writer);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Number(Utf8JsonWriter w, string name, double value)
    {
        w.WritePropertyName(name);
        Number(w, value);
    }

    public static void Number(Utf8JsonWriter w, double value)
    {
        if (double.IsNaN(value)) w.WriteStringValue("NaN");
        else if (double.IsPositiveInfinity(value)) w.WriteStringValue("Infinity");
        else if (double.IsNegativeInfinity(value)) w.WriteStringValue("-Infinity");
        else if (value == Math.Floor(value) && Math.Abs(value) < 1e15) w.WriteNumberValue((long)value);
        else w.WriteNumberValue(value);
    }

    /// <summary>A number, or null when absent (NaN): for optional integer-like values such as a layer that never happened.</summary>
    public static void NumberOrNull(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsNaN(value)) w.WriteNull(name);
        else Number(w, name, value);
    }

    public static void Object(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, double> values)
    {
        w.WriteStartObject(name);
        foreach (var (key, value) in values) Number(w, key, value);
        w.WriteEndObject();
    }

    /// <summary>Compact human formatting of a number for tables (G4, NaN/Inf spelled out).</summary>
    public static string Format(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value == Math.Floor(value) && Math.Abs(value) < 1e7 ? ((long)value).ToString(CultureInfo.InvariantCulture)
        : value.ToString("G4", CultureInfo.InvariantCulture);
}
