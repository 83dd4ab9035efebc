namespace InitLab.Cli;

/// <summary>Checks an output file path up front, so a command fails before it does its work, not after.</summary>
internal static class OutputPath
{
    /// <exception cref="UsageException">The path is a directory, or its directory does not exist.</exception>
    public static void Check(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} needs a file name.");
        if (Directory.Exists(path)) throw new UsageException($"{option} '{path}' is a directory, not a file.");
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(dir)) throw new UsageException($"{option} '{path}': directory '{dir}' does not exist.");
    }
}
