using System.Globalization;
using System.Text.Json;
using InitLab.Propagation;

namespace InitLab.Formats;

/// <summary>
/// What the readers of InitLab's result documents (sweeps, trainability grids) share: a regular file within a size limit,
/// well-formed JSON of bounded nesting, a parse that names what is wrong, the document's own consistency check, and
/// one <see cref="InvalidDataException"/> message shape: <c>'SOURCE' is not a valid InitLab KIND document: WHY.</c>
/// A rejected document costs one exception (the parse throws the final one), which keeps the fuzz tests fast.
/// </summary>
internal static class ResultDocuments
{
    /// <summary>The document being read: its name in messages and its kind ("sweep", "trainability").</summary>
    public sealed record Context(string Source, string Kind)
    {
        /// <summary>The reader's error: <c>'SOURCE' is not a valid InitLab KIND document: WHY.</c></summary>
        public InvalidDataException Fail(string why) =>
            new(string.Create(CultureInfo.InvariantCulture, $"'{Source}' is not a valid InitLab {Kind} document: {Printable(why)}."));

        /// <summary>The message with every control character (a value quoted from the document may hold a newline) as a \uXXXX escape.</summary>
        private static string Printable(string why) =>
            why.Any(char.IsControl) ? string.Concat(why.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : why;
    }

    /// <summary>Reads a document file (a regular file of at most <paramref name="maxBytes"/> bytes).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ArgumentException">The path is a directory, device or fifo.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid document; the message says why.</exception>
    public static T ReadFile<T>(string path, string kind, long maxBytes, Func<JsonElement, Context, T> parse, Action<T> validate)
    {
        FileKinds.CheckReadable(path);
        long length = new FileInfo(path).Length;
        if (length > maxBytes)
            throw new InvalidDataException($"'{path}' is {length} bytes, larger than any {kind} document ({maxBytes} bytes).");
        return Read(File.ReadAllBytes(path), path, kind, maxBytes, parse, validate);
    }

    /// <summary>
    /// Reads a document from UTF-8 JSON: <paramref name="parse"/> (which throws <see cref="Context.Fail"/>'s exception
    /// naming the key), then <paramref name="validate"/>, whose <see cref="ArgumentException"/> becomes the reader's error.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid document; the message names <paramref name="source"/> and says why.</exception>
    public static T Read<T>(ReadOnlySpan<byte> utf8, string source, string kind, long maxBytes, Func<JsonElement, Context, T> parse, Action<T> validate)
    {
        ArgumentNullException.ThrowIfNull(source);
        var context = new Context(source, kind);
        if (utf8.Length > maxBytes) throw context.Fail($"it is {utf8.Length} bytes, more than {maxBytes}");
        try
        {
            // Nesting deeper than a result document's (object > cells > cell) is refused early.
            using var json = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var document = parse(json.RootElement, context);
            validate(document);
            return document;
        }
        catch (JsonException e)
        {
            // The position, not System.Text.Json's own wording.
            throw context.Fail(e.LineNumber is { } line && e.BytePositionInLine is { } column
                ? $"it is not well-formed JSON (at line {line + 1}, byte {column + 1})"
                : "it is not well-formed JSON");
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode a string with a lone surrogate escape (\ud800).
            throw context.Fail("a string holds an invalid \\u escape (a lone surrogate)");
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            // Without .NET's " (Parameter 'cells')", so that the sentence ends once.
            string message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
            throw context.Fail(OneLine(message).TrimEnd('.'));
        }
    }

    /// <summary>A grid key START:STOP:COUNT, which must be in the canonical form the writers use.</summary>
    public static ParameterGrid Grid(JsonFields o, string name)
    {
        string text = o.String(name);
        var grid = ParameterGrid.Parse(text, $"\"{name}\"");
        if (grid.ToString() != text) throw o.Context.Fail($"\"{name}\" '{text}' is not in canonical form (write '{grid}')");
        return grid;
    }

    /// <summary>Checks the "format" and "format_version" keys.</summary>
    public static void CheckFormat(JsonFields o, string formatName, int formatVersion)
    {
        string format = o.String("format");
        if (format != formatName) throw o.Context.Fail($"\"format\" is '{format}', not '{formatName}'");
        int version = o.Int("format_version");
        if (version != formatVersion) throw o.Context.Fail($"format_version {version} is not supported (this InitLab reads {formatVersion})");
    }

    private static string OneLine(string s) => string.Join(" ", s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();
}
