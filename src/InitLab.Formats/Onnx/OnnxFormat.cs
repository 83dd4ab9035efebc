using System.Buffers.Binary;
using System.Globalization;
using InitLab.Inspection;

namespace InitLab.Formats.Onnx;

/// <summary>
/// ONNX models (onnx.proto, a protobuf ModelProto), read and written with InitLab's own bounds-checked protobuf code
/// for the subset of onnx.proto a weight tool needs: the graph's nodes with their attributes, inputs, outputs and
/// value infos, the opset imports, and the initializers (raw_data, the typed data fields, and external data files
/// beside the model). Sparse initializers are refused.
/// </summary>
/// <remarks>
/// The whole model file is read into memory (protobuf's own limit is 2 GiB); an initializer's data are copied out
/// when asked for, and external data are read from their file then. Layout and role hints come from the node that
/// consumes each initializer: Conv W (out, in, k..), Gemm B by transB, MatMul B (in, out), Conv/Gemm bias, the
/// scale, shift and running statistics of BatchNormalization, LayerNormalization, InstanceNormalization and GroupNormalization, Gather
/// data as an embedding, integer initializers as "other". Writing keeps every byte of the model except the
/// initializers, which are re-emitted inline (raw_data) from the model's tensors.
/// </remarks>
public static class OnnxFormat
{
    /// <summary>Graphs nest (If/Loop bodies) at most this deep.</summary>
    public const int MaxGraphDepth = 16;

    /// <summary>A tensor or value has at most this many dimensions.</summary>
    public const int MaxRank = 64;

    private static readonly Dictionary<int, string> DataTypes = new()
    {
        [1] = DTypes.Float32, [2] = DTypes.UInt8, [3] = DTypes.Int8, [4] = DTypes.UInt16, [5] = DTypes.Int16, [6] = DTypes.Int32,
        [7] = DTypes.Int64, [9] = DTypes.Bool, [10] = DTypes.Float16, [11] = DTypes.Float64, [12] = DTypes.UInt32,
        [13] = DTypes.UInt64, [16] = DTypes.BFloat16,
    };

    private static readonly Dictionary<int, string> OtherTypes = new()
    {
        [8] = "string", [14] = "complex64", [15] = "complex128", [17] = "float8e4m3fn", [18] = "float8e4m3fnuz", [19] = "float8e5m2",
        [20] = "float8e5m2fnuz", [21] = "uint4", [22] = "int4", [23] = "float4e2m1",
    };

    /// <summary>The ONNX TensorProto.DataType code of a <see cref="DTypes"/> name.</summary>
    internal static int DataTypeOf(string dtype) => DataTypes.First(kv => kv.Value == dtype).Key;

    internal static ModelFile Read(ByteSource source)
    {
        var bytes = source.ReadAll(Array.MaxLength, "an ONNX model");
        var reader = new Reader(bytes, source);
        var (graph, initializers, embedded) = reader.ReadModel();
        try
        {
            return new ModelFile(ModelFormats.Onnx, source.Name, [.. initializers, .. embedded], graph, new OnnxSource(bytes, initializers.Count, embedded));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"'{source.Name}' is not a readable ONNX model: {CliText(e.Message)}");
        }
    }

    private static string CliText(string message) => System.Text.RegularExpressions.Regex.Replace(message, @"\s*\(Parameter '[^']*'\)", "");

    /// <summary>
    /// Writes the ONNX graph of <paramref name="model"/> (which must have been read from an ONNX file) with the model's
    /// tensors as its initializers, inline, replacing <paramref name="path"/> atomically.
    /// </summary>
    /// <exception cref="ArgumentException">The model was not read from ONNX, or the result would exceed protobuf's 2 GiB limit.</exception>
    public static void Write(string path, ModelFile model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var bytes = Rewrite(model, []);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>
    /// The model's ONNX bytes with its tensors as initializers (inline) and <paramref name="extraOutputs"/> appended to
    /// the graph outputs as untyped value infos (ONNX Runtime infers their types): how a probe exposes intermediate values.
    /// </summary>
    /// <exception cref="ArgumentException">The model was not read from ONNX, or the result would exceed protobuf's 2 GiB limit.</exception>
    public static byte[] ToBytes(ModelFile model, IReadOnlyList<string>? extraOutputs = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Rewrite(model, extraOutputs ?? []);
    }

    /// <summary>
    /// ToBytes for a probe: also frees the first dimension of <paramref name="batchInput"/> (see
    /// <see cref="OnnxWriter.Rewrite"/>) when the export fixed its batch size.
    /// </summary>
    internal static byte[] ToBytes(ModelFile model, IReadOnlyList<string> extraOutputs, OnnxValueInfo? batchInput) => Rewrite(model, extraOutputs, batchInput);

    private static byte[] Rewrite(ModelFile model, IReadOnlyList<string> extraOutputs, OnnxValueInfo? batchInput = null)
    {
        if (model.OnnxSource is not { } source || model.Graph is null)
            throw new ArgumentException($"model '{model.Path}' was read from {model.Format}, not ONNX; only an ONNX model can be written back as .onnx (write .safetensors or .npz).", nameof(model));
        // Constant-node values and subgraph initializers are listed after the graph's initializers; they are written
        // back as they were, so they must not have been replaced.
        for (int i = 0; i < source.Embedded.Count; i++)
        {
            if (!ReferenceEquals(model.Tensors[source.InitializerCount + i], source.Embedded[i]))
                throw new ArgumentException($"tensor '{source.Embedded[i].Name}' is a Constant node's value or a subgraph's initializer; InitLab writes new values only for the graph's initializers.", nameof(model));
        }
        return OnnxWriter.Rewrite(source.Bytes, model.Tensors.Take(source.InitializerCount).ToList(), extraOutputs, model.Path, batchInput);
    }

    /// <summary>The parser: one instance per file, holding the bytes that raw_data slices point into.</summary>
    private sealed class Reader(byte[] bytes, ByteSource source)
    {
        private readonly string _file = source.Name;

        public (OnnxGraph Graph, List<ModelTensor> Initializers, List<ModelTensor> Embedded) ReadModel()
        {
            var r = new ProtoReader(bytes, 0, _file);
            long ir = 0;
            string producer = "";
            var opsets = new List<OnnxOpset>();
            (int Start, int Length)? graphRange = null;
            while (!r.End)
            {
                var (field, wire) = r.Tag();
                switch (field)
                {
                    case 1 when wire == 0: ir = r.Int64(); break;
                    case 2 when wire == 2: producer = r.String(); break;
                    case 7 when wire == 2:
                        if (graphRange is not null) throw r.Corrupt("the model has two graphs");
                        graphRange = r.Bytes();
                        break;
                    case 8 when wire == 2:
                        {
                            var range = r.Bytes();
                            opsets.Add(ReadOpset(new ProtoReader(r.Slice(range), range.Start, _file)));
                            break;
                        }
                    default: r.Skip(wire); break;
                }
            }
            if (graphRange is not { } g) throw r.Corrupt("the model has no graph");
            var embedded = new List<ModelTensor>();
            var (graph, initializers) = ReadGraph(new ProtoReader(bytes.AsSpan(g.Start, g.Length), g.Start, _file), 0, "", embedded);
            graph = graph with { Opsets = opsets, IrVersion = ir, ProducerName = producer };
            return (graph, initializers, embedded);
        }

        private static OnnxOpset ReadOpset(ProtoReader r)
        {
            string domain = "";
            long version = 0;
            while (!r.End)
            {
                var (field, wire) = r.Tag();
                if (field == 1 && wire == 2) domain = r.String();
                else if (field == 2 && wire == 0) version = r.Int64();
                else r.Skip(wire);
            }
            return new OnnxOpset(domain, version);
        }

        /// <summary>
        /// A graph and its initializers with their hints. Floating-point tensors held elsewhere (Constant nodes of this
        /// graph; initializers and constants of its subgraphs, named "node/attribute/name") go to
        /// <paramref name="embedded"/>, so that weights that exporters put in If/Loop bodies or Constant nodes are seen.
        /// </summary>
        private (OnnxGraph Graph, List<ModelTensor> Initializers) ReadGraph(ProtoReader r, int depth, string prefix, List<ModelTensor> embedded)
        {
            var initializers = new List<ModelTensor>();
            var constants = new List<ModelTensor>();
            var nested = new List<ModelTensor>();
            if (depth > MaxGraphDepth) throw r.Corrupt($"graphs nest deeper than {MaxGraphDepth} levels");
            string name = "";
            var nodes = new List<OnnxNode>();
            var inputs = new List<OnnxValueInfo>();
            var outputs = new List<OnnxValueInfo>();
            var valueInfo = new List<OnnxValueInfo>();
            var initNames = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (!r.End)
            {
                var (field, wire) = r.Tag();
                if (wire != 2 && field is 1 or 2 or 5 or 11 or 12 or 13 or 15) throw r.Corrupt($"graph field {field} has wire type {wire}");
                switch (field)
                {
                    case 1:
                        {
                            var b = r.Bytes();
                            var node = ReadNode(new ProtoReader(r.Slice(b), r.Offset + b.Start, _file), depth, prefix, nested);
                            nodes.Add(node);
                            if (node.OpType == "Constant" && node.Outputs.Count == 1 && node.Outputs[0].Length > 0 &&
                                node.Attributes.TryGetValue("value", out var value) && value.Tensor is { } constant &&
                                DTypes.IsFloatingPoint(constant.DType) && constant.Shape.Count > 0)
                                constants.Add(constant.Renamed(node.Outputs[0]));
                            break;
                        }
                    case 2: name = r.String(); break;
                    case 5:
                        {
                            var b = r.Bytes();
                            var t = ReadTensor(new ProtoReader(r.Slice(b), r.Offset + b.Start, _file), required: true)!;
                            if (!seen.Add(t.Name)) throw r.Corrupt($"two initializers are named '{t.Name}'");
                            initNames.Add(t.Name);
                            initializers.Add(t);
                            break;
                        }
                    case 11: { var b = r.Bytes(); inputs.Add(ReadValueInfo(new ProtoReader(r.Slice(b), r.Offset + b.Start, _file))); break; }
                    case 12: { var b = r.Bytes(); outputs.Add(ReadValueInfo(new ProtoReader(r.Slice(b), r.Offset + b.Start, _file))); break; }
                    case 13: { var b = r.Bytes(); valueInfo.Add(ReadValueInfo(new ProtoReader(r.Slice(b), r.Offset + b.Start, _file))); break; }
                    case 15: throw r.Corrupt("the graph has sparse initializers, which InitLab does not read");
                    default: r.Skip(wire); break;
                }
            }
            var graph = new OnnxGraph(name, nodes, inputs, outputs, valueInfo, initNames, [], 0, "");
            var hinted = AddHints(graph, [.. initializers, .. constants]);
            var mine = hinted.Take(initializers.Count).ToList();
            var locals = hinted.Skip(initializers.Count).ToList();
            if (depth > 0)
            {
                locals.InsertRange(0, mine);
                mine = [];
            }
            foreach (var t in locals)
                if (DTypes.IsFloatingPoint(t.DType)) embedded.Add(prefix.Length == 0 ? t : t.Renamed(prefix + t.Name));
            embedded.AddRange(nested);
            return (graph, mine);
        }

        private OnnxNode ReadNode(ProtoReader r, int depth, string prefix, List<ModelTensor> embedded)
        {
            var inputs = new List<string>();
            var outputs = new List<string>();
            string name = "", op = "", domain = "";
            var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
            while (!r.End)
            {
                var (field, wire) = r.Tag();
                if (wire != 2 && field is 1 or 2 or 3 or 4 or 5 or 7) throw r.Corrupt($"node field {field} has wire type {wire}");
                switch (field)
                {
                    case 1: inputs.Add(r.String()); break;
                    case 2: outputs.Add(r.String()); break;
                    case 3: name = r.String(); break;
                    case 4: op = r.String(); break;
                    case 7: domain = r.String(); break;
                    case 5:
                        {
                            var b = r.Bytes();
                            var a = ReadAttribute(new ProtoReader(r.Slice(b), r.Offset + b.Start, _file), depth, prefix, embedded,
                                name.Length > 0 ? name : outputs.Count > 0 && outputs[0].Length > 0 ? outputs[0] : op);
                            if (!attributes.TryAdd(a.Name, a)) throw r.Corrupt($"node '{name}' ({op}) has the attribute '{a.Name}' twice");
                            break;
                        }
                    default: r.Skip(wire); break;
                }
            }
            if (op.Length == 0) throw r.Corrupt($"node '{name}' has no op_type");
            return new OnnxNode(name, op, domain, inputs, outputs, attributes);
        }

        private OnnxAttribute ReadAttribute(ProtoReader r, int depth, string prefix, List<ModelTensor> embedded, string node)
        {
            string name = "";
            int type = 0;
            double? f = null;
            long? i = null;
            string? s = null;
            ModelTensor? t = null;
            OnnxGraph? g = null;
            var floats = new List<double>();
            var pendingGraphs = new List<(int Start, int Length)>();
            var ints = new List<long>();
            var strings = new List<string>();
            int fc = 0, ic = 0;
            while (!r.End)
            {
                var (field, wire) = r.Tag();
                switch (field)
                {
                    case 1 when wire == 2: name = r.String(); break;
                    case 20 when wire == 0: type = r.Int32(); break;
                    case 2 when wire == 5: f = BitConverter.UInt32BitsToSingle(r.Fixed32()); break;
                    case 3 when wire == 0: i = r.Int64(); break;
                    case 4 when wire == 2:
                        {
                            var b = r.Bytes();
                            s = System.Text.Encoding.UTF8.GetString(r.Slice(b));
                            break;
                        }
                    case 5 when wire == 2: { var b = r.Bytes(); t = ReadTensor(new ProtoReader(r.Slice(b), r.Offset + b.Start, _file), required: false); break; }
                    case 6 when wire == 2:
                        {
                            var b = r.Bytes();
                            // The attribute's name may follow its value on the wire; the subgraph is named when read.
                            pendingGraphs.Add(b);
                            break;
                        }
                    case 7: r.Repeated(wire, 5, v => floats.Add(BitConverter.UInt32BitsToSingle((uint)v)), 1 << 26, ref fc); break;
                    case 8: r.Repeated(wire, 0, v => ints.Add((long)v), 1 << 26, ref ic); break;
                    case 9 when wire == 2: { var b = r.Bytes(); strings.Add(System.Text.Encoding.UTF8.GetString(r.Slice(b))); break; }
                    case 11 when wire == 2: { var b = r.Bytes(); pendingGraphs.Add(b); break; }
                    default: r.Skip(wire); break;
                }
            }
            for (int k = 0; k < pendingGraphs.Count; k++)
            {
                var b = pendingGraphs[k];
                string scope = $"{prefix}{node}/{name}{(pendingGraphs.Count > 1 ? "/" + k.ToString(CultureInfo.InvariantCulture) : "")}/";
                var sub = ReadGraph(new ProtoReader(r.Slice(b), r.Offset + b.Start, _file), depth + 1, scope, embedded).Graph;
                g ??= sub;
            }
            var kind = type is >= 0 and <= 10 ? (OnnxAttributeType)type : OnnxAttributeType.Undefined;
            return kind switch
            {
                OnnxAttributeType.Float => new OnnxAttribute(name, kind, Float: f ?? 0),
                OnnxAttributeType.Int => new OnnxAttribute(name, kind, Int: i ?? 0),
                OnnxAttributeType.String => new OnnxAttribute(name, kind, String: s ?? ""),
                OnnxAttributeType.Floats => new OnnxAttribute(name, kind, Floats: floats),
                OnnxAttributeType.Ints => new OnnxAttribute(name, kind, Ints: ints),
                OnnxAttributeType.Strings => new OnnxAttribute(name, kind, Strings: strings),
                OnnxAttributeType.Tensor => new OnnxAttribute(name, kind, Tensor: t),
                OnnxAttributeType.Graph => new OnnxAttribute(name, kind, Graph: g),
                _ => new OnnxAttribute(name, kind),
            };
        }

        private OnnxValueInfo ReadValueInfo(ProtoReader r)
        {
            string name = "";
            string? elem = null;
            List<OnnxDim>? shape = null;
            while (!r.End)
            {
                var (field, wire) = r.Tag();
                if (field == 1 && wire == 2) name = r.String();
                else if (field == 2 && wire == 2)
                {
                    // TypeProto: only tensor_type (1) carries an element type and shape.
                    var b = r.Bytes();
                    var tr = new ProtoReader(r.Slice(b), r.Offset + b.Start, _file);
                    while (!tr.End)
                    {
                        var (tf, tw) = tr.Tag();
                        if (tf == 1 && tw == 2)
                        {
                            var tb = tr.Bytes();
                            var tt = new ProtoReader(tr.Slice(tb), tr.Offset + tb.Start, _file);
                            while (!tt.End)
                            {
                                var (f, w) = tt.Tag();
                                if (f == 1 && w == 0) elem = TypeName(tt.Int32());
                                else if (f == 2 && w == 2)
                                {
                                    var sb = tt.Bytes();
                                    shape = ReadShape(new ProtoReader(tt.Slice(sb), tt.Offset + sb.Start, _file));
                                }
                                else tt.Skip(w);
                            }
                        }
                        else tr.Skip(tw);
                    }
                }
                else r.Skip(wire);
            }
            return new OnnxValueInfo(name, elem, shape);
        }

        private List<OnnxDim> ReadShape(ProtoReader r)
        {
            var dims = new List<OnnxDim>();
            while (!r.End)
            {
                var (field, wire) = r.Tag();
                if (field != 1 || wire != 2) { r.Skip(wire); continue; }
                if (dims.Count >= MaxRank) throw r.Corrupt($"a shape has more than {MaxRank} dimensions");
                var b = r.Bytes();
                var d = new ProtoReader(r.Slice(b), r.Offset + b.Start, _file);
                long? value = null;
                string? symbol = null;
                while (!d.End)
                {
                    var (f, w) = d.Tag();
                    if (f == 1 && w == 0) value = d.Int64();
                    else if (f == 2 && w == 2) symbol = d.String();
                    else d.Skip(w);
                }
                dims.Add(new OnnxDim(value, symbol));
            }
            return dims;
        }

        private static string TypeName(int code) =>
            DataTypes.TryGetValue(code, out var n) ? n : OtherTypes.TryGetValue(code, out var o) ? o : $"onnx type {code}";

        /// <summary>
        /// A TensorProto as a lazily read model tensor. With <paramref name="required"/> false (attribute tensors), a
        /// tensor of a type InitLab does not hold (strings, complex, float8) gives null instead of an error.
        /// </summary>
        private ModelTensor? ReadTensor(ProtoReader r, bool required)
        {
            var dims = new List<long>();
            int dataType = 0;
            string name = "";
            (int Start, int Length)? raw = null;
            int location = 0;
            var external = new Dictionary<string, string>(StringComparer.Ordinal);
            var typed = new List<ulong>();
            var fixedRanges = new List<(int Start, int Length)>();
            int typedField = 0, dc = 0, tc = 0;
            while (!r.End)
            {
                var (field, wire) = r.Tag();
                switch (field)
                {
                    case 1: r.Repeated(wire, 0, v => dims.Add((long)v), MaxRank, ref dc); break;
                    case 2 when wire == 0: dataType = r.Int32(); break;
                    case 8 when wire == 2: name = r.String(); break;
                    case 9 when wire == 2: raw = r.Bytes(); break;
                    case 14 when wire == 0: location = r.Int32(); break;
                    case 3 when wire == 2: throw r.Corrupt($"tensor '{name}' is segmented, which InitLab does not read");
                    case 13 when wire == 2:
                        {
                            var b = r.Bytes();
                            var e = new ProtoReader(r.Slice(b), r.Offset + b.Start, _file);
                            string key = "", value = "";
                            while (!e.End)
                            {
                                var (f, w) = e.Tag();
                                if (f == 1 && w == 2) key = e.String();
                                else if (f == 2 && w == 2) value = e.String();
                                else e.Skip(w);
                            }
                            if (!external.TryAdd(key, value)) throw r.Corrupt($"tensor '{name}' has the external data key '{key}' twice");
                            break;
                        }
                    case 4 or 10 when wire == 2:
                        // Packed float_data / double_data are the little-endian element bytes already (CNTK and
                        // other old exporters write weights this way): keep the ranges, copy them when read.
                        if (typedField != 0 && typedField != field) throw r.Corrupt($"tensor '{name}' fills two typed data fields");
                        typedField = field;
                        var packedRange = r.Bytes();
                        if (packedRange.Length % (field == 4 ? 4 : 8) != 0) throw r.Corrupt($"tensor '{name}' has packed values of a partial element");
                        fixedRanges.Add((r.Offset + packedRange.Start, packedRange.Length));
                        tc += packedRange.Length / (field == 4 ? 4 : 8);
                        break;
                    case 4 or 5 or 7 or 10 or 11:
                        if (typedField != 0 && typedField != field) throw r.Corrupt($"tensor '{name}' fills two typed data fields");
                        typedField = field;
                        int scalarWire = field switch { 4 => 5, 10 => 1, _ => 0 };
                        r.Repeated(wire, scalarWire, typed.Add, int.MaxValue / 8, ref tc);
                        break;
                    case 6 when wire == 2: throw r.Corrupt($"tensor '{name}' holds strings, which InitLab does not read");
                    default: r.Skip(wire); break;
                }
            }
            var shape = dims.ToArray();
            if (shape.Any(d => d < 0)) throw r.Corrupt($"tensor '{name}' has a negative dimension");
            if (!DataTypes.TryGetValue(dataType, out var dtype))
            {
                if (!required) return null;
                throw r.Corrupt($"initializer '{name}' has element type {TypeName(dataType)}, which InitLab does not read (supported: {string.Join(", ", DataTypes.Values)})");
            }
            long count;
            try
            {
                count = ModelTensor.ElementCountOf(shape, "dims");
            }
            catch (ArgumentException)
            {
                throw r.Corrupt($"tensor '{name}' has dims ({string.Join(", ", shape)}) with too many elements");
            }
            int size = DTypes.SizeOf(dtype);
            long byteLength = count * size;
            if (location == 1)
            {
                if (raw is not null || typedField != 0) throw r.Corrupt($"tensor '{name}' has both external and inline data");
                return External(name, shape, dtype, external, byteLength, r);
            }
            if (raw is { } range)
            {
                if (typedField != 0) throw r.Corrupt($"tensor '{name}' has both raw_data and typed data");
                if (range.Length != byteLength)
                    throw r.Corrupt($"tensor '{name}' of dims ({string.Join(", ", shape)}) and type {dtype} needs {byteLength} bytes of raw_data, has {range.Length}");
                int start = r.Offset + range.Start, length = range.Length;
                var data = bytes;
                return new ModelTensor(name, shape, dtype, () => data.AsSpan(start, length).ToArray());
            }
            if (tc != count)
                throw r.Corrupt($"tensor '{name}' of dims ({string.Join(", ", shape)}) needs {count} values, its data field holds {tc}");
            int expectedField = dtype switch
            {
                DTypes.Float32 => 4,
                DTypes.Float64 => 10,
                DTypes.Int64 => 7,
                DTypes.UInt32 or DTypes.UInt64 => 11,
                _ => 5,
            };
            if (count > 0 && typedField != expectedField) throw r.Corrupt($"tensor '{name}' of type {dtype} stores its values in field {typedField}, not {expectedField}");
            if (fixedRanges.Count > 0)
            {
                if (typed.Count > 0) throw r.Corrupt($"tensor '{name}' mixes packed and unpacked values, which InitLab does not read");
                var data = bytes;
                return new ModelTensor(name, shape, dtype, () =>
                {
                    var result = new byte[byteLength];
                    int at = 0;
                    foreach (var (start, length) in fixedRanges)
                    {
                        data.AsSpan(start, length).CopyTo(result.AsSpan(at));
                        at += length;
                    }
                    return result;
                });
            }
            var packed = new byte[byteLength];
            for (int k = 0; k < typed.Count; k++)
            {
                var dst = packed.AsSpan(k * size, size);
                ulong v = typed[k];
                switch (size)
                {
                    case 8: BinaryPrimitives.WriteUInt64LittleEndian(dst, v); break;
                    case 4: BinaryPrimitives.WriteUInt32LittleEndian(dst, (uint)v); break;
                    case 2: BinaryPrimitives.WriteUInt16LittleEndian(dst, (ushort)v); break;
                    default: dst[0] = dtype == DTypes.Bool ? (byte)(v != 0 ? 1 : 0) : (byte)v; break;
                }
            }
            return new ModelTensor(name, shape, dtype, () => (byte[])packed.Clone());
        }

        private ModelTensor External(string name, long[] shape, string dtype, Dictionary<string, string> keys, long byteLength, ProtoReader r)
        {
            if (!keys.TryGetValue("location", out var location)) throw r.Corrupt($"tensor '{name}' is external but names no location");
            long offset = 0, length = byteLength;
            if (keys.TryGetValue("offset", out var o) && !long.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                throw r.Corrupt($"tensor '{name}' has external offset '{o}', not a non-negative integer");
            if (keys.TryGetValue("length", out var l) && (!long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out length) || length != byteLength))
                throw r.Corrupt($"tensor '{name}' has external length '{l}' where {byteLength} bytes are needed");
            var file = source.Sibling(location);
            if (offset > file.Length || length > file.Length - offset)
                throw new InvalidDataException($"'{_file}': tensor '{name}' reads {length} bytes at offset {offset} of '{location}', which has {file.Length} bytes.");
            return new ModelTensor(name, shape, dtype, () => file.ReadArray(offset, length));
        }
    }

    /// <summary>Layout and role of each initializer from the node that consumes it (the first such node wins).</summary>
    private static List<ModelTensor> AddHints(OnnxGraph graph, List<ModelTensor> initializers)
    {
        var byName = initializers.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var hints = new Dictionary<string, (TensorLayout Layout, ParameterRole? Role)>(StringComparer.Ordinal);
        var producers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
            foreach (var o in n.Outputs) producers.TryAdd(o, n.OpType);
        void Hint(OnnxNode n, int slot, TensorLayout layout, ParameterRole? role)
        {
            if (slot < n.Inputs.Count && byName.ContainsKey(n.Inputs[slot])) hints.TryAdd(n.Inputs[slot], (layout, role));
        }
        foreach (var n in graph.Nodes)
        {
            if (n.Domain is not ("" or "ai.onnx")) continue;
            switch (n.OpType)
            {
                case "Conv" or "ConvTranspose":
                    // ConvTranspose stores (in, out / groups, k..); PyTorch computes its fans from that shape as if it
                    // were (out, in, k..), so OutIn reproduces PyTorch's own initialization there too.
                    Hint(n, 1, TensorLayout.OutIn, ParameterRole.Weight);
                    Hint(n, 2, TensorLayout.Unknown, ParameterRole.Bias);
                    break;
                case "Gemm":
                    Hint(n, 1, n.Int("transB", 0) != 0 ? TensorLayout.OutIn : TensorLayout.InOut, ParameterRole.Weight);
                    Hint(n, 2, TensorLayout.Unknown, ParameterRole.Bias);
                    break;
                case "MatMul":
                    Hint(n, 1, TensorLayout.InOut, ParameterRole.Weight);
                    Hint(n, 0, TensorLayout.OutIn, ParameterRole.Weight);
                    break;
                case "Add":
                    for (int slot = 0; slot < 2 && n.Inputs.Count == 2; slot++)
                    {
                        if (producers.TryGetValue(n.Inputs[1 - slot], out var p) && p is "MatMul" or "Conv" or "Gemm" &&
                            byName.TryGetValue(n.Inputs[slot], out var b) && b.Shape.Count(d => d != 1) <= 1)
                            Hint(n, slot, TensorLayout.Unknown, ParameterRole.Bias);
                    }
                    break;
                case "BatchNormalization":
                    Hint(n, 1, TensorLayout.Unknown, ParameterRole.NormScale);
                    Hint(n, 2, TensorLayout.Unknown, ParameterRole.NormShift);
                    Hint(n, 3, TensorLayout.Unknown, ParameterRole.RunningMean);
                    Hint(n, 4, TensorLayout.Unknown, ParameterRole.RunningVariance);
                    break;
                case "LayerNormalization" or "InstanceNormalization" or "GroupNormalization" or "SkipLayerNormalization":
                    Hint(n, 1, TensorLayout.Unknown, ParameterRole.NormScale);
                    Hint(n, 2, TensorLayout.Unknown, ParameterRole.NormShift);
                    break;
                case "Gather":
                    if (n.Inputs.Count > 0 && byName.TryGetValue(n.Inputs[0], out var table) && table.Shape.Count == 2 && DTypes.IsFloatingPoint(table.DType))
                        Hint(n, 0, TensorLayout.Unknown, ParameterRole.Embedding);
                    break;
                case "LSTM" or "GRU" or "RNN":
                    // (directions, gates * hidden, in): fans per direction, which no two-axis layout expresses.
                    Hint(n, 1, TensorLayout.Unknown, ParameterRole.Weight);
                    Hint(n, 2, TensorLayout.Unknown, ParameterRole.Weight);
                    Hint(n, 3, TensorLayout.Unknown, ParameterRole.Bias);
                    break;
            }
        }
        return initializers.Select(t =>
        {
            var (layout, role) = hints.TryGetValue(t.Name, out var h) ? h
                : DTypes.IsFloatingPoint(t.DType) ? (TensorLayout.Unknown, (ParameterRole?)null) : (TensorLayout.Unknown, ParameterRole.Other);
            return t.WithHints(layout, role);
        }).ToList();
    }
}
