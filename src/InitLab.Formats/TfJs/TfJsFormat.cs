using System.Buffers.Binary;
using System.Text.Json;
using InitLab.Inspection;

namespace InitLab.Formats.TfJs;

/// <summary>
/// TensorFlow.js models: model.json (a "layers-model" or "graph-model" with a <c>"weightsManifest"</c>), or a bare
/// weights manifest (a JSON array of weight groups, as face-api ships), plus the binary shards each group's
/// <c>"paths"</c> name. A group's shards concatenate into one buffer holding its weights in manifest order.
/// </summary>
/// <remarks>
/// dtypes float32, int32 and bool are read as stored; quantized weights are dequantized as TF.js does
/// (value = q * scale + min, computed in double and stored as float32, or rounded for int32 weights) for uint8 and uint16, and float16-quantized
/// weights read as float16. Strings and complex weights are refused. Weight names keep the manifest order; Keras
/// variable names give the hints (kernel, filters, weights, depthwise and pointwise kernels or filters, recurrent_kernel: weight in (k.., in, out);
/// bias; gamma and beta: norm scale and shift; moving_mean and moving_variance: norm running statistics; embeddings).
/// </remarks>
public static class TfJsFormat
{
    /// <summary>model.json is at most this long.</summary>
    public const long MaxManifestLength = 64 << 20;

    internal static ModelFile Read(ByteSource source)
    {
        string file = source.Name;
        var bytes = source.ReadAll(MaxManifestLength, "a TF.js model.json");
        using var doc = StrictJson.Parse(bytes, file, "the TF.js manifest");
        JsonElement groups;
        if (doc.RootElement.ValueKind == JsonValueKind.Array) groups = doc.RootElement;
        else groups = StrictJson.Array(StrictJson.Property(StrictJson.Object(doc.RootElement, file, "model.json"), "weightsManifest", file, "model.json"), file, "weightsManifest");
        var tensors = new List<ModelTensor>();
        int g = 0;
        foreach (var group in groups.EnumerateArray())
        {
            string where = $"weightsManifest[{g}]";
            StrictJson.Object(group, file, where);
            var paths = StrictJson.Array(StrictJson.Property(group, "paths", file, where), file, where + ".paths");
            var shards = new List<ByteSource>();
            foreach (var p in paths.EnumerateArray()) shards.Add(source.Sibling(StrictJson.String(p, file, where + ".paths")));
            var buffer = new ConcatenatedSource(shards);
            long offset = 0;
            foreach (var w in StrictJson.Array(StrictJson.Property(group, "weights", file, where), file, where + ".weights").EnumerateArray())
            {
                var t = ReadWeight(w, buffer, ref offset, file, where);
                tensors.Add(t);
            }
            if (offset != buffer.Length)
                throw Corrupt(file, $"{where}'s weights take {offset} bytes but its shards hold {buffer.Length}");
            g++;
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
            if (!names.Add(t.Name)) throw Corrupt(file, $"two weights are named '{t.Name}'");
        return new ModelFile(ModelFormats.TfJs, file, tensors);
    }

    private static ModelTensor ReadWeight(JsonElement w, ConcatenatedSource buffer, ref long offset, string file, string group)
    {
        StrictJson.Object(w, file, group + " weight");
        string name = StrictJson.String(StrictJson.Property(w, "name", file, group + " weight"), file, group + " weight name");
        string where = $"weight '{name}'";
        var shape = StrictJson.Dims(StrictJson.Property(w, "shape", file, where), file, where + " shape");
        string dtype = StrictJson.String(StrictJson.Property(w, "dtype", file, where), file, where + " dtype");
        long count;
        try
        {
            count = ModelTensor.ElementCountOf(shape, "shape");
        }
        catch (ArgumentException)
        {
            throw Corrupt(file, $"{where} has a shape ({string.Join(", ", shape)}) with too many elements");
        }
        string stored = dtype switch
        {
            "float32" => DTypes.Float32,
            "int32" => DTypes.Int32,
            "bool" => DTypes.Bool,
            _ => throw Corrupt(file, $"{where} has dtype '{dtype}', which InitLab does not read (float32, int32, bool)"),
        };
        TensorQuantization? quantization = null;
        if (w.TryGetProperty("quantization", out var q))
        {
            StrictJson.Object(q, file, where + " quantization");
            string qtype = StrictJson.String(StrictJson.Property(q, "dtype", file, where + " quantization"), file, where + " quantization dtype");
            if (qtype == "float16")
            {
                if (dtype != "float32") throw Corrupt(file, $"{where} is {dtype} quantized to float16");
                stored = DTypes.Float16;
            }
            else if (qtype is "uint8" or "uint16")
            {
                if (dtype is not ("float32" or "int32")) throw Corrupt(file, $"{where} is {dtype} quantized to {qtype}");
                double scale = StrictJson.Number(StrictJson.Property(q, "scale", file, where + " quantization"), file, where + " quantization scale");
                double min = StrictJson.Number(StrictJson.Property(q, "min", file, where + " quantization"), file, where + " quantization min");
                quantization = new TensorQuantization(qtype == "uint8" ? DTypes.UInt8 : DTypes.UInt16, scale, min);
                stored = quantization.StoredDType;
            }
            else throw Corrupt(file, $"{where} has quantization dtype '{qtype}' (uint8, uint16 and float16 are read)");
        }
        long length = count * DTypes.SizeOf(stored);
        if (length > buffer.Length - offset)
            throw Corrupt(file, $"{where} needs {length} bytes at offset {offset} but the group's shards hold {buffer.Length}");
        long start = offset;
        offset += length;
        var (layout, role) = Hint(name);
        if (quantization is { } qz)
        {
            bool integer = dtype == "int32";
            return new ModelTensor(name, shape, integer ? DTypes.Int32 : DTypes.Float32, () => Dequantize(buffer.ReadArray(start, length), qz, integer), layout, role, qz);
        }
        return new ModelTensor(name, shape, stored, () => buffer.ReadArray(start, length), layout, role);
    }

    // TF.js: float32 result of q * scale + min (JavaScript computes in double, the Float32Array store rounds); int32
    // weights are rounded to the nearest integer (Math.round, halves up).
    private static byte[] Dequantize(byte[] raw, TensorQuantization q, bool integer)
    {
        bool wide = q.StoredDType == DTypes.UInt16;
        int n = wide ? raw.Length / 2 : raw.Length;
        var result = new byte[n * 4];
        for (int i = 0; i < n; i++)
        {
            double v = wide ? BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)) : raw[i];
            double value = v * q.Scale + q.Min;
            if (integer) BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(4 * i), (int)Math.Clamp(Math.Floor(value + 0.5), int.MinValue, int.MaxValue));
            else BinaryPrimitives.WriteSingleLittleEndian(result.AsSpan(4 * i), (float)value);
        }
        return result;
    }

    /// <summary>Hints from the Keras variable name (the last path segment, without a ":0" suffix).</summary>
    internal static (TensorLayout, ParameterRole?) Hint(string name)
    {
        string last = name[(name.LastIndexOf('/') + 1)..];
        int colon = last.IndexOf(':');
        if (colon >= 0) last = last[..colon];
        return last switch
        {
            "kernel" or "filters" or "depthwise_kernel" or "pointwise_kernel" or "recurrent_kernel" or "weights"
                or "depthwise_filter" or "pointwise_filter" => (TensorLayout.InOut, ParameterRole.Weight),
            "bias" or "biases" => (TensorLayout.Unknown, ParameterRole.Bias),
            "gamma" => (TensorLayout.Unknown, ParameterRole.NormScale),
            "beta" => (TensorLayout.Unknown, ParameterRole.NormShift),
            "moving_mean" => (TensorLayout.Unknown, ParameterRole.RunningMean),
            "moving_variance" => (TensorLayout.Unknown, ParameterRole.RunningVariance),
            "embeddings" => (TensorLayout.Unknown, ParameterRole.Embedding),
            _ => (TensorLayout.Unknown, (ParameterRole?)null),
        };
    }

    private static InvalidDataException Corrupt(string file, string why) => new($"'{file}' is not a readable TF.js model: {why}.");

    /// <summary>Shards read as one buffer; a read may span shard boundaries.</summary>
    private sealed class ConcatenatedSource(List<ByteSource> parts)
    {
        public long Length { get; } = parts.Sum(p => p.Length);

        public byte[] ReadArray(long offset, long count)
        {
            if (offset < 0 || count < 0 || count > Length - offset) throw new InvalidDataException($"a read of {count} bytes at {offset} lies outside the shards.");
            var result = new byte[count];
            long done = 0, partStart = 0;
            foreach (var p in parts)
            {
                long partEnd = partStart + p.Length;
                long from = offset + done;
                if (done < count && from < partEnd)
                {
                    long n = Math.Min(count - done, partEnd - from);
                    p.Read(from - partStart, result.AsSpan((int)done, (int)n));
                    done += n;
                }
                partStart = partEnd;
            }
            return result;
        }
    }
}
