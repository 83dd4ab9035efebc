namespace InitLab.Formats;

/// <summary>The format names <see cref="ModelFile.Format"/> takes.</summary>
public static class ModelFormats
{
    /// <summary>ONNX ModelProto (.onnx), with external data files.</summary>
    public const string Onnx = "onnx";
    /// <summary>safetensors (.safetensors) or a sharded checkpoint (*.safetensors.index.json).</summary>
    public const string Safetensors = "safetensors";
    /// <summary>A torch.save zip checkpoint (.pt, .pth, .bin) holding a state_dict.</summary>
    public const string PyTorch = "pytorch";
    /// <summary>A NumPy .npz archive (zip of .npy).</summary>
    public const string Npz = "npz";
    /// <summary>A single NumPy .npy array.</summary>
    public const string Npy = "npy";
    /// <summary>A TensorFlow.js model.json with its binary weight shards.</summary>
    public const string TfJs = "tfjs";

    /// <summary>Every format name.</summary>
    public static IReadOnlyList<string> All { get; } = [Onnx, Safetensors, PyTorch, Npz, Npy, TfJs];
}
