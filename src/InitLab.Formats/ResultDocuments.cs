using System.Globalization;
using System.Text.Json;
using InitLab.Propagation;

namespace InitLab.Formats;

/// <summary>
/// What the readers of InitLab's result documents (sweeps, trainability grids) share: a regular file within a size limit,
/// well-formed JSON of bounded nesting, a parse that names what is wrong, the document's own consistency check, and
/// one <see cref="InvalidDataException"/> message shape: <c>'SOURCE' is not a valid InitLab KIND document: WHY.</c>
/// </summary>
internal static class ResultDocuments
{
    /// <summary>Reads a document file (a regular file of at most <paramref name="maxBytes"/> bytes).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ArgumentException">The path is a directory, device or fifo.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid document; the message says why.</exception>
    public static T ReadFile<T>(string path, string kind, long maxBytes, Func<JsonElement, T> parse, Action<T> validate)
    {
        FileKinds.CheckReadable(path);
        long length = new FileInfo(path).Length;
        if (length > maxBytes)
            throw new InvalidDataException($"'{path}' is {length} bytes, larger than any {kind} document ({maxBytes} bytes).");
        return Read(File.ReadAllBytes(path), path, kind, maxBytes, parse, validate);
    }

    /// <summary>Reads a document from UTF-8 JSON: parse (which throws <see cref="FormatException"/> naming the key), then validate.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid document; the message names <paramref name="source"/> and says why.</exception>
    public static T Read<T>(ReadOnlySpan<byte> utf8, string source, string kind, long maxBytes, Func<JsonElement, T> parse, Action<T> validate)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (utf8.Length > maxBytes) throw Invalid(source, kind, $"it is {utf8.Length} bytes, more than {maxBytes}");
        try
        {
            // Nesting deeper than a result document's (object > cells > cell) is refused early.
            using var json = JsonDocument.Parse(utf8.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var document = parse(json.RootElement);
            validate(document);
            return document;
        }
        catch (JsonException e)
        {
            throw Invalid(source, kind, $"it is not well-formed JSON ({OneLine(e.Message)})");
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            throw Invalid(source, kind, OneLine(e.Message).TrimEnd('.'));
        }
    }

    /// <summary>A grid key START:STOP:COUNT, which must be in the canonical form the writers use.</summary>
    public static ParameterGrid Grid(string text, string name)
    {
        var grid = ParameterGrid.Parse(text, $"\"{name}\"");
        if (grid.ToString() != text) throw new FormatException($"\"{name}\" '{text}' is not in canonical form (write '{grid}')");
        return grid;
    }

    /// <summary>Checks the "format" and "format_version" keys.</summary>
    public static void CheckFormat(JsonFields o, string formatName, int formatVersion)
    {
        string format = o.String("format");
        if (format != formatName) throw new FormatException($"\"format\" is '{format}', not '{formatName}'");
        int version = o.Int("format_version");
        if (version != formatVersion) throw new FormatException($"format_version {version} is not supported (this InitLab reads {formatVersion})");
    }

    private static string OneLine(string s) => string.Join(" ", s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    private static InvalidDataException Invalid(string source, string kind, string why) =>
        new(string.Create(CultureInfo.InvariantCulture, $"'{source}' is not a valid InitLab {kind} document: {why}."));
}
