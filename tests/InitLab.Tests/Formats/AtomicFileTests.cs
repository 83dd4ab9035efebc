using InitLab.Formats;

namespace InitLab.Tests.Formats;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("initlab-atomic").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Write_creates_and_replaces_a_regular_file_and_leaves_no_temporary_file()
    {
        AtomicFile.WriteAllText(P("a.txt"), "first");
        AtomicFile.WriteAllText(P("a.txt"), "second");
        Assert.Equal("second", File.ReadAllText(P("a.txt")));
        Assert.Equal(["a.txt"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void A_writer_that_fails_leaves_the_old_file_and_no_temporary_file()
    {
        AtomicFile.WriteAllText(P("a.txt"), "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(P("a.txt"), s =>
        {
            s.WriteByte(1);
            throw new InvalidOperationException("disk on fire");
        }));
        Assert.Equal("old", File.ReadAllText(P("a.txt")));
        Assert.Single(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void A_directory_a_missing_directory_and_an_empty_name_are_refused_before_anything_is_written()
    {
        Directory.CreateDirectory(P("sub"));
        Assert.Contains("is a directory", Assert.Throws<ArgumentException>(() => AtomicFile.WriteAllText(P("sub"), "x")).Message);
        Assert.Contains("names a directory", Assert.Throws<ArgumentException>(() => AtomicFile.CheckTarget(P("sub") + "/", "--out")).Message);
        var e = Assert.Throws<ArgumentException>(() => AtomicFile.CheckTarget(P("no/such/a.npy"), "--out"));
        Assert.StartsWith("--out '", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => AtomicFile.CheckTarget("", "--out")).Message);
        Assert.Equal(["sub"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void A_character_device_is_refused_and_stays_a_device()
    {
        string device = SpecialFiles.CharacterDevice(P("full"));
        var e = Assert.Throws<ArgumentException>(() => AtomicFile.WriteAllText(device, "x"));
        Assert.Contains("character device", e.Message);
        Assert.Equal(FileKind.CharacterDevice, FileKinds.Of(device));
    }

    [Fact]
    public void A_fifo_is_refused_without_blocking_and_stays_a_fifo()
    {
        if (!SpecialFiles.Fifo(P("pipe"))) return; // no mkfifo on this system
        Assert.Contains("fifo", Assert.Throws<ArgumentException>(() => AtomicFile.WriteAllText(P("pipe"), "x")).Message);
        Assert.Equal(FileKind.Fifo, FileKinds.Of(P("pipe")));
        // Reading is refused too, without opening (which would block until a writer came).
        Assert.Contains("fifo", Assert.Throws<ArgumentException>(() => FileKinds.CheckReadable(P("pipe"), "--input")).Message);
    }

    [Fact]
    public void A_symbolic_link_is_followed_and_kept()
    {
        AtomicFile.WriteAllText(P("target.txt"), "old");
        File.CreateSymbolicLink(P("link.txt"), P("target.txt"));
        AtomicFile.WriteAllText(P("link.txt"), "new");
        Assert.Equal("new", File.ReadAllText(P("target.txt")));
        Assert.Equal(FileKind.SymbolicLink, FileKinds.Of(P("link.txt")));
        Assert.Equal(FileKind.Regular, FileKinds.OfTarget(P("link.txt")));
    }

    [Fact]
    public void WriteVia_keeps_the_extension_so_format_choosing_writers_work()
    {
        string? seen = null;
        AtomicFile.WriteVia(P("plot.svg"), temp =>
        {
            seen = temp;
            File.WriteAllText(temp, "<svg/>");
        });
        Assert.EndsWith(".svg", seen);
        Assert.Equal(_dir, Path.GetDirectoryName(seen));
        Assert.Equal("<svg/>", File.ReadAllText(P("plot.svg")));
        Assert.Throws<IOException>(() => AtomicFile.WriteVia(P("nothing.svg"), _ => { }));
        Assert.False(File.Exists(P("nothing.svg")));
    }

    [Fact]
    public void FileKinds_tells_regular_files_directories_and_missing_paths_apart()
    {
        File.WriteAllText(P("f"), "");
        Assert.Equal(FileKind.Regular, FileKinds.Of(P("f")));
        Assert.Equal(FileKind.Directory, FileKinds.Of(_dir));
        Assert.Equal(FileKind.Missing, FileKinds.Of(P("nope")));
        Assert.Equal(FileKind.Missing, FileKinds.Of(""));
        Assert.Throws<FileNotFoundException>(() => FileKinds.CheckReadable(P("nope"), "FILE"));
        Assert.Contains("directory", Assert.Throws<ArgumentException>(() => FileKinds.CheckReadable(_dir, "FILE")).Message);
    }
}
