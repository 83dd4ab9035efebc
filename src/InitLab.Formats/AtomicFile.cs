namespace InitLab.Formats;

/// <summary>
/// Writes a file atomically: into a temporary file in the target's directory, flushed to disk, then renamed over the
/// target, so a reader never sees a half-written file and a failed write leaves the old file (or none) in place.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = System.IO.Path.GetFullPath(path);
        string directory = System.IO.Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"directory '{directory}' does not exist (output '{path}').");
        if (Directory.Exists(full)) throw new IOException($"output '{path}' is a directory.");
        string temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
