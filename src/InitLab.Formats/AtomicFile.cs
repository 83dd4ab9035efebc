namespace InitLab.Formats;

/// <summary>
/// The one way InitLab writes a file: only to a regular file (or a new name in an existing directory), never over a
/// directory, device, fifo or socket; into a temporary file beside the target, flushed to disk, then renamed over it,
/// so a reader never sees a half-written file and a failed write leaves the old file (or none) in place. A symbolic
/// link is followed: its final target is replaced, the link stays.
/// </summary>
/// <remarks>
/// Call <see cref="CheckTarget"/> before any long work, so that a bad path is an error at once and never after the work;
/// <see cref="Write"/> and <see cref="WriteVia"/> check again (the file system may have changed meanwhile).
/// </remarks>
public static class AtomicFile
{
    /// <summary>
    /// Checks that <paramref name="path"/> can be written: not empty, not a directory, device, fifo or socket, in an
    /// existing directory in which a file can be created (a temporary probe file is created and deleted).
    /// </summary>
    /// <param name="path">The target file.</param>
    /// <param name="name">How messages name the path (e.g. a command-line option such as <c>--out</c>).</param>
    /// <returns>The path that will be replaced: <paramref name="path"/>, or the final target of a symbolic link.</returns>
    /// <exception cref="ArgumentException">The path cannot be written; the message names <paramref name="name"/> and says why.</exception>
    public static string CheckTarget(string path, string name = "path")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException($"{name} needs a file name, got an empty one.", name);
        if (path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar))
            throw new ArgumentException($"{name} '{path}' names a directory, not a file.", name);
        string target = Path.GetFullPath(path);
        if (FileKinds.Of(target) == FileKind.SymbolicLink)
        {
            var final = File.ResolveLinkTarget(target, returnFinalTarget: true);
            if (final is null) throw new ArgumentException($"{name} '{path}' is a symbolic link that cannot be resolved.", name);
            target = final.FullName;
        }
        var kind = FileKinds.Of(target);
        if (kind is not (FileKind.Regular or FileKind.Missing))
            throw new ArgumentException($"{name} '{path}' is {FileKinds.Describe(kind)}, not a regular file; give a file name.", name);
        string directory = Path.GetDirectoryName(target) ?? ".";
        var dirKind = FileKinds.Of(directory);
        if (dirKind == FileKind.Missing) throw new ArgumentException($"{name} '{path}': directory '{directory}' does not exist.", name);
        if (dirKind != FileKind.Directory && !Directory.Exists(directory))
            throw new ArgumentException($"{name} '{path}': '{directory}' is {FileKinds.Describe(dirKind)}, not a directory.", name);
        string probe = TempName(target, ".probe");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{name} '{path}': cannot create a file in '{directory}' ({ex.Message.TrimEnd('.')}).", name);
        }
        finally
        {
            if (File.Exists(probe)) File.Delete(probe);
        }
        return target;
    }

    /// <summary>Writes <paramref name="path"/> atomically; <paramref name="write"/> fills the temporary file's stream.</summary>
    /// <exception cref="ArgumentException">The path cannot be written (see <see cref="CheckTarget"/>).</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        WriteVia(path, temp =>
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: true);
        });
    }

    /// <summary>Writes <paramref name="path"/> atomically from text (UTF-8, no byte-order mark).</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(new System.Text.UTF8Encoding(false).GetBytes(text)));

    /// <summary>
    /// Writes <paramref name="path"/> atomically through a writer that takes a file name (e.g. a plotting library's
    /// <c>Save(path)</c>): <paramref name="writeTemp"/> creates the temporary file, which then replaces the target. The
    /// temporary name ends with the target's extension, so a writer that chooses the format by extension still works.
    /// </summary>
    /// <exception cref="ArgumentException">The path cannot be written (see <see cref="CheckTarget"/>).</exception>
    public static void WriteVia(string path, Action<string> writeTemp, string name = "path")
    {
        ArgumentNullException.ThrowIfNull(writeTemp);
        string target = CheckTarget(path, name);
        string temp = TempName(target, ".tmp");
        try
        {
            writeTemp(temp);
            if (FileKinds.Of(temp) != FileKind.Regular) throw new IOException($"writing '{path}' did not produce a file.");
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    // ".name.<random>.tmp.ext" beside the target: hidden, unique, and on the same file system so the rename is atomic.
    private static string TempName(string target, string suffix) =>
        Path.Combine(Path.GetDirectoryName(target) ?? ".", $".{Path.GetFileNameWithoutExtension(target)}.{Guid.NewGuid():N}{suffix}{Path.GetExtension(target)}");
}
