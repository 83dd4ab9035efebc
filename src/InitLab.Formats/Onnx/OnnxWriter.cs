using System.Text;

namespace InitLab.Formats.Onnx;

/// <summary>
/// Re-emits a ModelProto byte for byte except its graph's initializers, which are written inline from model tensors
/// (TensorProto with dims, data_type, name and raw_data), and optional extra graph outputs.
/// </summary>
internal static class OnnxWriter
{
    /// <summary>Protobuf messages are limited to 2 GiB.</summary>
    public const long MaxModelBytes = int.MaxValue;

    public static byte[] Rewrite(byte[] original, IReadOnlyList<ModelTensor> tensors, IReadOnlyList<string> extraOutputs, string name)
    {
        var output = new MemoryStream();
        var r = new ProtoReader(original, 0, name);
        bool wroteGraph = false;
        while (!r.End)
        {
            int start = r.Position;
            var (field, wire) = r.Tag();
            if (field == 7 && wire == 2)
            {
                var g = r.Bytes();
                var graph = RewriteGraph(original.AsSpan(g.Start, g.Length), g.Start, tensors, extraOutputs, name);
                WriteTag(output, 7, 2);
                WriteVarint(output, (ulong)graph.Length);
                output.Write(graph);
                wroteGraph = true;
            }
            else
            {
                r.Skip(wire);
                output.Write(original, start, r.Position - start);
            }
            if (output.Length > MaxModelBytes) throw TooLarge(name);
        }
        if (!wroteGraph) throw new InvalidDataException($"'{name}' has no graph to rewrite.");
        return output.ToArray();
    }

    private static byte[] RewriteGraph(ReadOnlySpan<byte> graph, int offset, IReadOnlyList<ModelTensor> tensors, IReadOnlyList<string> extraOutputs, string name)
    {
        var output = new MemoryStream();
        var r = new ProtoReader(graph, offset, name);
        int k = 0;
        while (!r.End)
        {
            int start = r.Position;
            var (field, wire) = r.Tag();
            r.Skip(wire);
            if (field == 5 && wire == 2)
            {
                if (k >= tensors.Count) throw new InvalidDataException($"'{name}' has more initializers than the model has tensors.");
                var tensor = Tensor(tensors[k++]);
                WriteTag(output, 5, 2);
                WriteVarint(output, (ulong)tensor.Length);
                output.Write(tensor);
            }
            else
            {
                output.Write(graph[start..r.Position]);
            }
            if (output.Length > MaxModelBytes) throw TooLarge(name);
        }
        if (k != tensors.Count) throw new InvalidDataException($"'{name}' has {k} initializers but the model has {tensors.Count} tensors.");
        foreach (var o in extraOutputs)
        {
            var info = new MemoryStream();
            WriteString(info, 1, o);
            WriteTag(output, 12, 2);
            WriteVarint(output, (ulong)info.Length);
            info.WriteTo(output);
        }
        return output.ToArray();
    }

    /// <summary>TensorProto: dims (1, one varint each, as proto2 writes them), data_type (2), name (8), raw_data (9).</summary>
    private static byte[] Tensor(ModelTensor t)
    {
        var data = t.ReadBytes();
        var m = new MemoryStream(data.Length + 64 + t.Name.Length);
        foreach (long d in t.Shape)
        {
            WriteTag(m, 1, 0);
            WriteVarint(m, (ulong)d);
        }
        WriteTag(m, 2, 0);
        WriteVarint(m, (ulong)OnnxFormat.DataTypeOf(t.DType));
        WriteString(m, 8, t.Name);
        WriteTag(m, 9, 2);
        WriteVarint(m, (ulong)data.Length);
        m.Write(data);
        return m.ToArray();
    }

    private static void WriteString(Stream s, int field, string value)
    {
        var b = Encoding.UTF8.GetBytes(value);
        WriteTag(s, field, 2);
        WriteVarint(s, (ulong)b.Length);
        s.Write(b);
    }

    private static void WriteTag(Stream s, int field, int wire) => WriteVarint(s, ((ulong)field << 3) | (uint)wire);

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }

    private static ArgumentException TooLarge(string name) =>
        new($"model '{name}' with inline initializers would exceed protobuf's 2 GiB limit.", nameof(name));
}
