namespace InitLab.Formats;

/// <summary>
/// Random access to the bytes of one file (or of an in-memory copy, for tests and fuzzing), with every read checked
/// against the length, and access to the files beside it (shards, external data) confined to its directory.
/// </summary>
internal abstract class ByteSource
{
    /// <summary>The name used in messages (the path as the user gave it).</summary>
    public abstract string Name { get; }

    /// <summary>The length in bytes, fixed when the source was opened.</summary>
    public abstract long Length { get; }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="offset"/>.</summary>
    /// <exception cref="InvalidDataException">The range lies outside the source, or the file changed since it was opened.</exception>
    public abstract void Read(long offset, Span<byte> destination);

    /// <summary>The file <paramref name="relative"/> in this file's directory.</summary>
    /// <exception cref="InvalidDataException">The name is rooted or leaves the directory.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public abstract ByteSource Sibling(string relative);

    /// <summary>Reads <paramref name="count"/> bytes at <paramref name="offset"/> into a new array (count checked first).</summary>
    public byte[] ReadArray(long offset, long count)
    {
        CheckRange(offset, count);
        if (count > Array.MaxLength) throw new InvalidDataException($"'{Name}': a read of {count} bytes exceeds what one array can hold.");
        var result = new byte[count];
        Read(offset, result);
        return result;
    }

    /// <summary>Throws unless [offset, offset + count) lies inside the source.</summary>
    public void CheckRange(long offset, long count)
    {
        if (offset < 0 || count < 0 || offset > Length || count > Length - offset)
            throw new InvalidDataException($"'{Name}': {count} bytes at offset {offset} lie outside the file of {Length} bytes.");
    }

    /// <summary>Whole-file read (after checking it against <paramref name="limit"/>).</summary>
    public byte[] ReadAll(long limit, string what)
    {
        if (Length > limit) throw new InvalidDataException($"'{Name}' has {Length} bytes; {what} is limited to {limit}.");
        return ReadArray(0, Length);
    }

    /// <summary>Checks that a sibling name stays inside the directory: not rooted, no "..", no empty segment.</summary>
    protected static string CheckRelative(string owner, string relative)
    {
        if (string.IsNullOrEmpty(relative) || relative.Length > 4096 || relative.Contains('\0') || Path.IsPathRooted(relative) ||
            relative.StartsWith('/') || relative.StartsWith('\\'))
            throw new InvalidDataException($"'{owner}' names the file '{relative}', which is not a plain relative path.");
        foreach (var part in relative.Split('/', '\\'))
        {
            if (part is ".." or "" )
                throw new InvalidDataException($"'{owner}' names the file '{relative}', which leaves the model's directory.");
        }
        return relative;
    }
}

/// <summary>A file on disk, opened again for each read so that a model with many tensors holds no handle open.</summary>
internal sealed class FileSource : ByteSource
{
    private readonly string _path;

    public FileSource(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file '{path}' does not exist.", path);
        _path = path;
        Length = new FileInfo(path).Length;
    }

    public override string Name => _path;

    public override long Length { get; }

    public override void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (stream.Length != Length) throw new InvalidDataException($"'{_path}' changed since it was opened ({Length} bytes then, {stream.Length} now).");
        stream.Position = offset;
        try
        {
            stream.ReadExactly(destination);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{_path}' ended early.");
        }
    }

    public override ByteSource Sibling(string relative)
    {
        CheckRelative(_path, relative);
        string dir = Path.GetDirectoryName(Path.GetFullPath(_path)) ?? ".";
        string shown = Path.Combine(Path.GetDirectoryName(_path) ?? "", relative);
        string full = Path.Combine(dir, relative);
        if (!File.Exists(full)) throw new FileNotFoundException($"'{_path}' names the file '{relative}', which does not exist ('{shown}').", shown);
        return new FileSource(shown);
    }
}

/// <summary>Bytes in memory with optional named siblings: the reader's view in tests and fuzzing.</summary>
internal sealed class MemorySource(string name, byte[] bytes, IReadOnlyDictionary<string, byte[]>? siblings = null) : ByteSource
{
    public override string Name => name;

    public override long Length => bytes.LongLength;

    public override void Read(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
    }

    public override ByteSource Sibling(string relative)
    {
        CheckRelative(name, relative);
        if (siblings is null || !siblings.TryGetValue(relative, out var b))
            throw new FileNotFoundException($"'{name}' names the file '{relative}', which does not exist.", relative);
        return new MemorySource(relative, b, siblings);
    }
}
