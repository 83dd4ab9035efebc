using System.Globalization;
using InitLab.Numerics;

namespace InitLab.Networks;

/// <summary>
/// An op's attributes by name, as a JSON spec holds them (numbers, booleans, strings, lists of numbers): ops write theirs
/// with <see cref="Set(string, double)"/> and friends, the registry reads them back with typed getters that check the value
/// and remember which keys were read, so a misspelled key is an error naming it.
/// </summary>
public sealed class OpAttributes
{
    private readonly List<KeyValuePair<string, object>> _entries = [];
    private readonly HashSet<string> _read = [];

    /// <summary>Creates an empty set; <paramref name="context"/> starts every error message (e.g. <c>node 'conv1' (conv)</c>).</summary>
    public OpAttributes(string context) => Context = context;

    /// <summary>The prefix of error messages.</summary>
    public string Context { get; }

    /// <summary>Number of attributes.</summary>
    public int Count => _entries.Count;

    /// <summary>The attributes in the order they were set.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Entries => _entries;

    /// <summary>Sets a number.</summary>
    public OpAttributes Set(string key, double value) => Put(key, value);

    /// <summary>Sets a boolean.</summary>
    public OpAttributes Set(string key, bool value) => Put(key, value);

    /// <summary>Sets a string.</summary>
    public OpAttributes Set(string key, string value) => Put(key, value);

    /// <summary>Sets a list of integers.</summary>
    public OpAttributes Set(string key, IReadOnlyList<int> value) => Put(key, value.Select(v => (double)v).ToArray());

    /// <summary>Sets a list of numbers.</summary>
    public OpAttributes Set(string key, IReadOnlyList<double> value) => Put(key, value.ToArray());

    private OpAttributes Put(string key, object value)
    {
        ArgumentNullException.ThrowIfNull(key);
        _entries.RemoveAll(e => e.Key == key);
        _entries.Add(new(key, value));
        return this;
    }

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool Has(string key) => _entries.Any(e => e.Key == key);

    private object? Get(string key)
    {
        _read.Add(key);
        foreach (var e in _entries) if (e.Key == key) return e.Value;
        return null;
    }

    /// <summary>A finite number, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="ArgumentException">Absent without a fallback, or not a finite number.</exception>
    public double Number(string key, double? fallback = null) => Get(key) switch
    {
        null => fallback ?? throw Missing(key, "a number"),
        double d when double.IsFinite(d) => d,
        var v => throw Wrong(key, v, "a finite number"),
    };

    /// <summary>An integer, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="ArgumentException">Absent without a fallback, or not an integer of int range.</exception>
    public int Integer(string key, int? fallback = null) => Get(key) switch
    {
        null => fallback ?? throw Missing(key, "an integer"),
        double d when d == Math.Floor(d) && d >= int.MinValue && d <= int.MaxValue => (int)d,
        var v => throw Wrong(key, v, "an integer"),
    };

    /// <summary>A boolean, or <paramref name="fallback"/> when absent.</summary>
    public bool Boolean(string key, bool? fallback = null) => Get(key) switch
    {
        null => fallback ?? throw Missing(key, "true or false"),
        bool b => b,
        var v => throw Wrong(key, v, "true or false"),
    };

    /// <summary>A string, or <paramref name="fallback"/> when absent.</summary>
    public string Text(string key, string? fallback = null) => Get(key) switch
    {
        null => fallback ?? throw Missing(key, "a string"),
        string s => s,
        var v => throw Wrong(key, v, "a string"),
    };

    /// <summary>A list of integers (a single integer reads as a list of one), or <paramref name="fallback"/> when absent.</summary>
    public int[] Integers(string key, int[]? fallback = null)
    {
        var v = Get(key);
        if (v is null) return fallback ?? throw Missing(key, "a list of integers");
        double[] values = v switch
        {
            double d => [d],
            double[] a => a,
            _ => throw Wrong(key, v, "a list of integers"),
        };
        if (values.Any(d => d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue))
            throw Wrong(key, v, "a list of integers");
        return values.Select(d => (int)d).ToArray();
    }

    /// <summary>A list of finite numbers (a single number reads as a list of one), or <paramref name="fallback"/> when absent.</summary>
    public double[] Numbers(string key, double[]? fallback = null)
    {
        var v = Get(key);
        if (v is null) return fallback ?? throw Missing(key, "a list of numbers");
        double[] values = v switch
        {
            double d => [d],
            double[] a => a,
            _ => throw Wrong(key, v, "a list of numbers"),
        };
        if (!values.All(double.IsFinite)) throw Wrong(key, v, "a list of finite numbers");
        return values;
    }

    /// <summary>Throws when an attribute was never read: a misspelled or foreign key.</summary>
    /// <exception cref="ArgumentException">An unread key; the message lists the keys the op knows.</exception>
    public void RejectUnread()
    {
        foreach (var e in _entries)
            if (!_read.Contains(e.Key))
                throw new ArgumentException($"{Context}: unknown attribute '{e.Key}'; valid attributes: {(_read.Count == 0 ? "none" : string.Join(", ", _read.Order(StringComparer.Ordinal)))}.", e.Key);
    }

    private ArgumentException Missing(string key, string what) => new($"{Context}: attribute '{key}' is required ({what}).", key);

    private ArgumentException Wrong(string key, object value, string what) => new($"{Context}: attribute '{key}' must be {what}, got {Format(value)}.", key);

    /// <summary>A value as JSON would show it.</summary>
    public static string Format(object value) => value switch
    {
        double d => Guard.Fmt(d),
        bool b => b ? "true" : "false",
        string s => $"\"{s}\"",
        double[] a => "[" + string.Join(", ", a.Select(Guard.Fmt)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", _entries.Select(e => $"{e.Key} = {Format(e.Value)}"));
}
