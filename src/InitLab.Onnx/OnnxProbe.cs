using InitLab.Activations;
using InitLab.Formats;
using InitLab.Formats.Onnx;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Propagation;
using InitLab.Random;
using InitLab.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace InitLab.Onnx;

/// <summary>Options of <see cref="OnnxProbe.Run"/>.</summary>
public sealed record ProbeOptions
{
    /// <summary>Re-initialize the model with this scheme (weights by scheme with fans from their layout, biases 0, norm scales 1, shifts 0, running statistics 0 and 1); null keeps the model's own weights.</summary>
    public Initializer? Scheme { get; init; }

    /// <summary>The seed of the Gaussian input and of the re-initialization.</summary>
    public ulong Seed { get; init; }

    /// <summary>The batch size of the Gaussian input (the first input dimension; a fixed export batch size is freed).</summary>
    public int Batch { get; init; } = 4;

    /// <summary>A fixed input (e.g. from a .npy file) instead of the Gaussian; its shape must match the model's input.</summary>
    public ModelTensor? Input { get; init; }

    /// <summary>Threads ONNX Runtime may use inside an op (0 = its default).</summary>
    public int Threads { get; init; }

    /// <summary>Keep every float value ONNX Runtime computed (<see cref="ProbeTrace.Values"/>), for a comparison.</summary>
    public bool KeepValues { get; init; }
}

/// <summary>
/// Runs a real ONNX model with ONNX Runtime and measures every intermediate value: the model is rewritten in memory
/// with every node output as a graph output, its initializers are kept or replaced in memory
/// (<c>SessionOptions.AddInitializer</c>) by a scheme's draws, and the input is a .npy batch or N(0, 1) of the input's
/// shape. Graph optimizations are off, so each value is the node's own output.
/// </summary>
public static class OnnxProbe
{
    /// <summary>Weighted layers, the depth the diagnosis counts.</summary>
    public static IReadOnlySet<string> WeightedOps { get; } = new HashSet<string> { "Conv", "ConvTranspose", "Gemm", "MatMul" };

    private static readonly Dictionary<string, string> ActivationOps = new()
    {
        ["Relu"] = "relu", ["LeakyRelu"] = "leaky_relu", ["Tanh"] = "tanh", ["Sigmoid"] = "sigmoid", ["Elu"] = "elu",
        ["Selu"] = "selu", ["Softplus"] = "softplus", ["Gelu"] = "gelu", ["Mish"] = "mish",
    };

    /// <summary>Probes <paramref name="model"/> (read from an ONNX file).</summary>
    /// <exception cref="ArgumentException">The model is not ONNX, the options are invalid, or the input does not fit the model (the message says how).</exception>
    /// <exception cref="InvalidDataException">ONNX Runtime cannot load or run the model (an op it does not implement, a malformed graph).</exception>
    public static ProbeTrace Run(ModelFile model, ProbeOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var graph = model.Graph ?? throw new ArgumentException($"'{model.Path}' is a {model.Format} file; probe runs ONNX models.", nameof(model));
        if (options.Batch < 1) throw new ArgumentException($"batch must be >= 1, got {options.Batch}.", nameof(options));
        if (options.Threads < 0) throw new ArgumentException($"threads must be >= 0, got {options.Threads}.", nameof(options));

        var inputInfo = graph.DataInputs.Count == 1 ? graph.DataInputs[0]
            : throw new ArgumentException($"'{model.Path}' has {graph.DataInputs.Count} inputs ({string.Join(", ", graph.DataInputs.Select(i => i.Name))}); probe feeds models with one input.", nameof(model));
        var (inputShape, inputData, inputType, source) = PrepareInput(model.Path, inputInfo, options);

        var replaced = new List<ModelTensor>();
        if (options.Scheme is { } scheme)
        {
            var (reinit, changes) = ModelReinit.Apply(model, scheme, options.Seed);
            // Only the graph's initializers can be replaced in a session (Constant values and subgraph initializers cannot).
            var names = changes.Where(c => c.Action != "kept" && graph.InitializerNames.Contains(c.Name)).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
            replaced.AddRange(reinit.Tensors.Where(t => names.Contains(t.Name)));
        }

        var graphOutputs = graph.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var nodeOutputs = graph.Nodes.Where(n => n.Outputs.Count > 0 && n.Outputs[0].Length > 0).ToList();
        var extra = nodeOutputs.Select(n => n.Outputs[0]).Where(o => !graphOutputs.Contains(o)).Distinct().ToList();
        // A fixed export batch size other than the probe's: free the first input dimension (OnnxWriter drops the stale shapes).
        bool freeBatch = inputInfo.Shape![0].Value is long fixedBatch && fixedBatch != inputShape[0];
        var bytes = OnnxFormat.ToBytes(model, extra, freeBatch ? inputInfo : null);

        var keep = new List<IDisposable>();
        try
        {
            using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            if (options.Threads > 0) sessionOptions.IntraOpNumThreads = options.Threads;
            foreach (var t in replaced)
            {
                var value = t.DType == DTypes.Float64
                    ? OrtValue.CreateTensorValueFromMemory(t.ReadDoubles(), t.Shape.ToArray())
                    : OrtValue.CreateTensorValueFromMemory(t.ReadSingles(), t.Shape.ToArray());
                keep.Add(value);
                sessionOptions.AddInitializer(t.Name, value);
            }
            using var session = Create(bytes, sessionOptions, model.Path);
            using var input = inputType == DTypes.Int64
                ? OrtValue.CreateTensorValueFromMemory(inputData.ReadBytesAs<long>(), inputShape)
                : inputType == DTypes.Int32 ? OrtValue.CreateTensorValueFromMemory(inputData.ReadBytesAs<int>(), inputShape)
                : OrtValue.CreateTensorValueFromMemory(inputData.ReadSingles(), inputShape);
            var wanted = nodeOutputs.Select(n => n.Outputs[0]).Distinct().ToList();
            using var runOptions = new RunOptions();
            IDisposableReadOnlyCollection<OrtValue> results;
            try
            {
                results = session.Run(runOptions, new Dictionary<string, OrtValue> { [inputInfo.Name] = input }, wanted);
            }
            catch (OnnxRuntimeException e)
            {
                throw new InvalidDataException($"ONNX Runtime cannot run '{model.Path}': {FirstLine(e.Message)}", e);
            }
            using (results)
            {
                var byOutput = wanted.Zip(results).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
                var nodes = new List<NodeTrace>();
                var outputs = new List<string>();
                var values = options.KeepValues ? new Dictionary<string, float[]>(StringComparer.Ordinal) : null;
                foreach (var n in nodeOutputs)
                {
                    var value = byOutput[n.Outputs[0]];
                    if (value.OnnxType != OnnxValueType.ONNX_TYPE_TENSOR) continue;
                    var info = value.GetTensorTypeAndShape();
                    if (info.ElementDataType != TensorElementType.Float) continue;
                    string name = n.Name.Length > 0 ? n.Name : n.Outputs[0];
                    var data = value.GetTensorDataAsSpan<float>();
                    nodes.Add(Measure(name, n.OpType, info.Shape, data));
                    outputs.Add(n.Outputs[0]);
                    if (values is not null) values[n.Outputs[0]] = data.ToArray();
                }
                var inputValues = inputType == DTypes.Float32 ? inputData.ReadSingles() : Array.ConvertAll(inputData.ReadDoubles(), v => (float)v);
                var inputNode = Measure(inputInfo.Name, "input", inputShape, inputValues);
                return Diagnose(model, graph, options, source, (int)inputShape[0], inputNode, nodes, replaced.Select(t => t.Name).ToList()) with
                {
                    Values = values,
                    InputValues = options.KeepValues ? inputValues : null,
                    InputName = inputInfo.Name,
                    Outputs = outputs,
                };
            }
        }
        finally
        {
            foreach (var d in keep) d.Dispose();
        }
    }

    private static InferenceSession Create(byte[] bytes, SessionOptions options, string path)
    {
        try
        {
            return new InferenceSession(bytes, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"ONNX Runtime cannot load '{path}': {FirstLine(e.Message)}", e);
        }
    }

    private static string FirstLine(string s)
    {
        int nl = s.IndexOfAny(['\r', '\n']);
        return (nl < 0 ? s : s[..nl]).Trim();
    }

    /// <summary>The input's shape (symbolic first dimension = batch), its data and its element type.</summary>
    private static (long[] Shape, ModelTensor Data, string DType, string Source) PrepareInput(string path, OnnxValueInfo info, ProbeOptions options)
    {
        if (info.Shape is null) throw new ArgumentException($"input '{info.Name}' of '{path}' has no declared shape; probe needs one.", nameof(options));
        if (options.Input is { } given)
        {
            var declared = info.Shape;
            // The first dimension is the batch: any size fits (the probe frees a fixed export batch size).
            bool fits = given.Shape.Count == declared.Count && given.Shape.Count > 0 && given.Shape[0] > 0 &&
                declared.Zip(given.Shape).Skip(1).All(p => p.First.Value is not long v || v == p.Second);
            if (!fits)
                throw new ArgumentException($"the input has shape ({string.Join(", ", given.Shape)}) but '{path}' expects '{info.Name}' of shape ({string.Join(", ", declared)}).", nameof(options));
            string type = info.ElementType ?? DTypes.Float32;
            if (type is not (DTypes.Float32 or DTypes.Int64 or DTypes.Int32))
                throw new ArgumentException($"input '{info.Name}' is {type}; probe feeds float32, int64 and int32 inputs.", nameof(options));
            if (DTypes.IsFloatingPoint(type) != DTypes.IsFloatingPoint(given.DType))
                throw new ArgumentException($"the input is {given.DType} but '{info.Name}' is {type}.", nameof(options));
            var data = type == given.DType || type == DTypes.Float32 ? given : ConvertIntegers(given, type);
            return (given.Shape.ToArray(), data, type, "file");
        }
        if (info.ElementType is not (null or DTypes.Float32))
            throw new ArgumentException($"input '{info.Name}' is {info.ElementType}; a Gaussian input needs float32 (pass --input FILE.npy).", nameof(options));
        var shape = new long[info.Shape.Count];
        if (shape.Length == 0) throw new ArgumentException($"input '{info.Name}' is a scalar; probe needs a batch dimension.", nameof(options));
        shape[0] = options.Batch;
        for (int i = 1; i < shape.Length; i++)
        {
            var d = info.Shape[i];
            shape[i] = d.Value is long v && v > 0 ? v
                : throw new ArgumentException($"dimension {i} of input '{info.Name}' is '{d}', not a number; pass --input FILE.npy.", nameof(options));
        }
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count > 1L << 28) throw new ArgumentException($"the input ({string.Join(", ", shape)}) has {count} elements; lower --batch.", nameof(options));
        var x = new float[count];
        new Generator(options.Seed, OnnxGraphImport.InputStream).Normal(x, threads: 1);
        return (shape, ModelTensor.FromSingles(info.Name, shape, x), DTypes.Float32, "gaussian");
    }

    private static ModelTensor ConvertIntegers(ModelTensor t, string type)
    {
        var v = t.ReadDoubles();
        return type == DTypes.Int64
            ? ModelTensor.FromBytes(t.Name, t.Shape, type, System.Runtime.InteropServices.MemoryMarshal.AsBytes(Array.ConvertAll(v, d => (long)d).AsSpan()))
            : ModelTensor.FromBytes(t.Name, t.Shape, type, System.Runtime.InteropServices.MemoryMarshal.AsBytes(Array.ConvertAll(v, d => (int)d).AsSpan()));
    }

    private static T[] ReadBytesAs<T>(this ModelTensor t) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(t.ReadBytes()).ToArray();

    /// <summary>The lab's per-node statistics of one value (the graph engine's <see cref="NodeTrace"/>; the shape without the batch).</summary>
    private static NodeTrace Measure(string name, string op, IReadOnlyList<long> shape, ReadOnlySpan<float> y)
    {
        var s = Stats.Of(y);
        double? correlation = null;
        if (shape.Count > 0 && shape[0] >= 2 && y.Length > 0)
        {
            int per = (int)(y.Length / shape[0]);
            correlation = Correlation(y[..per], y.Slice(per, per));
        }
        var dims = shape.Count == 0 ? [] : shape.Skip(1).Select(d => (int)d).ToArray();
        return new NodeTrace(name, op, new Shape(dims), null, s.Mean, s.Std, s.MeanSquare, s.Min, s.Max, s.ZeroFraction, s.NaNCount + s.InfCount,
            correlation, [], Histogram: MagnitudeHistogram.Of(y));
    }

    // q12 / sqrt(q11 q22) with q = mean of products (uncentered, as mean-field theory's c).
    private static double? Correlation(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double q11 = 0, q22 = 0, q12 = 0;
        for (int i = 0; i < a.Length; i++)
        {
            q11 += (double)a[i] * a[i];
            q22 += (double)b[i] * b[i];
            q12 += (double)a[i] * b[i];
        }
        double denominator = Math.Sqrt(q11 * q22);
        return denominator > 0 && double.IsFinite(denominator) ? q12 / denominator : null;
    }

    private static ProbeTrace Diagnose(ModelFile model, OnnxGraph graph, ProbeOptions options, string source, int batch, NodeTrace input,
        List<NodeTrace> nodes, List<string> replaced)
    {
        string? firstNonFinite = nodes.FirstOrDefault(n => n.NonFinite > 0)?.Name;
        var weighted = nodes.Where(n => WeightedOps.Contains(n.Op)).ToList();
        var stds = new List<double> { input.Std };
        stds.AddRange(weighted.Select(n => n.Std));
        int? firstNonFiniteLayer = null;
        for (int k = 0; k < weighted.Count; k++)
            if (weighted[k].NonFinite > 0) { firstNonFiniteLayer = k + 1; break; }
        var activation = MostFrequentActivation(graph);
        var diagnosis = Diagnoser.Diagnose(stds, firstNonFiniteLayer ?? (firstNonFinite is null ? null : weighted.Count), activation, Math.Max(weighted.Count, 1),
            [Math.Max(Math.Abs(input.Min), Math.Abs(input.Max)), .. weighted.Select(n => Math.Max(Math.Abs(n.Min), Math.Abs(n.Max)))]);
        string? worst = null;
        double worstDistance = -1;
        foreach (var n in nodes)
        {
            if (!(n.Std > 0) || !double.IsFinite(n.Std) || !(input.Std > 0)) continue;
            double distance = Math.Abs(Math.Log10(n.Std / input.Std));
            if (distance > worstDistance) { worstDistance = distance; worst = n.Name; }
        }
        worst = firstNonFinite ?? worst;
        diagnosis = diagnosis with { Advice = Advice(diagnosis, graph, options.Scheme) };
        string weights = options.Scheme?.Name ?? "trained";
        return new ProbeTrace(model.Path, weights, options.Seed, batch, source, input, nodes, firstNonFinite,
            weighted.Select(n => n.Name).ToList(), diagnosis, worst, replaced);
    }

    /// <summary>
    /// The lab's advice, adapted to a real graph: residual additions (Add of two computed values) each add their
    /// branch's variance, which no per-layer scheme undoes; a scheme that is already the recommended one is not
    /// recommended again.
    /// </summary>
    private static string Advice(Diagnosis diagnosis, OnnxGraph graph, Initializer? scheme)
    {
        if (diagnosis.Verdict == Verdict.Stable) return "";
        var initializers = graph.InitializerNames.ToHashSet(StringComparer.Ordinal);
        int residual = graph.Nodes.Count(n => n.OpType == "Add" && n.Inputs.Count == 2 && n.Inputs.All(i => !initializers.Contains(i)));
        string advice = diagnosis.Advice;
        if (residual > 0 && diagnosis.Verdict == Verdict.Exploding)
        {
            string rate = advice.Split(';')[0];
            return $"{rate}; the graph has {residual} residual additions, each adding its branch's variance to the stream" +
                (scheme is null ? "" : $" ({scheme.Name} keeps each branch's variance, so the sum grows)") +
                ": zero-initialize the last norm scale of each branch (PyTorch's zero_init_residual) or scale each branch by 1/sqrt(blocks) (Fixup, SkipInit)";
        }
        return advice;
    }

    private static Activation MostFrequentActivation(OnnxGraph graph)
    {
        var best = graph.Nodes.Where(n => ActivationOps.ContainsKey(n.OpType)).GroupBy(n => n.OpType)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault();
        return best is null ? Activation.Identity : ActivationRegistry.Parse(ActivationOps[best.Key]);
    }
}
