using InitLab.Formats;
using InitLab.Formats.Onnx;
using InitLab.Initializers;
using InitLab.Inspection;
using InitLab.Tensors;

namespace InitLab.Cli;

/// <summary>
/// Between a model file (<see cref="ModelFile"/>, from the formats project) and the library's parameter resolution
/// (<see cref="ParameterNaming"/>): the file's role and layout hints, the ONNX graph's bias-to-weight links, the
/// default layout of files that state none, and each dtype's unit roundoff.
/// </summary>
internal static class ModelParameters
{
    /// <summary>The layout of tensors whose file does not state one: the user's, else keras for TF.js and torch for every other format.</summary>
    public static FanLayout DefaultLayout(ModelFile model, string? layout) =>
        layout is not null ? Names.ParseLayout(layout) : model.Format == ModelFormats.TfJs ? FanLayout.Keras : FanLayout.Torch;

    /// <summary>Every tensor of the model, resolved (roles from the file, else names, else rank).</summary>
    /// <exception cref="InvalidDataException">A tensor is larger than one array can hold.</exception>
    public static IReadOnlyList<ResolvedParameter> Resolve(ModelFile model, FanLayout defaultLayout)
    {
        var weights = BiasWeights(model);
        var hints = model.Tensors.Select(t => new ParameterHint(t.Name, ShapeOf(t), t.Role, LayoutOf(t.Layout),
            weights.GetValueOrDefault(t.Name))).ToList();
        return ParameterNaming.Resolve(hints, defaultLayout);
    }

    /// <summary>The tensor's shape as an InitLab shape.</summary>
    /// <exception cref="InvalidDataException">The tensor is larger than one array can hold.</exception>
    public static Shape ShapeOf(ModelTensor t)
    {
        try
        {
            return t.ToShape();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidDataException(e.Message);
        }
    }

    /// <summary>The elements and unit roundoff of a tensor (null roundoff for integer and boolean dtypes).</summary>
    public static TensorData Read(ModelTensor t)
    {
        double? u = t.DType switch
        {
            DTypes.Float64 => Math.Pow(2, -53),
            DTypes.Float32 => Math.Pow(2, -24),
            DTypes.Float16 => Math.Pow(2, -11),
            DTypes.BFloat16 => Math.Pow(2, -8),
            _ => null,
        };
        return new TensorData(t.ReadDoubles(), u);
    }

    /// <summary>The file's layout (null: the file does not say).</summary>
    public static FanLayout? LayoutOf(TensorLayout layout) => layout switch
    {
        TensorLayout.OutIn => FanLayout.Torch,
        TensorLayout.InOut => FanLayout.Keras,
        _ => null,
    };

    /// <summary>The library's layout in the formats project's terms.</summary>
    public static TensorLayout LayoutOf(FanLayout layout) => layout == FanLayout.Keras ? TensorLayout.InOut : TensorLayout.OutIn;

    /// <summary>
    /// For ONNX graphs: bias initializer -> weight initializer of the same layer. Gemm, Conv and ConvTranspose hold both
    /// (inputs 2 and 1); an Add of an initializer to the output of a MatMul, Gemm or Conv takes that node's weight.
    /// </summary>
    private static Dictionary<string, string> BiasWeights(ModelFile model)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (model.Graph is not { } graph) return result;
        var initializers = new HashSet<string>(model.Tensors.Select(t => t.Name), StringComparer.Ordinal);
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
            foreach (var o in n.Outputs) producers.TryAdd(o, n);
        string? WeightOf(OnnxNode n) => n.OpType switch
        {
            "Gemm" or "Conv" or "ConvTranspose" when n.Inputs.Count > 1 && initializers.Contains(n.Inputs[1]) => n.Inputs[1],
            "MatMul" => n.Inputs.FirstOrDefault(initializers.Contains),
            _ => null,
        };
        foreach (var n in graph.Nodes)
        {
            if (n.OpType is "Gemm" or "Conv" or "ConvTranspose" && n.Inputs.Count > 2 && initializers.Contains(n.Inputs[2]) && WeightOf(n) is { } w)
                result.TryAdd(n.Inputs[2], w);
            if (n.OpType == "Add" && n.Inputs.Count == 2)
                for (int slot = 0; slot < 2; slot++)
                    if (initializers.Contains(n.Inputs[slot]) && producers.TryGetValue(n.Inputs[1 - slot], out var p) && WeightOf(p) is { } pw)
                        result.TryAdd(n.Inputs[slot], pw);
        }
        return result;
    }
}
