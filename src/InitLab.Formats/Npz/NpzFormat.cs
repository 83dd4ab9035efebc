using System.IO.Compression;
using InitLab.Formats.Npy;
using InitLab.Formats.Zip;

namespace InitLab.Formats.Npz;

/// <summary>
/// NumPy's .npz archive (numpy.savez / savez_compressed): a zip whose entries "NAME.npy" are .npy documents; the
/// tensor is named NAME. Entries may be stored or deflated. Tensors keep the archive's entry order.
/// </summary>
/// <remarks>
/// Reading checks the zip directory and every entry's .npy header when the archive is opened and reads an entry's
/// data (with its CRC-32 check) only when the tensor's elements are asked for. Writing stores the entries
/// uncompressed, as numpy.savez does.
/// </remarks>
public static class NpzFormat
{
    // numpy.savez writes the time of writing; InitLab writes the zip epoch so that output depends only on the model.
    private static readonly DateTimeOffset FixedTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    internal static ModelFile Read(ByteSource source)
    {
        var zip = ZipReader.Open(source);
        var tensors = new List<ModelTensor>(zip.Entries.Count);
        foreach (var entry in zip.Entries)
        {
            if (!entry.Name.EndsWith(".npy", StringComparison.Ordinal))
                throw new InvalidDataException($"'{source.Name}' is not a readable .npz file: entry '{entry.Name}' is not an .npy array.");
            string entryName = $"{source.Name}:{entry.Name}";
            var header = NpyFormat.ParseHeader(zip.ReadPrefix(entry, NpyFormat.MaxPrefix), entry.UncompressedSize, entryName, floatsOnly: false);
            tensors.Add(new ModelTensor(entry.Name[..^4], header.Shape, header.DType, () =>
            {
                var whole = zip.Read(entry, entry.UncompressedSize);
                return NpyFormat.ToCOrder(header, whole.AsSpan((int)header.DataOffset).ToArray());
            }));
        }
        return new ModelFile(ModelFormats.Npz, source.Name, tensors);
    }

    /// <summary>Writes the model's tensors as an uncompressed .npz ("NAME.npy" per tensor, in model order), replacing <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">A tensor is bfloat16, which NumPy has no dtype for.</exception>
    public static void Write(string path, ModelFile model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var bf16 = model.Tensors.FirstOrDefault(t => t.DType == DTypes.BFloat16);
        if (bf16 is not null) throw new ArgumentException($"tensor '{bf16.Name}' is bfloat16, which NumPy has no dtype for; write .safetensors instead.", nameof(model));
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var t in model.Tensors)
            {
                var entry = zip.CreateEntry(t.Name + ".npy", CompressionLevel.NoCompression);
                entry.LastWriteTime = FixedTime; // same model, same bytes
                using var s = entry.Open();
                NpyFormat.WriteRaw(s, t.DType, t.Shape, t.ReadBytes());
            }
        });
    }
}
