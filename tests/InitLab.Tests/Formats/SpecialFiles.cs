using System.Diagnostics;

namespace InitLab.Tests.Formats;

/// <summary>Named pipes and device nodes for tests of the file checks (made with mkfifo and mknod where the system allows).</summary>
internal static class SpecialFiles
{
    /// <summary>Makes a fifo at <paramref name="path"/>; false where the system has no mkfifo.</summary>
    public static bool Fifo(string path) => Run("mkfifo", path);

    /// <summary>
    /// A character device of /dev/full's kind (1, 7) at <paramref name="path"/> when this process may make one (root),
    /// else /dev/full itself: a process that cannot make a device cannot replace /dev/full either, so a test that a
    /// device is never written is safe both ways.
    /// </summary>
    public static string CharacterDevice(string path) => Run("mknod", path, "c", "1", "7") ? path : "/dev/full";

    private static bool Run(string program, params string[] args)
    {
        if (OperatingSystem.IsWindows()) return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, UseShellExecute = false })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
