using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Inspection;

/// <summary>What a file says about one tensor: its name and shape, and the role, layout and owning weight its format's graph states (null: not stated).</summary>
/// <param name="Name">The tensor's name in the file.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Role">The role the file's structure states, or null.</param>
/// <param name="Layout">The layout the file's structure states, or null.</param>
/// <param name="WeightName">For a bias: the weight of the same layer, when the file's graph says (an ONNX Gemm or Conv node), or null.</param>
public sealed record ParameterHint(string Name, Shape Shape, ParameterRole? Role = null, FanLayout? Layout = null, string? WeightName = null);

/// <summary>A tensor with everything inspection and re-initialization need.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Role">Its role.</param>
/// <param name="Layout">The layout its fans are read in.</param>
/// <param name="LayerFans">The fans of its layer: its own for a weight of rank &gt;= 2, its weight's for a bias (null when unknown).</param>
/// <param name="RoleSource">Where the role came from: "file" (the format's graph), "name" (naming conventions) or "shape" (rank alone).</param>
public sealed record ResolvedParameter(string Name, Shape Shape, ParameterRole Role, FanLayout Layout, Fans? LayerFans, string RoleSource);

/// <summary>
/// The naming conventions of PyTorch state_dicts, Keras/TF.js weights and Hugging Face checkpoints, for files whose
/// structure does not say what a tensor is (a state_dict, a safetensors or .npz file):
/// <list type="bullet">
/// <item>the last name segment (after '.', '/' or ':'; TF's ":0" suffix dropped) decides: <c>weight</c>, <c>kernel</c>,
/// <c>*_weight</c>, <c>weight_*</c> (LSTM <c>weight_ih_l0</c>) are weights, <c>bias</c>, <c>*_bias</c>, <c>bias_*</c>,
/// <c>biases</c> biases, <c>gamma</c> and <c>scale</c> (rank 1) normalization scales, <c>beta</c> shifts,
/// <c>running_mean</c>/<c>moving_mean</c> and <c>running_var</c>/<c>moving_variance</c> running statistics,
/// <c>num_batches_tracked</c> other;</item>
/// <item>a rank-1 weight is a normalization scale (PyTorch's BatchNorm, LayerNorm and GroupNorm call their gamma
/// "weight"), and the bias beside it a shift;</item>
/// <item>a rank-2 weight whose path names an embedding (<c>embed</c>, <c>wte</c>, <c>wpe</c>) is an embedding table;</item>
/// <item>a bias belongs to the weight of the same layer: the name with its last "bias" replaced by "weight" or "kernel".</item>
/// </list>
/// Roles and layouts the file states always win; names fill the gaps, and the rank the rest (rank &gt;= 2: weight).
/// Layout: the file's, else keras for a Keras <c>kernel</c>, else the default (torch for PyTorch-style files).
/// </summary>
public static class ParameterNaming
{
    /// <summary>The role a name implies for a tensor of rank <paramref name="rank"/>, or null when the name says nothing.</summary>
    public static ParameterRole? RoleFromName(string name, int rank)
    {
        ArgumentNullException.ThrowIfNull(name);
        string last = LastSegment(name);
        string path = name.ToLowerInvariant();
        switch (last)
        {
            case "running_mean" or "moving_mean": return ParameterRole.RunningMean;
            case "running_var" or "moving_variance" or "running_variance": return ParameterRole.RunningVariance;
            case "num_batches_tracked": return ParameterRole.Other;
            case "gamma": return ParameterRole.NormScale;
            case "beta": return ParameterRole.NormShift;
            case "scale" when rank == 1: return ParameterRole.NormScale;
            case "embeddings" or "embedding" when rank == 2: return ParameterRole.Embedding;
        }
        if (IsBiasName(last)) return ParameterRole.Bias;
        if (IsWeightName(last))
        {
            if (rank == 1) return ParameterRole.NormScale;
            if (rank == 2 && (path.Contains("embed", StringComparison.Ordinal) || Segments(path).Any(s => s is "wte" or "wpe")))
                return ParameterRole.Embedding;
            return rank >= 2 ? ParameterRole.Weight : null;
        }
        return null;
    }

    /// <summary>
    /// Resolves every tensor's role, layout and layer fans (see the type). Tensors of rank &lt; 2 have no fans of their
    /// own; a bias gets the fans of its weight when that weight is found and has rank &gt;= 2.
    /// </summary>
    /// <exception cref="ArgumentException">Two hints share a name.</exception>
    public static IReadOnlyList<ResolvedParameter> Resolve(IReadOnlyList<ParameterHint> hints, FanLayout defaultLayout = FanLayout.Torch)
    {
        ArgumentNullException.ThrowIfNull(hints);
        var byName = new Dictionary<string, ParameterHint>(StringComparer.Ordinal);
        foreach (var h in hints)
            if (!byName.TryAdd(h.Name, h)) throw new ArgumentException($"two tensors are named '{h.Name}'.", nameof(hints));

        // Pass 1: roles and layouts of every tensor on its own.
        var role = new Dictionary<string, (ParameterRole Role, string Source)>(StringComparer.Ordinal);
        var layout = new Dictionary<string, FanLayout>(StringComparer.Ordinal);
        foreach (var h in hints)
        {
            role[h.Name] = h.Role is { } r ? (r, "file")
                : RoleFromName(h.Name, h.Shape.Rank) is { } n ? (n, "name")
                : (h.Shape.Rank >= 2 ? ParameterRole.Weight : ParameterRole.Other, "shape");
            layout[h.Name] = h.Layout ?? (LastSegment(h.Name) == "kernel" ? FanLayout.Keras : defaultLayout);
        }

        // Pass 2: biases find their weights; a named bias beside a rank-1 "weight" is a normalization shift.
        var result = new List<ResolvedParameter>(hints.Count);
        foreach (var h in hints)
        {
            var (r, source) = role[h.Name];
            Fans? fans = h.Shape.Rank >= 2 && h.Shape.Size > 0 ? Fans.Of(h.Shape, layout[h.Name]) : null;
            if (r == ParameterRole.Bias)
            {
                string? weight = h.WeightName is { } w && byName.ContainsKey(w) ? w : WeightOf(h.Name, byName);
                if (weight is not null)
                {
                    var wh = byName[weight];
                    if (source != "file" && role[weight].Role == ParameterRole.NormScale) r = ParameterRole.NormShift;
                    else if (wh.Shape.Rank >= 2 && wh.Shape.Size > 0) fans = Fans.Of(wh.Shape, layout[weight]);
                }
            }
            result.Add(new ResolvedParameter(h.Name, h.Shape, r, layout[h.Name], fans, source));
        }
        return result;
    }

    /// <summary>The weight beside a bias: its name with the last "bias" replaced by "weight" or "kernel" (or "beta" by "gamma").</summary>
    private static string? WeightOf(string bias, Dictionary<string, ParameterHint> byName)
    {
        foreach (var (from, to) in new[] { ("bias", "weight"), ("bias", "kernel"), ("beta", "gamma") })
        {
            int at = bias.LastIndexOf(from, StringComparison.Ordinal);
            if (at < 0) continue;
            string candidate = string.Concat(bias.AsSpan(0, at), to, bias.AsSpan(at + from.Length));
            if (byName.ContainsKey(candidate)) return candidate;
        }
        return null;
    }

    private static bool IsBiasName(string last) =>
        last is "bias" or "biases" || last.EndsWith("_bias", StringComparison.Ordinal) || last.StartsWith("bias_", StringComparison.Ordinal);

    private static bool IsWeightName(string last) =>
        last is "weight" or "kernel" or "weights" || last.EndsWith("_weight", StringComparison.Ordinal) || last.StartsWith("weight_", StringComparison.Ordinal);

    private static string[] Segments(string name) => name.Split(['.', '/', ':'], StringSplitOptions.RemoveEmptyEntries);

    private static string LastSegment(string name)
    {
        string lower = name.ToLowerInvariant();
        if (lower.EndsWith(":0", StringComparison.Ordinal)) lower = lower[..^2];
        var parts = Segments(lower);
        return parts.Length == 0 ? lower : parts[^1];
    }
}
