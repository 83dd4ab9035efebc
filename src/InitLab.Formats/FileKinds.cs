using System.Runtime.InteropServices;

namespace InitLab.Formats;

/// <summary>What a path names.</summary>
public enum FileKind
{
    /// <summary>Nothing exists at the path.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link (not followed).</summary>
    SymbolicLink,

    /// <summary>A character device such as /dev/null or /dev/full.</summary>
    CharacterDevice,

    /// <summary>A block device.</summary>
    BlockDevice,

    /// <summary>A named pipe (fifo): opening it blocks until the other end is opened.</summary>
    Fifo,

    /// <summary>A socket.</summary>
    Socket,
}

/// <summary>
/// The kind of a path, without opening it (opening a fifo blocks; writing a device has side effects). .NET has no public
/// API for the file type on Unix, so this asks the runtime's own native shim (<c>SystemNative_LStat</c> in
/// libSystem.Native, the function behind <see cref="File.Exists"/>; its <c>FileStatus</c> struct starts with
/// <c>int32 Flags; int32 Mode</c>, Mode being st_mode) and falls back to <see cref="FileSystemInfo"/> attributes where
/// that shim is absent (Windows, where devices and fifos are not reachable by ordinary paths).
/// </summary>
public static partial class FileKinds
{
    /// <summary>The kind of <paramref name="path"/>; a symbolic link is reported as such, not followed.</summary>
    public static FileKind Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0) return FileKind.Missing;
        if (!OperatingSystem.IsWindows() && TryUnixMode(path, out int mode, out bool exists))
        {
            if (!exists) return FileKind.Missing;
            return (mode & 0xF000) switch
            {
                0x8000 => FileKind.Regular,
                0x4000 => FileKind.Directory,
                0xA000 => FileKind.SymbolicLink,
                0x2000 => FileKind.CharacterDevice,
                0x6000 => FileKind.BlockDevice,
                0x1000 => FileKind.Fifo,
                0xC000 => FileKind.Socket,
                _ => FileKind.CharacterDevice, // unknown types are treated as special files: never written, never read
            };
        }
        var info = new FileInfo(path);
        if (info.Attributes == (FileAttributes)(-1)) return FileKind.Missing;
        if (info.LinkTarget is not null) return FileKind.SymbolicLink;
        if (info.Attributes.HasFlag(FileAttributes.Directory)) return FileKind.Directory;
        if (info.Attributes.HasFlag(FileAttributes.Device)) return FileKind.CharacterDevice;
        return FileKind.Regular;
    }

    /// <summary>The kind of <paramref name="path"/> after following symbolic links (a dangling link is <see cref="FileKind.Missing"/>).</summary>
    public static FileKind OfTarget(string path)
    {
        var kind = Of(path);
        if (kind != FileKind.SymbolicLink) return kind;
        try
        {
            var final = File.ResolveLinkTarget(path, returnFinalTarget: true);
            return final is null ? FileKind.Missing : Of(final.FullName);
        }
        catch (IOException)
        {
            return FileKind.Missing; // a link cycle: nothing readable there
        }
    }

    /// <summary>An article and noun for messages: "a directory", "a character device", ...</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a fifo (named pipe)",
        FileKind.Socket => "a socket",
        _ => "a special file",
    };

    /// <summary>
    /// Checks that <paramref name="path"/> names an existing regular file (links followed) that can be opened for
    /// reading without blocking: not a directory, device, fifo or socket.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="name">How messages name the path (e.g. an option such as <c>--input</c>).</param>
    /// <exception cref="ArgumentException">The path is empty, or names a directory or a special file.</exception>
    /// <exception cref="FileNotFoundException">Nothing exists at the path.</exception>
    public static void CheckReadable(string path, string name = "path")
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException($"{name} needs a file name, got an empty one.", name);
        var kind = OfTarget(path);
        if (kind == FileKind.Missing) throw new FileNotFoundException($"{name} '{path}' does not exist.", path);
        if (kind != FileKind.Regular)
            throw new ArgumentException($"{name} '{path}' is {Describe(kind)}, not a regular file.", name);
    }

    private static bool TryUnixMode(string path, out int mode, out bool exists)
    {
        mode = 0;
        exists = false;
        if (s_nativeUnavailable) return false;
        try
        {
            var status = default(FileStatusBuffer);
            if (LStat(path, ref status) != 0)
            {
                // ENOENT / ENOTDIR: nothing there. Any other error (EACCES on a parent, ...) also means we cannot use it.
                return true;
            }
            exists = true;
            mode = status.Mode;
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            s_nativeUnavailable = true;
            return false;
        }
    }

    private static volatile bool s_nativeUnavailable;

    // Room for the runtime's FileStatus (about 130 bytes today); only the first two fields are read.
    [StructLayout(LayoutKind.Sequential, Size = 512)]
    private struct FileStatusBuffer
    {
        public int Flags;
        public int Mode;
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, ref FileStatusBuffer output);
}
