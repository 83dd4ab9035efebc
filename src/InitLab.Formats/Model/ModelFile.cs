using InitLab.Formats.Onnx;

namespace InitLab.Formats;

/// <summary>
/// A model file as every reader returns it: the format's name and the file's tensors in the file's own order (the
/// order of a state_dict, of an ONNX graph's initializers, of a shard index's weight map, of a TF.js manifest).
/// ONNX files also carry their graph.
/// </summary>
public sealed class ModelFile
{
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates a model from tensors with distinct names.</summary>
    /// <exception cref="ArgumentException">Two tensors share a name.</exception>
    public ModelFile(string format, string path, IEnumerable<ModelTensor> tensors, OnnxGraph? graph = null)
        : this(format, path, tensors, graph, onnxSource: null)
    {
    }

    internal ModelFile(string format, string path, IEnumerable<ModelTensor> tensors, OnnxGraph? graph, OnnxSource? onnxSource)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        Format = format;
        Path = path;
        Tensors = tensors.ToArray();
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Tensors.Count; i++)
        {
            if (!_index.TryAdd(Tensors[i].Name, i))
                throw new ArgumentException($"{format} model '{path}' has two tensors named '{Tensors[i].Name}'.", nameof(tensors));
        }
        Graph = graph;
        OnnxSource = onnxSource;
    }

    /// <summary>One of <see cref="ModelFormats"/>: onnx, safetensors, pytorch, npz, npy, tfjs.</summary>
    public string Format { get; }

    /// <summary>The path the model was read from (for a sharded or TF.js model: its index or model.json).</summary>
    public string Path { get; }

    /// <summary>The tensors in the file's order.</summary>
    public IReadOnlyList<ModelTensor> Tensors { get; }

    /// <summary>The ONNX graph (nodes, inputs, outputs, shapes), or null for formats without one.</summary>
    public OnnxGraph? Graph { get; }

    /// <summary>The original ONNX bytes, kept so that a writer can emit the same graph with new initializers.</summary>
    internal OnnxSource? OnnxSource { get; }

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public ModelTensor? Find(string name) => _index.TryGetValue(name, out int i) ? Tensors[i] : null;

    /// <summary>
    /// The same model with some tensors replaced by name (order, format, path and graph kept). Each replacement must
    /// name an existing tensor and have its shape.
    /// </summary>
    /// <exception cref="ArgumentException">A replacement names no tensor of the model, or changes its shape.</exception>
    public ModelFile WithTensors(IEnumerable<ModelTensor> replacements)
    {
        ArgumentNullException.ThrowIfNull(replacements);
        var tensors = Tensors.ToArray();
        foreach (var r in replacements)
        {
            if (!_index.TryGetValue(r.Name, out int i))
                throw new ArgumentException($"model '{Path}' has no tensor named '{r.Name}'.", nameof(replacements));
            if (!tensors[i].Shape.SequenceEqual(r.Shape))
                throw new ArgumentException($"tensor '{r.Name}' has shape ({string.Join(", ", tensors[i].Shape)}); the replacement has ({string.Join(", ", r.Shape)}).", nameof(replacements));
            tensors[i] = r;
        }
        return new ModelFile(Format, Path, tensors, Graph, OnnxSource);
    }

    /// <summary>"format path (n tensors)".</summary>
    public override string ToString() => $"{Format} {Path} ({Tensors.Count} tensors)";
}
