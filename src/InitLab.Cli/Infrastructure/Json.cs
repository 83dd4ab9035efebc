using System.Collections;
using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Text.Json;
using InitLab.Formats;

namespace InitLab.Cli;

/// <summary>
/// The CLI's one JSON writer. Every command's <c>--json</c> document is made by <see cref="Document"/>: the command's
/// keys, then a <c>config</c> object with the command, the InitLab version and the effective value of every argument
/// and option (defaults included), so a result can be re-run (<see cref="Config"/>). Numbers follow <see cref="JsonConvention"/>: NaN and
/// infinities as the strings "NaN", "Infinity", "-Infinity"; null for a value that does not exist.
/// </summary>
/// <remarks>
/// For new commands: <c>ctx.Out.WriteLine(Json.Document(parsed, w =&gt; { w.WriteString("activation", ...); ... }));</c>
/// and nothing else; the config comes from the parsed options (see <see cref="Config"/>). Use the key
/// <c>activation</c> for an activation, and <see cref="Number(Utf8JsonWriter, string, double)"/> for every real number.
/// </remarks>
internal static class Json
{
    /// <summary>One JSON document: <c>{ ...body..., "config": {...} }</c>.</summary>
    public static string Document(ParseResult parsed, Action<Utf8JsonWriter> body) => JsonConvention.Write(w =>
    {
        w.WriteStartObject();
        body(w);
        Config(w, parsed);
        w.WriteEndObject();
    });

    /// <summary>
    /// Writes <c>"config": {"command": "gain", "initlab_version": "..", "arguments": {"act": "tanh"}, "options": {"param": null, ...}}</c>:
    /// the invoked command, and every argument (in order) and option of it with its effective value (the user's or the
    /// default; null when it is absent and has no default). Keys are the names without the leading dashes, lower case,
    /// with '-' read as '_' (<c>--sigma-w</c> is <c>sigma_w</c>); "arguments" is left out for commands without any, and
    /// help options are left out. <c>initlab COMMAND ARGUMENTS... --KEY VALUE...</c> re-runs the result (lists joined with ',').
    /// </summary>
    public static void Config(Utf8JsonWriter w, ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        w.WriteStartObject("config");
        w.WriteString("command", CommandPath(parsed));
        w.WriteString("initlab_version", LibraryInfo.Version);
        if (command.Arguments.Count > 0)
        {
            w.WriteStartObject("arguments");
            foreach (var argument in command.Arguments)
            {
                w.WritePropertyName(Key(argument.Name));
                Value(w, parsed.GetResult(argument) is { } r ? r.GetValueOrDefault<object?>() : null);
            }
            w.WriteEndObject();
        }
        w.WriteStartObject("options");
        foreach (var option in command.Options)
        {
            if (option is HelpOption || option is VersionOption) continue;
            w.WritePropertyName(Key(option.Name));
            Value(w, parsed.GetResult(option) is { } r ? r.GetValueOrDefault<object?>() : null);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>"theory critical" for the invoked subcommand, without the root command's name.</summary>
    public static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var r = parsed.CommandResult; r is not null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(r.Command.Name);
        names.Reverse();
        return string.Join(" ", names);
    }

    private static string Key(string name) => name.TrimStart('-').Replace('-', '_').ToLowerInvariant();

    private static void Value(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case double d: JsonConvention.WriteNumber(w, d); break;
            case float f: JsonConvention.WriteNumber(w, f); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case ulong u: w.WriteNumberValue(u); break;
            case Tensors.Shape shape:
                w.WriteStartArray();
                foreach (int dim in shape.Dims) w.WriteNumberValue(dim);
                w.WriteEndArray();
                break;
            case IEnumerable items:
                w.WriteStartArray();
                foreach (var item in items) Value(w, item);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    /// <summary>A named number: NaN and infinities as "NaN", "Infinity", "-Infinity".</summary>
    public static void Number(Utf8JsonWriter w, string name, double value) => JsonConvention.WriteNumber(w, name, value);

    /// <summary>A number: NaN and infinities as "NaN", "Infinity", "-Infinity".</summary>
    public static void Number(Utf8JsonWriter w, double value) => JsonConvention.WriteNumber(w, value);

    /// <summary>A named number, or null when absent.</summary>
    public static void Number(Utf8JsonWriter w, string name, double? value) => JsonConvention.WriteNumberOrNull(w, name, value);

    /// <summary>A number, or null when absent (NaN): for optional values such as a min or max the mean-field limit does not define.</summary>
    public static void NumberOrNull(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsNaN(value)) w.WriteNull(name);
        else Number(w, name, value);
    }

    /// <summary>An object of named numbers.</summary>
    public static void Object(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, double> values)
    {
        w.WriteStartObject(name);
        foreach (var (key, value) in values) Number(w, key, value);
        w.WriteEndObject();
    }

    /// <summary>An array of integers (a shape).</summary>
    public static void Ints(Utf8JsonWriter w, string name, ReadOnlySpan<int> values)
    {
        w.WriteStartArray(name);
        foreach (int v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    /// <summary>Compact human formatting of a number for tables (G4, NaN/Inf spelled out).</summary>
    public static string Format(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value == Math.Floor(value) && Math.Abs(value) < 1e7 ? ((long)value).ToString(CultureInfo.InvariantCulture)
        : value.ToString("G4", CultureInfo.InvariantCulture);
}
