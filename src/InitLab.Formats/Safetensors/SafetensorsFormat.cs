using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace InitLab.Formats.Safetensors;

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// mapping each tensor name to <c>{"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}</c> (plus an optional
/// <c>"__metadata__"</c> object of strings), then the data buffer the offsets point into. Sharded checkpoints have an
/// index JSON whose <c>"weight_map"</c> maps each tensor name to its shard file.
/// </summary>
/// <remarks>
/// The reader applies the reference implementation's checks: the header is at most <see cref="MaxHeaderLength"/> bytes
/// and starts with '{'; every tensor's byte range has the size its dtype and shape need; the ranges cover the buffer
/// exactly, without overlap or hole. Tensors keep the order of the header (or of the index's weight map). F8 types
/// are refused by name. The writer pads the header with spaces to a multiple of 8 and lays the data out by
/// decreasing element size, so every tensor is aligned for zero-copy loaders.
/// </remarks>
public static class SafetensorsFormat
{
    /// <summary>The reference implementation's header limit: 100,000,000 bytes.</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>A shard index is at most this long.</summary>
    public const long MaxIndexLength = 64 << 20;

    private static readonly Dictionary<string, string> FromCode = new(StringComparer.Ordinal)
    {
        ["F64"] = DTypes.Float64, ["F32"] = DTypes.Float32, ["F16"] = DTypes.Float16, ["BF16"] = DTypes.BFloat16,
        ["I64"] = DTypes.Int64, ["I32"] = DTypes.Int32, ["I16"] = DTypes.Int16, ["I8"] = DTypes.Int8,
        ["U64"] = DTypes.UInt64, ["U32"] = DTypes.UInt32, ["U16"] = DTypes.UInt16, ["U8"] = DTypes.UInt8, ["BOOL"] = DTypes.Bool,
    };

    private static string CodeOf(string dtype) => FromCode.First(kv => kv.Value == dtype).Key;

    internal static ModelFile Read(ByteSource source)
    {
        if (source.Name.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return ReadIndex(source);
        var (tensors, _) = ReadFile(source);
        return new ModelFile(ModelFormats.Safetensors, source.Name, tensors);
    }

    /// <summary>Parses one .safetensors file into lazily read tensors in header order.</summary>
    internal static (List<ModelTensor> Tensors, Dictionary<string, string> Metadata) ReadFile(ByteSource source)
    {
        string file = source.Name;
        if (source.Length < 8) throw Corrupt(file, $"it has {source.Length} bytes, fewer than the 8-byte header length");
        var lengthBytes = source.ReadArray(0, 8);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (n > MaxHeaderLength) throw Corrupt(file, $"the header length {n} exceeds the {MaxHeaderLength} allowed");
        if ((long)n > source.Length - 8) throw Corrupt(file, $"the header length {n} exceeds the {source.Length - 8} bytes after it");
        if (n < 2) throw Corrupt(file, $"the header length {n} is too short for a JSON object");
        var header = source.ReadArray(8, (long)n);
        if (header[0] != (byte)'{') throw Corrupt(file, "the header does not start with '{'");
        long bufferStart = 8 + (long)n;
        long bufferLength = source.Length - bufferStart;
        using var doc = StrictJson.Parse(header, file, "the safetensors header");
        var root = StrictJson.Object(doc.RootElement, file, "the header");
        var tensors = new List<ModelTensor>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var ranges = new List<(long Begin, long End, string Name)>();
        foreach (var p in root.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                foreach (var m in StrictJson.Object(p.Value, file, "__metadata__").EnumerateObject())
                    metadata[m.Name] = StrictJson.String(m.Value, file, $"__metadata__.{m.Name}");
                continue;
            }
            string where = $"tensor '{p.Name}'";
            var info = StrictJson.Object(p.Value, file, where);
            string code = StrictJson.String(StrictJson.Property(info, "dtype", file, where), file, where + " dtype");
            if (!FromCode.TryGetValue(code, out string? dtype))
                throw Corrupt(file, $"tensor '{p.Name}' has dtype '{code}', which InitLab does not read (supported: {string.Join(", ", FromCode.Keys)})");
            var shape = StrictJson.Dims(StrictJson.Property(info, "shape", file, where), file, where + " shape");
            var offsets = StrictJson.Property(info, "data_offsets", file, where);
            StrictJson.Array(offsets, file, where + " data_offsets");
            if (offsets.GetArrayLength() != 2) throw Corrupt(file, $"tensor '{p.Name}' has data_offsets of length {offsets.GetArrayLength()}, not 2");
            long begin = StrictJson.NonNegativeInt(offsets[0], file, where + " data_offsets");
            long end = StrictJson.NonNegativeInt(offsets[1], file, where + " data_offsets");
            long count = ElementCount(shape, file, p.Name);
            if (end < begin || end > bufferLength)
                throw Corrupt(file, $"tensor '{p.Name}' has data_offsets [{begin}, {end}] outside the {bufferLength}-byte data buffer");
            if (count > long.MaxValue / 8 || end - begin != count * DTypes.SizeOf(dtype))
                throw Corrupt(file, $"tensor '{p.Name}' of shape ({string.Join(", ", shape)}) and dtype {code} needs {(count > long.MaxValue / 8 ? "more" : (count * DTypes.SizeOf(dtype)).ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes but data_offsets give {end - begin}");
            ranges.Add((begin, end, p.Name));
            long start = bufferStart + begin, length = end - begin;
            tensors.Add(new ModelTensor(p.Name, shape, dtype, () => source.ReadArray(start, length)));
        }
        // The reference reader requires the ranges to tile the buffer: sorted, each starting where the previous ended.
        ranges.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var (begin, end, name) in ranges)
        {
            if (begin != expected)
                throw Corrupt(file, begin < expected ? $"tensor '{name}' overlaps the tensor before it in the data buffer" : $"the data buffer has a hole of {begin - expected} bytes before tensor '{name}'");
            expected = end;
        }
        if (expected != bufferLength) throw Corrupt(file, $"the tensors cover {expected} bytes of the {bufferLength}-byte data buffer");
        return (tensors, metadata);
    }

    private static long ElementCount(long[] shape, string file, string name)
    {
        try
        {
            return ModelTensor.ElementCountOf(shape, "shape");
        }
        catch (ArgumentException)
        {
            throw Corrupt(file, $"tensor '{name}' has a shape ({string.Join(", ", shape)}) with too many elements");
        }
    }

    /// <summary>
    /// A sharded checkpoint: the index's weight_map order, each tensor read from its shard. Every shard named must
    /// exist, hold the tensors the index assigns to it, and hold no tensor the index does not list.
    /// </summary>
    private static ModelFile ReadIndex(ByteSource index)
    {
        string file = index.Name;
        var bytes = index.ReadAll(MaxIndexLength, "a shard index");
        using var doc = StrictJson.Parse(bytes, file, "the shard index");
        var root = StrictJson.Object(doc.RootElement, file, "the shard index");
        var map = StrictJson.Object(StrictJson.Property(root, "weight_map", file, "the shard index"), file, "weight_map");
        var shards = new Dictionary<string, Dictionary<string, ModelTensor>>(StringComparer.Ordinal);
        var order = new List<(string Name, string Shard)>();
        foreach (var p in map.EnumerateObject())
        {
            string shard = StrictJson.String(p.Value, file, $"weight_map['{p.Name}']");
            order.Add((p.Name, shard));
            if (!shards.ContainsKey(shard))
            {
                var source = index.Sibling(shard);
                shards[shard] = ReadFile(source).Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
            }
        }
        var tensors = new List<ModelTensor>(order.Count);
        foreach (var (name, shard) in order)
        {
            if (!shards[shard].Remove(name, out var t))
                throw Corrupt(file, $"the index puts tensor '{name}' in shard '{shard}', which does not hold it");
            tensors.Add(t);
        }
        foreach (var (shard, rest) in shards)
        {
            if (rest.Count > 0)
                throw Corrupt(file, $"shard '{shard}' holds tensor '{rest.Keys.First()}', which the index does not list");
        }
        return new ModelFile(ModelFormats.Safetensors, file, tensors);
    }

    /// <summary>
    /// Writes the tensors of <paramref name="model"/> as one .safetensors file (header in the model's order, metadata
    /// <c>{"format": "pt"}</c> as PyTorch's writers set it), replacing <paramref name="path"/> atomically.
    /// </summary>
    public static void Write(string path, ModelFile model)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, s => Serialize(model.Tensors, s));
    }

    /// <summary>Writes the header, then the data ordered by decreasing element size, then by model order.</summary>
    internal static void Serialize(IReadOnlyList<ModelTensor> tensors, Stream output)
    {
        var layout = tensors.Select((t, i) => (Tensor: t, Index: i))
            .OrderByDescending(x => DTypes.SizeOf(x.Tensor.DType)).ThenBy(x => x.Index).ToList();
        var offsets = new (long Begin, long End)[tensors.Count];
        long position = 0;
        foreach (var (t, i) in layout)
        {
            offsets[i] = (position, position + t.ByteLength);
            position += t.ByteLength;
        }
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            w.WriteString("format", "pt");
            w.WriteEndObject();
            for (int i = 0; i < tensors.Count; i++)
            {
                var t = tensors[i];
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", CodeOf(t.DType));
                w.WriteStartArray("shape");
                foreach (long d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offsets[i].Begin);
                w.WriteNumberValue(offsets[i].End);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int headerLength = (int)json.Length;
        int padded = (headerLength + 7) / 8 * 8;
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        output.Write(prefix);
        output.Write(json.GetBuffer().AsSpan(0, headerLength));
        for (int i = headerLength; i < padded; i++) output.WriteByte((byte)' ');
        foreach (var (t, _) in layout) output.Write(t.ReadBytes());
    }

    private static InvalidDataException Corrupt(string file, string why) => new($"'{file}' is not a readable safetensors file: {why}.");
}
