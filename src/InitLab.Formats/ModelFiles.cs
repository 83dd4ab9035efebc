using System.Text;
using InitLab.Formats.Npy;

namespace InitLab.Formats;

/// <summary>
/// Reads and writes model files of every supported format, detected from the content (magic bytes, zip entries, JSON
/// keys) and, where the content cannot tell, the extension. Every reader treats its file as hostile: lengths are checked
/// against the file before anything is read or allocated, and a malformed file is an <see cref="InvalidDataException"/>
/// whose message names the file and the problem.
/// </summary>
public static class ModelFiles
{
    /// <summary>
    /// The format of <paramref name="path"/> (one of <see cref="ModelFormats.All"/>): a directory holding model.json is
    /// TF.js, one holding a single *.safetensors.index.json or model.safetensors is safetensors; a file is recognized by
    /// its first bytes (.npy magic, zip entries data.pkl or *.npy, a safetensors header, a JSON index or manifest) or,
    /// for ONNX, which has no magic, by the .onnx extension or a protobuf ModelProto start.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file or directory.</exception>
    /// <exception cref="InvalidDataException">The content matches no supported format.</exception>
    public static string DetectFormat(string path) => Resolve(path).Format;

    /// <summary>Reads a model file of any supported format (see <see cref="DetectFormat"/>).</summary>
    /// <exception cref="FileNotFoundException">No such file or directory, or a shard or weight file it names is missing.</exception>
    /// <exception cref="InvalidDataException">The file is malformed, unsupported or exceeds a reader's limits (the message says which).</exception>
    public static ModelFile Read(string path)
    {
        var (format, file) = Resolve(path);
        return Read(new FileSource(file), format);
    }

    /// <summary>Reads <paramref name="source"/> as <paramref name="format"/>: the one dispatch every entry point shares.</summary>
    internal static ModelFile Read(ByteSource source, string format) => format switch
    {
        ModelFormats.Npy => ReadNpy(source),
        ModelFormats.Safetensors => Safetensors.SafetensorsFormat.Read(source),
        ModelFormats.Npz => Npz.NpzFormat.Read(source),
        ModelFormats.PyTorch => PyTorch.TorchCheckpoint.Read(source),
        ModelFormats.Onnx => Onnx.OnnxFormat.Read(source),
        ModelFormats.TfJs => TfJs.TfJsFormat.Read(source),
        _ => throw new ArgumentException($"format '{format}' is not one of {string.Join(", ", ModelFormats.All)}.", nameof(format)),
    };

    /// <summary>
    /// Writes <paramref name="model"/> in the format its extension names: .safetensors, .npz, .onnx (only for a model
    /// read from ONNX: the same graph with the model's tensors as initializers) or .npy (a model of one tensor). The
    /// file is replaced atomically.
    /// </summary>
    /// <exception cref="ArgumentException">The extension names no writable format, or the model cannot be written in it.</exception>
    public static void Write(string path, ModelFile model)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        string ext = Path.GetExtension(path).ToLowerInvariant();
        switch (ext)
        {
            case ".npy":
                if (model.Tensors.Count != 1)
                    throw new ArgumentException($"a .npy file holds one array; model '{model.Path}' has {model.Tensors.Count} tensors (write .npz or .safetensors).", nameof(path));
                var t = model.Tensors[0];
                var bytes = t.ReadBytes();
                AtomicFile.Write(path, s => NpyFormat.WriteRaw(s, t.DType, t.Shape, bytes));
                break;
            case ".npz":
                Npz.NpzFormat.Write(path, model);
                break;
            case ".onnx":
                Onnx.OnnxFormat.Write(path, model);
                break;
            case ".safetensors":
                Safetensors.SafetensorsFormat.Write(path, model);
                break;
            default:
                throw new ArgumentException($"output '{path}' has extension '{ext}'; InitLab writes .safetensors, .npz, .onnx and .npy.", nameof(path));
        }
    }

    /// <summary>A .npy file is a model of one tensor named after the file.</summary>
    private static ModelFile ReadNpy(ByteSource source)
    {
        var raw = NpyFormat.ReadRaw(new MemoryStream(source.ReadAll(Array.MaxLength, "a .npy file")), source.Name, floatsOnly: false);
        string name = Path.GetFileNameWithoutExtension(source.Name);
        var bytes = raw.Bytes;
        return new ModelFile(ModelFormats.Npy, source.Name, [new ModelTensor(name, raw.Shape, raw.DType, () => (byte[])bytes.Clone())]);
    }

    internal static FileStream OpenRead(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"file '{path}' does not exist.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    private static (string Format, string File) Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) return ResolveDirectory(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist.", path);
        var head = new byte[16];
        int n;
        using (var s = OpenRead(path)) n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var h = head.AsSpan(0, n);
        string lower = path.ToLowerInvariant();
        if (h.StartsWith((ReadOnlySpan<byte>)[0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'])) return (ModelFormats.Npy, path);
        if (h.StartsWith("PK\x03\x04"u8) || h.StartsWith("PK\x05\x06"u8)) return (ZipKind(path), path);
        if (n >= 2 && h[0] == 0x80 && h[1] is >= 2 and <= 5)
            throw new InvalidDataException($"'{path}' is a bare pickle (a legacy torch.save file before PyTorch 1.6, or a pickle of other objects); InitLab reads only the zip checkpoints torch.save writes since 1.6 (re-save with torch.save(state_dict, path)).");
        int first = FirstNonSpace(h);
        if (first >= 0 && h[first] is (byte)'{' or (byte)'[') return (JsonKind(path), path);
        if (n >= 9 && h[8] == (byte)'{' && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(h) < (ulong)new FileInfo(path).Length)
            return (ModelFormats.Safetensors, path);
        // ONNX has no magic; a ModelProto starts with field 1 (ir_version, varint), which is 0x08.
        if (lower.EndsWith(".onnx", StringComparison.Ordinal) || (n > 0 && h[0] == 0x08)) return (ModelFormats.Onnx, path);
        throw new InvalidDataException(
            $"'{path}' is not a model file InitLab reads (expected .onnx, .safetensors, a *.safetensors.index.json shard index, a PyTorch zip checkpoint .pt/.pth/.bin, .npz, .npy or a TF.js model.json).");
    }

    private static (string Format, string File) ResolveDirectory(string path)
    {
        string modelJson = Path.Combine(path, "model.json");
        if (File.Exists(modelJson)) return (ModelFormats.TfJs, modelJson);
        var indexes = Directory.GetFiles(path, "*.safetensors.index.json");
        if (indexes.Length == 1) return (ModelFormats.Safetensors, indexes[0]);
        if (indexes.Length > 1) throw new InvalidDataException($"directory '{path}' holds {indexes.Length} *.safetensors.index.json files; name one.");
        string single = Path.Combine(path, "model.safetensors");
        if (File.Exists(single)) return (ModelFormats.Safetensors, single);
        throw new InvalidDataException($"directory '{path}' holds no model.json, *.safetensors.index.json or model.safetensors; name the model file.");
    }

    private static int FirstNonSpace(ReadOnlySpan<byte> h)
    {
        for (int i = 0; i < h.Length; i++)
            if (h[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or 0xEF or 0xBB or 0xBF)) return i;
        return -1;
    }

    // A zip is a PyTorch checkpoint when it holds a pickle named data.pkl (under the archive's folder), an .npz when it
    // holds .npy entries.
    private static string ZipKind(string path)
    {
        var names = Zip.ZipReader.Open(new FileSource(path)).Entries.Select(e => e.Name).ToList();
        if (names.Any(n => n == "data.pkl" || n.EndsWith("/data.pkl", StringComparison.Ordinal))) return ModelFormats.PyTorch;
        if (names.Count == 0 || names.All(n => n.EndsWith(".npy", StringComparison.Ordinal))) return ModelFormats.Npz;
        throw new InvalidDataException($"'{path}' is a zip archive that is neither a PyTorch checkpoint (no data.pkl entry) nor an .npz (entries other than .npy, e.g. '{names.First(n => !n.EndsWith(".npy", StringComparison.Ordinal))}').");
    }

    // A JSON file is a shard index when it has "weight_map", a TF.js model when it has "weightsManifest".
    private static string JsonKind(string path)
    {
        var text = ReadSmallText(path, 64 << 20);
        if (text.Contains("\"weightsManifest\"", StringComparison.Ordinal)) return ModelFormats.TfJs;
        if (text.TrimStart().StartsWith('[') && text.Contains("\"paths\"", StringComparison.Ordinal) && text.Contains("\"weights\"", StringComparison.Ordinal))
            return ModelFormats.TfJs;
        if (text.Contains("\"weight_map\"", StringComparison.Ordinal)) return ModelFormats.Safetensors;
        throw new InvalidDataException($"'{path}' is JSON but neither a safetensors shard index (no \"weight_map\") nor a TF.js model.json or weights manifest (no \"weightsManifest\", no groups of \"paths\" and \"weights\").");
    }

    internal static string ReadSmallText(string path, long limit)
    {
        long length = new FileInfo(path).Length;
        if (length > limit) throw new InvalidDataException($"'{path}' has {length} bytes; a JSON index or manifest is limited to {limit}.");
        try
        {
            return new UTF8Encoding(false, true).GetString(File.ReadAllBytes(path));
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"'{path}' is not valid UTF-8 text.");
        }
    }
}
