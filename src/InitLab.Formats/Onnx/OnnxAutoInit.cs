using InitLab.Networks;

namespace InitLab.Formats.Onnx;

/// <summary>An ONNX model initialized by <see cref="AutoInit"/>: the import, AutoInit's result and the model's new initializers.</summary>
/// <param name="Import">The model imported as a graph (<see cref="OnnxGraphImport.Import(ModelFile, Func{string, string}?)"/>).</param>
/// <param name="AutoInit">AutoInit's chosen scales on the imported graph.</param>
/// <param name="Tensors">The model's initializers with AutoInit's weights, in the model's own names and layouts.</param>
public sealed record OnnxAutoInitResult(OnnxImport Import, AutoInitResult AutoInit, IReadOnlyList<ModelTensor> Tensors);

/// <summary>
/// Automatic initialization of a real ONNX model: the model imported as a graph, <see cref="AutoInit.Run"/> on it (every weighted
/// layer's weights N(0, s^2) with s chosen so the moment engine predicts the target std, biases 0), the weights drawn from the seed
/// (<see cref="NetworkParameters{T}.Draw"/>, parameter k from stream k) and written back into the model's initializers.
/// </summary>
public static class OnnxAutoInit
{
    /// <summary>Imports <paramref name="model"/>, runs AutoInit and draws its weights with <paramref name="seed"/>.</summary>
    /// <exception cref="ArgumentException">A node the import cannot map, or a graph AutoInit refuses (shared weights); the message names it.</exception>
    public static OnnxAutoInitResult Run(ModelFile model, AutoInitOptions options, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var import = OnnxGraphImport.Import(model);
        var result = InitLab.Networks.AutoInit.Run(import.Graph, options);
        return new OnnxAutoInitResult(import, result, WriteBack(model, import, result.Graph, seed));
    }

    /// <summary>
    /// The initializers of <paramref name="model"/> holding the parameters of <paramref name="initialized"/> (the imported graph with new
    /// schemes, same parameter names) drawn with <paramref name="seed"/>, mapped back to the model's names and layouts.
    /// </summary>
    public static IReadOnlyList<ModelTensor> WriteBack(ModelFile model, OnnxImport import, Graph initialized, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(import);
        ArgumentNullException.ThrowIfNull(initialized);
        var values = NetworkParameters<float>.Draw(initialized, seed);
        var mapped = NetworkParameters<float>.From(import.Graph,
            import.Graph.Parameters.ToDictionary(p => p.FullName, p => values[p.FullName], StringComparer.Ordinal));
        return import.WriteBack(model, mapped);
    }
}
