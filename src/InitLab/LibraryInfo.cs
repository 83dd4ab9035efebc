using System.Reflection;

namespace InitLab;

/// <summary>Facts about this build of the library, recorded in every result document so that a result can be re-run.</summary>
public static class LibraryInfo
{
    /// <summary>
    /// The library's informational version: the package version and, when built from a git checkout, the commit
    /// (e.g. <c>1.0.0+a6e3ea7...</c>).
    /// </summary>
    public static string Version { get; } =
        typeof(LibraryInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(LibraryInfo).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
