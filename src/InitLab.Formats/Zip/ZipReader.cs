using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace InitLab.Formats.Zip;

/// <summary>
/// A minimal, defensive zip reader (PKWARE APPNOTE 6.3): the end-of-central-directory record (and its zip64 form), the
/// central directory, and the entries' data, stored or deflated. Every offset and size is checked against the file
/// before it is used; CRC-32 is verified on every read. Encrypted entries, multi-disk archives and other compression
/// methods are rejected.
/// </summary>
internal sealed class ZipReader
{
    /// <summary>One entry; <see cref="DataOffset"/> is where its (compressed) bytes start in the file.</summary>
    public sealed record Entry(string Name, ushort Method, uint Crc, long CompressedSize, long UncompressedSize, long DataOffset);

    /// <summary>At most this many entries (a torch checkpoint has one per storage; an npz one per array).</summary>
    public const int MaxEntries = 1_000_000;

    private readonly ByteSource _source;

    private ZipReader(ByteSource source, IReadOnlyList<Entry> entries)
    {
        _source = source;
        Entries = entries;
    }

    public string Name => _source.Name;

    public IReadOnlyList<Entry> Entries { get; }

    public Entry? Find(string name) => Entries.FirstOrDefault(e => e.Name == name);

    public static ZipReader Open(ByteSource source) => new(source, ReadDirectory(source));

    /// <summary>The entry's bytes, decompressed and CRC-checked; larger than <paramref name="limit"/> is an error.</summary>
    public byte[] Read(Entry entry, long limit)
    {
        if (entry.UncompressedSize > limit || entry.UncompressedSize > Array.MaxLength)
            throw Corrupt(_source.Name, $"entry '{entry.Name}' holds {entry.UncompressedSize} bytes, more than the {Math.Min(limit, Array.MaxLength)} allowed");
        byte[] result;
        if (entry.Method == 0)
        {
            result = _source.ReadArray(entry.DataOffset, entry.UncompressedSize);
        }
        else
        {
            // Deflate expands at most ~1032:1; a larger claim is a lie (and a decompression bomb guard).
            if (entry.UncompressedSize > 1100 * entry.CompressedSize + 1024)
                throw Corrupt(_source.Name, $"entry '{entry.Name}' claims {entry.UncompressedSize} bytes from {entry.CompressedSize} deflated ones");
            result = new byte[entry.UncompressedSize];
            var compressed = _source.ReadArray(entry.DataOffset, entry.CompressedSize);
            using var inflater = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
            try
            {
                int got = inflater.ReadAtLeast(result, result.Length, throwOnEndOfStream: false);
                if (got != result.Length || inflater.ReadByte() != -1)
                    throw Corrupt(_source.Name, $"entry '{entry.Name}' inflates to a size other than the {entry.UncompressedSize} bytes its header states");
            }
            catch (InvalidDataException e) when (!e.Message.StartsWith('\''))
            {
                throw Corrupt(_source.Name, $"entry '{entry.Name}' is not valid deflate data");
            }
        }
        if (Crc32.Of(result) != entry.Crc) throw Corrupt(_source.Name, $"entry '{entry.Name}' fails its CRC-32 check");
        return result;
    }

    /// <summary>The first min(<paramref name="count"/>, size) bytes of the entry, inflated if need be (no CRC check: the entry is not read whole).</summary>
    public byte[] ReadPrefix(Entry entry, int count)
    {
        int n = (int)Math.Min(count, entry.UncompressedSize);
        if (entry.Method == 0) return _source.ReadArray(entry.DataOffset, n);
        var compressed = _source.ReadArray(entry.DataOffset, Math.Min(entry.CompressedSize, (long)n * 1100 + 1024));
        var result = new byte[n];
        try
        {
            using var inflater = new DeflateStream(new MemoryStream(compressed), CompressionMode.Decompress);
            if (inflater.ReadAtLeast(result, n, throwOnEndOfStream: false) != n)
                throw Corrupt(_source.Name, $"entry '{entry.Name}' inflates to fewer bytes than its header states");
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith('\''))
        {
            throw Corrupt(_source.Name, $"entry '{entry.Name}' is not valid deflate data");
        }
        return result;
    }

    /// <summary>
    /// Reads <paramref name="count"/> bytes at <paramref name="offset"/> inside a stored entry without checking the
    /// entry's CRC (used for lazy reads of one tensor's slice of a storage).
    /// </summary>
    public byte[] ReadStoredRange(Entry entry, long offset, long count)
    {
        if (entry.Method != 0) throw new InvalidOperationException("range reads need a stored entry.");
        if (offset < 0 || count < 0 || offset > entry.UncompressedSize - count)
            throw Corrupt(_source.Name, $"a read of {count} bytes at {offset} falls outside entry '{entry.Name}' of {entry.UncompressedSize} bytes");
        return _source.ReadArray(entry.DataOffset + offset, count);
    }

    private static List<Entry> ReadDirectory(ByteSource source)
    {
        string path = source.Name;
        long length = source.Length;
        if (length < 22) throw Corrupt(path, $"it has {length} bytes, fewer than a zip end record");
        // The end record (22 bytes + a comment of up to 65535) sits at the end; search backwards for its signature.
        int tailLength = (int)Math.Min(length, 22 + 65535 + 20);
        var tail = source.ReadArray(length - tailLength, tailLength);
        int eocd = -1;
        for (int i = tailLength - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == 0x06054b50 &&
                i + 22 + BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20)) == tailLength)
            {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) throw Corrupt(path, "it has no zip end-of-central-directory record");
        var e = tail.AsSpan(eocd);
        if (BinaryPrimitives.ReadUInt16LittleEndian(e[4..]) != 0 || BinaryPrimitives.ReadUInt16LittleEndian(e[6..]) != 0)
            throw Corrupt(path, "it is a multi-disk zip archive");
        long count = BinaryPrimitives.ReadUInt16LittleEndian(e[10..]);
        long cdSize = BinaryPrimitives.ReadUInt32LittleEndian(e[12..]);
        long cdOffset = BinaryPrimitives.ReadUInt32LittleEndian(e[16..]);
        if (count == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF)
        {
            // Zip64: a 20-byte locator precedes the end record and points at the zip64 end record.
            if (eocd < 20 || BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(eocd - 20)) != 0x07064b50)
                throw Corrupt(path, "its end record asks for zip64 but the zip64 locator is missing");
            long z64 = BinaryPrimitives.ReadInt64LittleEndian(tail.AsSpan(eocd - 16));
            if (z64 < 0 || z64 > length - 56) throw Corrupt(path, $"the zip64 end record offset {z64} lies outside the file");
            var rec = source.ReadArray(z64, 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(rec) != 0x06064b50) throw Corrupt(path, "the zip64 end record has a wrong signature");
            count = BinaryPrimitives.ReadInt64LittleEndian(rec.AsSpan(32));
            cdSize = BinaryPrimitives.ReadInt64LittleEndian(rec.AsSpan(40));
            cdOffset = BinaryPrimitives.ReadInt64LittleEndian(rec.AsSpan(48));
        }
        if (count < 0 || count > MaxEntries) throw Corrupt(path, $"it claims {count} entries, more than the {MaxEntries} allowed");
        if (cdSize < 0 || cdOffset < 0 || cdOffset > length || cdSize > length - cdOffset || cdSize > Array.MaxLength)
            throw Corrupt(path, $"its central directory ({cdSize} bytes at {cdOffset}) lies outside the file");
        if (count * 46 > cdSize) throw Corrupt(path, $"its central directory of {cdSize} bytes cannot hold {count} entries");
        var cd = source.ReadArray(cdOffset, cdSize);
        var entries = new List<Entry>((int)count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        int p = 0;
        var local = new byte[30];
        for (long k = 0; k < count; k++)
        {
            if (p > cd.Length - 46 || BinaryPrimitives.ReadUInt32LittleEndian(cd.AsSpan(p)) != 0x02014b50)
                throw Corrupt(path, $"central directory entry {k} is malformed");
            var h = cd.AsSpan(p);
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
            ushort method = BinaryPrimitives.ReadUInt16LittleEndian(h[10..]);
            uint crc = BinaryPrimitives.ReadUInt32LittleEndian(h[16..]);
            long csize = BinaryPrimitives.ReadUInt32LittleEndian(h[20..]);
            long usize = BinaryPrimitives.ReadUInt32LittleEndian(h[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(h[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(h[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(h[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(h[42..]);
            if ((long)p + 46 + nameLength + extraLength + commentLength > cd.Length)
                throw Corrupt(path, $"central directory entry {k} runs past the directory");
            string name;
            try
            {
                name = new UTF8Encoding(false, true).GetString(cd, p + 46, nameLength);
            }
            catch (DecoderFallbackException)
            {
                throw Corrupt(path, $"central directory entry {k} has a name that is not UTF-8");
            }
            // Zip64 extended information: the fields whose 32-bit value is all ones, in this order.
            var extra = cd.AsSpan(p + 46 + nameLength, extraLength);
            while (extra.Length >= 4)
            {
                ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
                int size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
                if (size > extra.Length - 4) throw Corrupt(path, $"entry '{name}' has a malformed extra field");
                if (id == 0x0001)
                {
                    var z = extra.Slice(4, size);
                    int q = 0;
                    if (usize == 0xFFFFFFFF) usize = Zip64Field(z, ref q, path, name);
                    if (csize == 0xFFFFFFFF) csize = Zip64Field(z, ref q, path, name);
                    if (localOffset == 0xFFFFFFFF) localOffset = Zip64Field(z, ref q, path, name);
                }
                extra = extra[(4 + size)..];
            }
            p += 46 + nameLength + extraLength + commentLength;
            if ((flags & 1) != 0) throw Corrupt(path, $"entry '{name}' is encrypted");
            if (method is not (0 or 8)) throw Corrupt(path, $"entry '{name}' uses compression method {method} (only stored and deflate are read)");
            if (method == 0 && csize != usize) throw Corrupt(path, $"stored entry '{name}' has different compressed and uncompressed sizes");
            if (!names.Add(name)) throw Corrupt(path, $"it holds two entries named '{name}'");
            if (localOffset < 0 || localOffset > length - 30) throw Corrupt(path, $"entry '{name}' has its local header outside the file");
            source.Read(localOffset, local);
            if (BinaryPrimitives.ReadUInt32LittleEndian(local) != 0x04034b50) throw Corrupt(path, $"entry '{name}' has a wrong local header signature");
            long dataOffset = localOffset + 30 + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(26)) + BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(28));
            if (csize < 0 || usize < 0 || dataOffset > length || csize > length - dataOffset)
                throw Corrupt(path, $"entry '{name}' ({csize} bytes at {dataOffset}) runs past the end of the file");
            entries.Add(new Entry(name, method, crc, csize, usize, dataOffset));
        }
        return entries;
    }

    private static long Zip64Field(ReadOnlySpan<byte> z, ref int q, string path, string name)
    {
        if (q + 8 > z.Length) throw Corrupt(path, $"entry '{name}' has a short zip64 extra field");
        long v = BinaryPrimitives.ReadInt64LittleEndian(z[q..]);
        q += 8;
        if (v < 0) throw Corrupt(path, $"entry '{name}' has a negative zip64 size or offset");
        return v;
    }

    internal static InvalidDataException Corrupt(string path, string why) => new($"'{path}' is not a readable zip archive: {why}.");
}
