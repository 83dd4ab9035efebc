using InitLab.Formats;

namespace InitLab.Cli;

/// <summary>
/// The CLI's checks of output and input paths, in the option's words. Every output goes through
/// <see cref="AtomicFile"/> (regular files only, temporary file beside the target, then a rename); the paths are
/// checked while the command line is parsed (<see cref="CliOptions.OutputFile"/>), so a bad path is reported before any
/// work starts.
/// </summary>
internal static class OutputFiles
{
    /// <summary>Why <paramref name="path"/> cannot be an output of option <paramref name="name"/>, or null when it can.</summary>
    public static string? Problem(string path, string name, IReadOnlyList<string>? extensions = null)
    {
        try
        {
            AtomicFile.CheckTarget(path, name);
        }
        catch (ArgumentException e)
        {
            return CliApp.WithoutParameterSuffix(e.Message);
        }
        if (extensions is { Count: > 0 } && !extensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
            return $"{name} must name a {string.Join(" or ", extensions)} file, got '{path}'.";
        return null;
    }

    /// <summary>Checks <paramref name="path"/> as an output of option <paramref name="name"/>.</summary>
    /// <exception cref="UsageException">It cannot be written.</exception>
    public static void Check(string path, string name, IReadOnlyList<string>? extensions = null)
    {
        if (Problem(path, name, extensions) is { } problem) throw new UsageException(problem);
    }
}

/// <summary>Checks of input paths, in the option's words: an existing regular file (never a directory, device or fifo).</summary>
internal static class InputFiles
{
    /// <summary>Why <paramref name="path"/> cannot be read as option <paramref name="name"/>, or null when it can.</summary>
    public static string? Problem(string path, string name)
    {
        try
        {
            FileKinds.CheckReadable(path, name);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or FileNotFoundException)
        {
            return CliApp.WithoutParameterSuffix(e.Message);
        }
    }
}
