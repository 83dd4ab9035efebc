using System.CommandLine;
using System.CommandLine.Parsing;
using InitLab.Numerics;
using InitLab.Propagation;

namespace InitLab.Cli;

/// <summary>
/// The allowed range of a numeric option, checked while parsing so that the error names the option.
/// </summary>
/// <param name="Min">Lower bound.</param>
/// <param name="MinOpen">True: the value must be &gt; Min; false: &gt;= Min.</param>
/// <param name="Max">Upper bound.</param>
/// <param name="MaxOpen">True: the value must be &lt; Max; false: &lt;= Max.</param>
/// <param name="Infinite">True: +-infinity may be written (as inf, Infinity); NaN never.</param>
internal sealed record Bounds(double Min = double.NegativeInfinity, bool MinOpen = false, double Max = double.PositiveInfinity, bool MaxOpen = false, bool Infinite = false)
{
    /// <summary>Any finite number.</summary>
    public static Bounds Finite { get; } = new();

    /// <summary>Any number but NaN: a bound that may be infinite (a one-sided interval).</summary>
    public static Bounds FiniteOrInfinite { get; } = new(Infinite: true);

    /// <summary>A finite number &gt;= 0.</summary>
    public static Bounds NonNegative { get; } = new(0);

    /// <summary>A finite number &gt; 0.</summary>
    public static Bounds Positive { get; } = new(0, MinOpen: true);

    /// <summary>A message naming <paramref name="name"/> when <paramref name="value"/> is outside the bounds, else null.</summary>
    public string? Check(double value, string name)
    {
        bool low = MinOpen ? value > Min : value >= Min;
        bool high = MaxOpen ? value < Max : value <= Max;
        if (low && high) return null;
        string lo = double.IsNegativeInfinity(Min) ? "" : $"{(MinOpen ? ">" : ">=")} {Guard.Fmt(Min)}";
        string hi = double.IsPositiveInfinity(Max) ? "" : $"{(MaxOpen ? "<" : "<=")} {Guard.Fmt(Max)}";
        string range = lo.Length > 0 && hi.Length > 0 ? $"{lo} and {hi}" : lo + hi;
        return $"{name} must be {range}, got {Guard.Fmt(value)}.";
    }
}

/// <summary>
/// The one place where the CLI's options are made. Every number goes through <see cref="NumberText"/>'s strict,
/// culture-invariant syntax (no <c>1,5</c> read as 15, no trailing junk, no NaN or infinity, no silent overflow), and
/// every range, name and path is checked while parsing, so a bad value is reported (one line, exit code 2) before a
/// command starts any work, in the option's own words.
/// </summary>
/// <remarks>
/// For authors of new commands: make every option here (add a factory when none fits), add it to the command, and
/// read it with <c>ParseResult.GetValue</c>. Output files come from <see cref="OutputFile"/> (checked before work,
/// written through <see cref="OutputFiles"/>), JSON documents from <see cref="Json.Document"/> (which adds the
/// <c>config</c> object from these options), and examples for <c>--help</c> from <see cref="Help.Examples"/>.
/// Use <see cref="IsGiven"/> to refuse an option that the chosen mode would ignore.
/// </remarks>
internal static class CliOptions
{
    /// <summary>A real-number option with a default value.</summary>
    public static Option<double> Double(string name, string description, double defaultValue, Bounds? bounds = null) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseDouble(r, name, bounds ?? Bounds.Finite) ?? 0,
        };

    /// <summary>A real-number option that may be absent (null).</summary>
    public static Option<double?> OptionalDouble(string name, string description, Bounds? bounds = null, bool required = false) =>
        new(name)
        {
            Description = description,
            Required = required,
            CustomParser = r => ParseDouble(r, name, bounds ?? Bounds.Finite),
        };

    /// <summary>An integer option with a default value, in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min = int.MinValue, int max = int.MaxValue) =>
        new(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseInt(r, name, min, max) ?? 0,
        };

    /// <summary>An integer option that may be absent (null), in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<int?> OptionalInt(string name, string description, int min = int.MinValue, int max = int.MaxValue, bool required = false) =>
        new(name)
        {
            Description = description,
            Required = required,
            CustomParser = r => ParseInt(r, name, min, max),
        };

    /// <summary><c>--seed N</c>: an integer in 0..2^63-1 (default 0); the same seed gives the same bits.</summary>
    public static Option<long> Seed(long defaultValue = 0) =>
        new("--seed")
        {
            Description = "Random seed, an integer >= 0",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r =>
            {
                string text = Token(r);
                if (!NumberText.TryParseInt64(text, out long v))
                {
                    r.AddError($"--seed must be an integer such as 42, got '{text}'{NumberText.Why(text, integer: true, false, long.MaxValue)}.");
                    return 0;
                }
                if (v < 0) r.AddError($"--seed must be >= 0, got {v}.");
                return v;
            },
        };

    /// <summary>
    /// <c>--shard K/N</c> (1-based), or <c>auto</c> / <c>auto/N</c> in a job array: SLURM's or Kubernetes' task index from the
    /// environment (<see cref="ShardEnvironment"/>). Default: the whole grid.
    /// </summary>
    public static Option<Shard> Shard() =>
        new("--shard")
        {
            Description = "Run shard K of N (1-based): K/N, or auto (auto/N) to take K (and N) from a SLURM array or Kubernetes indexed job",
            HelpName = "K/N|auto",
            DefaultValueFactory = _ => Propagation.Shard.Whole,
            CustomParser = r =>
            {
                try
                {
                    return ShardEnvironment.Parse(Token(r), Environment.GetEnvironmentVariable, "--shard");
                }
                catch (ArgumentException e)
                {
                    r.AddError(e.Message);
                    return Propagation.Shard.Whole;
                }
            },
        };

    /// <summary>The names <see cref="Generator"/> accepts, in the order of <see cref="Random.GeneratorKind"/>.</summary>
    public static IReadOnlyList<string> GeneratorNames { get; } = ["philox", "torch"];

    /// <summary>
    /// <c>--generator philox|torch</c> (default philox): InitLab's counter-based Philox streams, or PyTorch's CPU generator
    /// (<see cref="Random.TorchGenerator"/>, the version it reproduces named in the help), so that the seed gives the
    /// numbers <c>torch.manual_seed(SEED)</c> gives. Read it with <see cref="GeneratorOf"/>.
    /// </summary>
    public static Option<string> Generator(string what) => Choice("--generator",
        $"Random generator: philox (InitLab's counter-based streams) or torch (PyTorch {Random.TorchGenerator.PyTorchVersion}'s CPU generator, " +
        $"bit for bit: {what})", GeneratorNames, defaultValue: "philox");

    /// <summary>The generator chosen with <see cref="Generator"/>.</summary>
    public static Random.GeneratorKind GeneratorOf(this ParseResult parsed, Option<string> option) =>
        parsed.GetValue(option) == "torch" ? Random.GeneratorKind.Torch : Random.GeneratorKind.Philox;

    /// <summary><c>--json</c>: print one JSON document on stdout instead of tables.</summary>
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON document instead of tables" };

    /// <summary>A flag.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>A list of integers <c>a,b,c</c>, each at least <paramref name="min"/>, with at least <paramref name="minCount"/> elements.</summary>
    public static Option<int[]?> IntList(string name, string description, int min, int minCount = 1) =>
        new(name)
        {
            Description = description,
            CustomParser = r =>
            {
                string text = Token(r);
                int[] values;
                try
                {
                    values = NumberText.ParseInt32List(text, name);
                }
                catch (ArgumentException e)
                {
                    r.AddError(e.Message);
                    return null;
                }
                int bad = Array.FindIndex(values, v => v < min);
                if (values.Length < minCount) r.AddError($"{name} needs at least {minCount} values, got '{text}'.");
                else if (bad >= 0) r.AddError($"{name} values must be >= {min}, got {values[bad]} in '{text}'.");
                return values;
            },
        };

    /// <summary>
    /// One name out of <paramref name="valid"/> (case-insensitive, '-' read as '_'); the parsed value is the canonical
    /// spelling from <paramref name="valid"/> (or the result of <paramref name="canonical"/>, which throws
    /// <see cref="ArgumentException"/> for unknown names).
    /// </summary>
    public static Option<string> Choice(string name, string description, IReadOnlyList<string> valid, string? defaultValue = null,
        bool required = false, Func<string, string>? canonical = null)
    {
        var option = new Option<string>(name)
        {
            Description = description,
            Required = required,
            CustomParser = r => ParseChoice(r, name, Token(r), valid, canonical),
        };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>A comma-separated list of names out of <paramref name="valid"/> (canonical spellings, duplicates removed).</summary>
    public static Option<string[]?> ChoiceList(string name, string description, IReadOnlyList<string> valid, Func<string, string>? canonical = null,
        string[]? defaultValue = null)
    {
        var option = new Option<string[]?>(name)
        {
            Description = description,
            CustomParser = r =>
            {
                string text = Token(r);
                var parts = text.Split(',').Select(p => p.Trim(' ')).ToArray();
                if (parts.Any(p => p.Length == 0))
                {
                    r.AddError($"{name} must be one or more comma-separated names ({string.Join(", ", valid)}), got '{text}'.");
                    return null;
                }
                return [.. parts.Select(p => ParseChoice(r, name, p, valid, canonical)).Distinct()];
            },
        };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>
    /// An output file path, checked while parsing by <see cref="OutputFiles.Check"/>: a regular file or a new name in an
    /// existing directory, never a directory, device or fifo, and with one of <paramref name="extensions"/> when given.
    /// </summary>
    public static Option<string?> OutputFile(string name, string description, IReadOnlyList<string>? extensions = null, bool required = false) =>
        new(name)
        {
            Description = description,
            Required = required,
            HelpName = "FILE",
            CustomParser = r =>
            {
                string path = Token(r);
                if (OutputFiles.Problem(path, name, extensions) is { } problem) r.AddError(problem);
                return path;
            },
        };

    /// <summary>An input file path, checked while parsing: it exists and is a regular file (not a directory, device or fifo).</summary>
    public static Option<string?> InputFile(string name, string description) =>
        new(name)
        {
            Description = description,
            HelpName = "FILE",
            CustomParser = r =>
            {
                string path = Token(r);
                if (InputFiles.Problem(path, name) is { } problem) r.AddError(problem);
                return path;
            },
        };

    /// <summary>
    /// A list option's value, or null when it was not given and has no default (System.CommandLine reports an absent
    /// list as an empty array, which would read as "given, but empty").
    /// </summary>
    public static T[]? List<T>(this ParseResult parsed, Option<T[]?> option) => parsed.GetResult(option) is null ? null : parsed.GetValue(option);

    /// <summary>True when the user wrote <paramref name="option"/> (not merely its default).</summary>
    public static bool IsGiven(this ParseResult parsed, Option option) => parsed.GetResult(option) is { Implicit: false };

    /// <summary>The option's single token ("" when the user gave none, which the parser reports itself).</summary>
    public static string Token(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";

    private static double? ParseDouble(ArgumentResult r, string name, Bounds bounds)
    {
        string text = Token(r);
        if (!NumberText.TryParseDouble(text, out double value, allowNonFinite: bounds.Infinite) || double.IsNaN(value))
        {
            r.AddError(bounds.Infinite
                ? $"{name} must be a number such as 0.5 or 1e-3, or inf or -inf, got '{text}'{NumberText.Why(text, integer: false, allowNonFinite: true)}."
                : $"{name} must be a finite number such as 0.5 or 1e-3, got '{text}'{NumberText.Why(text, integer: false, allowNonFinite: false)}.");
            return null;
        }
        if (bounds.Check(value, name) is { } problem) r.AddError(problem);
        return value;
    }

    private static int? ParseInt(ArgumentResult r, string name, int min, int max)
    {
        string text = Token(r);
        if (!NumberText.TryParseInt32(text, out int value))
        {
            r.AddError($"{name} must be an integer such as 64, got '{text}'{NumberText.Why(text, integer: true, false, int.MaxValue)}.");
            return null;
        }
        if (value < min || value > max)
            r.AddError(max == int.MaxValue ? $"{name} must be >= {min}, got {value}." : $"{name} must be in {min}..{max}, got {value}.");
        return value;
    }

    private static string ParseChoice(ArgumentResult r, string name, string text, IReadOnlyList<string> valid, Func<string, string>? canonical)
    {
        if (canonical is not null)
        {
            try
            {
                return canonical(text);
            }
            catch (ArgumentException)
            {
                r.AddError($"{name}: unknown name '{text}'; valid names: {string.Join(", ", valid)}.");
                return text;
            }
        }
        string key = text.Trim().ToLowerInvariant().Replace('-', '_');
        foreach (string v in valid)
            if (v == key) return v;
        r.AddError($"{name}: unknown name '{text}'; valid names: {string.Join(", ", valid)}.");
        return text;
    }
}
