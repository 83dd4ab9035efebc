using System.CommandLine;

namespace InitLab.Cli;

/// <summary>Options shared by several commands, with the same names, defaults and validation everywhere.</summary>
internal static class CommonOptions
{
    /// <summary><c>--seed N</c>: a non-negative integer; the same seed gives the same bits.</summary>
    public static Option<long> Seed(long defaultValue = 0)
    {
        var option = new Option<long>("--seed") { Description = "Random seed (a non-negative integer)", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            if (TryValue<long>(r, out var v) && v < 0) r.AddError($"--seed must be a non-negative integer, got {v}.");
        });
        return option;
    }

    /// <summary>
    /// The option's value, or false when it could not be converted (the parser then reports that error itself;
    /// asking for the value would throw instead).
    /// </summary>
    public static bool TryValue<T>(System.CommandLine.Parsing.OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    /// <summary><c>--json</c>: print one JSON document on stdout instead of tables.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON document instead of tables" };

    /// <summary>An integer option that must be at least <paramref name="min"/>.</summary>
    public static Option<int> IntAtLeast(string name, string description, int min, int defaultValue)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            if (TryValue<int>(r, out var v) && v < min) r.AddError($"{name} must be >= {min}, got {v}.");
        });
        return option;
    }
}
