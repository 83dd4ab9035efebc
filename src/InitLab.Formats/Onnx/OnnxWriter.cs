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

    /// <param name="original">The ModelProto bytes.</param>
    /// <param name="tensors">The initializers, in the graph's initializer order.</param>
    /// <param name="extraOutputs">Value names to append as graph outputs (name only).</param>
    /// <param name="name">The file name for messages.</param>
    /// <param name="batchInput">When set, this input's first dimension becomes the symbol "batch", the outputs lose their
    /// declared types and the value infos are dropped, so that ONNX Runtime accepts another batch size than the export's.</param>
    public static byte[] Rewrite(byte[] original, IReadOnlyList<ModelTensor> tensors, IReadOnlyList<string> extraOutputs, string name, OnnxValueInfo? batchInput = null)
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
                var graph = RewriteGraph(original.AsSpan(g.Start, g.Length), g.Start, tensors, extraOutputs, name, batchInput);
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

    private static byte[] RewriteGraph(ReadOnlySpan<byte> graph, int offset, IReadOnlyList<ModelTensor> tensors, IReadOnlyList<string> extraOutputs, string name, OnnxValueInfo? batchInput)
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
            else if (batchInput is not null && wire == 2 && field is 11 or 12 or 13)
            {
                // 13 (value_info) is dropped: its shapes name the export's batch size.
                var info = ValueInfoName(graph[start..r.Position], name);
                if (field == 11 && info == batchInput.Name) WriteMessage(output, 11, BatchFreeValueInfo(batchInput));
                else if (field == 11) output.Write(graph[start..r.Position]);
                else if (field == 12) WriteMessage(output, 12, NameOnly(info));
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

    private static string ValueInfoName(ReadOnlySpan<byte> field, string name)
    {
        var r = new ProtoReader(field, 0, name);
        r.Tag();
        var body = r.Bytes();
        var v = new ProtoReader(field.Slice(body.Start, body.Length), 0, name);
        while (!v.End)
        {
            var (f, w) = v.Tag();
            if (f == 1 && w == 2) return v.String();
            v.Skip(w);
        }
        return "";
    }

    private static byte[] NameOnly(string value)
    {
        var m = new MemoryStream();
        WriteString(m, 1, value);
        return m.ToArray();
    }

    // ValueInfoProto { name = 1, type = 2: TypeProto { tensor_type = 1: { elem_type = 1, shape = 2: { dim = 1: { dim_value = 1 | dim_param = 2 } } } } }
    private static byte[] BatchFreeValueInfo(OnnxValueInfo info)
    {
        var shape = new MemoryStream();
        for (int i = 0; i < info.Shape!.Count; i++)
        {
            var dim = new MemoryStream();
            if (i == 0) WriteString(dim, 2, "batch");
            else if (info.Shape[i].Value is long v) { WriteTag(dim, 1, 0); WriteVarint(dim, (ulong)v); }
            else if (info.Shape[i].Symbol is string sym) WriteString(dim, 2, sym);
            WriteMessage(shape, 1, dim.ToArray());
        }
        var tensor = new MemoryStream();
        WriteTag(tensor, 1, 0);
        WriteVarint(tensor, (ulong)OnnxFormat.DataTypeOf(info.ElementType ?? DTypes.Float32));
        WriteMessage(tensor, 2, shape.ToArray());
        var type = new MemoryStream();
        WriteMessage(type, 1, tensor.ToArray());
        var m = new MemoryStream();
        WriteString(m, 1, info.Name);
        WriteMessage(m, 2, type.ToArray());
        return m.ToArray();
    }

    private static void WriteMessage(Stream s, int field, byte[] body)
    {
        WriteTag(s, field, 2);
        WriteVarint(s, (ulong)body.Length);
        s.Write(body);
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
