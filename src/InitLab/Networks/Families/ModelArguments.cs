using System.Globalization;
using InitLab.Activations;
using InitLab.Numerics;

namespace InitLab.Networks.Families;

/// <summary>One key a family accepts: its name, default and meaning (what <c>initlab models</c> lists).</summary>
/// <param name="Name">The key (<c>blocks</c>).</param>
/// <param name="Default">The default as text (<c>8</c>, <c>batch</c>, <c>true</c>).</param>
/// <param name="Description">What it sets, with the allowed values.</param>
public sealed record FamilyKey(string Name, string Default, string Description);

/// <summary>
/// The <c>key=value</c> pairs of a model string (<c>resnet:blocks=8,width=64</c>), read strictly: numbers in InitLab's one
/// number syntax (<see cref="NumberText"/>: no separators, nothing that overflows or underflows), booleans true/false, choices from a list; every key must be one the family knows, every error names the key.
/// </summary>
public sealed class ModelArguments
{
    private readonly Dictionary<string, string> _values;
    private readonly ModelFamily _family;

    internal ModelArguments(ModelFamily family, Dictionary<string, string> values)
    {
        _family = family;
        _values = values;
        foreach (string key in values.Keys)
            if (!family.Keys.Any(k => k.Name == key))
                throw new ArgumentException($"model '{family.Name}': unknown key '{key}'; valid keys: {string.Join(", ", family.Keys.Select(k => k.Name))}.", key);
    }

    private string Raw(string key) => _values.TryGetValue(key, out var v) ? v
        : _family.Keys.FirstOrDefault(k => k.Name == key)?.Default ?? throw new InvalidOperationException($"family {_family.Name} has no key {key}");

    private ArgumentException Bad(string key, string what) => new($"model '{_family.Name}': key '{key}' must be {what}, got '{Raw(key)}'.", key);

    /// <summary>True when the key was given explicitly.</summary>
    public bool Given(string key) => _values.ContainsKey(key);

    /// <summary>An integer in [min, max].</summary>
    public int Integer(string key, int min = 1, int max = int.MaxValue)
    {
        if (!NumberText.TryParseInt32(Raw(key), out int v) || v < min || v > max)
            throw Bad(key, max == int.MaxValue ? $"an integer >= {min}" : $"an integer in {min}..{max}");
        return v;
    }

    /// <summary>A finite number, or null when the value is <c>none</c>.</summary>
    public double? NumberOrNone(string key)
    {
        string raw = Raw(key);
        if (raw == "none") return null;
        if (!NumberText.TryParseDouble(raw, out double v))
            throw Bad(key, "a finite number or none");
        return v;
    }

    /// <summary>A finite number &gt;= min.</summary>
    public double Number(string key, double min)
    {
        if (NumberOrNone(key) is not { } v || v < min) throw Bad(key, $"a number >= {min.ToString(CultureInfo.InvariantCulture)}");
        return v;
    }

    /// <summary>true or false.</summary>
    public bool Boolean(string key) => Raw(key) switch
    {
        "true" => true,
        "false" => false,
        _ => throw Bad(key, "true or false"),
    };

    /// <summary>One of <paramref name="choices"/>.</summary>
    public string Choice(string key, params string[] choices)
    {
        string v = Raw(key);
        return choices.Contains(v) ? v : throw Bad(key, string.Join(" or ", choices));
    }

    /// <summary>An activation of the catalogue (with <c>param</c> when the family has that key).</summary>
    public Activation Activation(string key = "act")
    {
        double? param = _family.Keys.Any(k => k.Name == "param") ? NumberOrNone("param") : null;
        try
        {
            return ActivationRegistry.Parse(Raw(key), param);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"model '{_family.Name}': key '{key}': {GraphBuilder.Strip(ex)}", key, ex);
        }
    }

    /// <summary>The canonical model string with every key (defaults included).</summary>
    public override string ToString() => _family.Name + ":" + string.Join(",", _family.Keys.Select(k => $"{k.Name}={Raw(k.Name)}"));
}

/// <summary>A family of networks built by name (<c>--model FAMILY:key=value,...</c>).</summary>
/// <param name="Name">The family name.</param>
/// <param name="Summary">What it builds.</param>
/// <param name="Paper">The paper(s) its architecture follows.</param>
/// <param name="Keys">The keys with their defaults.</param>
/// <param name="Builder">Builds the graph from the arguments.</param>
public sealed record ModelFamily(string Name, string Summary, string Paper, IReadOnlyList<FamilyKey> Keys, Func<ModelArguments, Graph> Builder);
