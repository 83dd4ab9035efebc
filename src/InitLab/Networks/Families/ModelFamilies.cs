namespace InitLab.Networks.Families;

/// <summary>
/// The families of design.md by name: <c>mlp</c>, <c>cnn</c>, <c>resnet</c>, <c>transformer</c>. A model string is
/// <c>FAMILY</c> or <c>FAMILY:key=value,key=value</c>; missing keys take their defaults.
/// </summary>
public static class ModelFamilies
{
    /// <summary>Every family, in design.md's order.</summary>
    public static IReadOnlyList<ModelFamily> All { get; } = [MlpFamily.Family, CnnFamily.Family, ResNetFamily.Family, TransformerFamily.Family];

    /// <summary>The family called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown family; the message lists them.</exception>
    public static ModelFamily Get(string name) => All.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"unknown model family '{name}'; valid families: {string.Join(", ", All.Select(f => f.Name))}.", nameof(name));

    /// <summary>Parses a model string into its family and arguments (without building).</summary>
    /// <exception cref="ArgumentException">Unknown family, a malformed pair, a repeated or unknown key.</exception>
    public static (ModelFamily Family, ModelArguments Arguments) Parse(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string text = model.Trim();
        int colon = text.IndexOf(':');
        var family = Get(colon < 0 ? text : text[..colon]);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (colon >= 0)
            foreach (string pair in text[(colon + 1)..].Split(','))
            {
                int eq = pair.IndexOf('=');
                string key = eq < 0 ? pair.Trim() : pair[..eq].Trim(), value = eq < 0 ? "" : pair[(eq + 1)..].Trim();
                if (eq < 0 || key.Length == 0 || value.Length == 0)
                    throw new ArgumentException($"model '{family.Name}': '{pair}' is not key=value (write {family.Name}:key=value,key=value).", nameof(model));
                if (!values.TryAdd(key, value))
                    throw new ArgumentException($"model '{family.Name}': key '{key}' is given twice.", key);
            }
        return (family, new ModelArguments(family, values));
    }

    /// <summary>Builds the graph of a model string, e.g. <c>resnet:blocks=8,width=64,size=56</c>.</summary>
    /// <exception cref="ArgumentException">Any error in the string or the resulting graph; the message names the key or node.</exception>
    public static Graph Build(string model)
    {
        var (family, arguments) = Parse(model);
        return family.Builder(arguments);
    }
}
