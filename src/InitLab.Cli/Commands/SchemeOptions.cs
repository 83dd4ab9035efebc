using System.CommandLine;
using InitLab.Initializers;

namespace InitLab.Cli;

/// <summary>
/// The scheme options shared by <c>initlab init</c>, <c>initlab audit</c> and <c>initlab reinit</c> (which has no --layout:
/// a model file's tensors carry theirs): --scheme and the scheme's parameters,
/// turned into an <see cref="Initializer"/> through <see cref="Schemes.Create"/>. An option the scheme does not use is an
/// error that names the option and the ones the scheme accepts.
/// </summary>
internal sealed class SchemeOptions
{
    /// <param name="required">Whether --scheme must be given (probe makes it optional: without it the model keeps its weights).</param>
    /// <param name="description">The help text of --scheme; null for the default.</param>
    /// <param name="withLayout">False leaves out --layout (a model file states each tensor's layout).</param>
    public SchemeOptions(bool required = true, string? description = null, bool withLayout = true)
    {
        _withLayout = withLayout;
        Scheme = CliOptions.Choice("--scheme", description ?? "Initialization scheme: " + string.Join(", ", Schemes.Names), Schemes.Names,
            required: required, canonical: CanonicalScheme);
    }

    private readonly bool _withLayout;

    public Option<string> Scheme { get; }
    public Option<string> Layout { get; } = CliOptions.Choice("--layout", "Weight layout: torch (out, in, *k) or keras (*k, in, out)", Names.Layouts, defaultValue: "torch");
    public Option<string> Mode { get; } = CliOptions.Choice("--mode", "Fan mode: fan_in, fan_out or fan_avg (default: the scheme's, fan_in)", Names.FanModes);
    public Option<string> Distribution { get; } = CliOptions.Choice("--distribution",
        "variance_scaling's distribution: normal, truncated_normal or uniform (default: truncated_normal)", Names.Distributions);
    public Option<double?> Scale { get; } = CliOptions.OptionalDouble("--scale", "Variance scale > 0 (variance_scaling) or multiplier (delta_orthogonal) (default: 1)", Bounds.Positive);
    public Option<double?> Gain { get; } = CliOptions.OptionalDouble("--gain", "Gain (xavier_*, orthogonal, identity) (default: 1)");
    public Option<string> Nonlinearity { get; } = CliOptions.Choice("--nonlinearity",
        "Activation whose recommended gain kaiming_* uses (default: leaky_relu)", InitLab.Initializers.Gain.RecommendedNames);
    public Option<double?> Param { get; } = CliOptions.OptionalDouble("--param", "kaiming_*'s leaky_relu slope a (default: 0)");
    public Option<double?> Mean { get; } = CliOptions.OptionalDouble("--mean", "Mean (normal, trunc_normal) (default: 0)");
    public Option<double?> Std { get; } = CliOptions.OptionalDouble("--std", "Std (normal, trunc_normal before truncation, sparse non-zeros) (default: 1; sparse 0.01)");
    public Option<double?> Low { get; } = CliOptions.OptionalDouble("--low", "Lower bound (uniform, default 0; absolute bound a of trunc_normal, default -2, -inf for a one-sided interval)", Bounds.FiniteOrInfinite);
    public Option<double?> High { get; } = CliOptions.OptionalDouble("--high", "Upper bound (uniform, default 1; absolute bound b of trunc_normal, default 2, inf for a one-sided interval)", Bounds.FiniteOrInfinite);
    public Option<double?> Sparsity { get; } = CliOptions.OptionalDouble("--sparsity", "Fraction of zeros per column, in [0, 1) (sparse; required there)",
        new Bounds(0, false, 1, MaxOpen: true));
    public Option<double?> Value { get; } = CliOptions.OptionalDouble("--value", "The value (constant; required there)");
    public Option<int?> Groups { get; } = CliOptions.OptionalInt("--groups", "Groups (dirac) (default: 1)", min: 1);

    /// <summary>Adds the options (without --layout when the constructor was told so).</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Scheme, Layout, Mode, Distribution, Scale, Gain, Nonlinearity, Param, Mean, Std, Low, High, Sparsity, Value, Groups })
            if (_withLayout || option != Layout) command.Add(option);
    }

    /// <summary>The initializer the parsed options describe.</summary>
    /// <exception cref="UsageException">An option the scheme does not use.</exception>
    /// <exception cref="ArgumentException">A value the scheme rejects, or a missing option it needs (the library's message,
    /// which the CLI words with option names).</exception>
    public Initializer Create(ParseResult parsed)
    {
        string name = parsed.GetValue(Scheme)!;
        var options = new (Option Option, string Key)[]
        {
            (Mode, "mode"), (Distribution, "distribution"), (Scale, "scale"), (Gain, "gain"), (Nonlinearity, "nonlinearity"), (Param, "param"),
            (Mean, "mean"), (Std, "std"), (Low, "low"), (High, "high"), (Sparsity, "sparsity"), (Value, "value"), (Groups, "groups"),
        };
        RefuseUnused(parsed, "--scheme", name, options);
        string? mode = parsed.GetValue(Mode), distribution = parsed.GetValue(Distribution);
        var initializerOptions = new InitializerOptions
        {
            Layout = !_withLayout || parsed.GetResult(Layout) is null ? FanLayout.Torch : Names.ParseLayout(parsed.GetValue(Layout)!),
            Mode = mode is null ? null : Names.ParseFanMode(mode),
            Distribution = distribution is null ? null : Names.ParseDistribution(distribution),
            Scale = parsed.GetValue(Scale),
            Gain = parsed.GetValue(Gain),
            Nonlinearity = parsed.GetValue(Nonlinearity),
            Param = parsed.GetValue(Param),
            Mean = parsed.GetValue(Mean),
            Std = parsed.GetValue(Std),
            Low = parsed.GetValue(Low),
            High = parsed.GetValue(High),
            Sparsity = parsed.GetValue(Sparsity),
            Value = parsed.GetValue(Value),
            Groups = parsed.GetValue(Groups),
        };
        return Schemes.Create(name, initializerOptions);
    }

    /// <summary>
    /// Refuses every option in <paramref name="options"/> that the user gave but scheme <paramref name="scheme"/> does not
    /// use (<see cref="Schemes.OptionsOf"/>), naming it and the options the scheme accepts.
    /// </summary>
    /// <exception cref="UsageException">The first such option.</exception>
    public static void RefuseUnused(ParseResult parsed, string schemeOption, string scheme, IEnumerable<(Option Option, string Key)> options)
    {
        var accepted = Schemes.OptionsOf(scheme);
        foreach (var (option, key) in options)
            if (parsed.IsGiven(option) && !accepted.Contains(key))
                throw new UsageException($"{option.Name} does not apply to {schemeOption} {scheme}; it accepts " +
                    (accepted.Count == 0 ? "no options." : string.Join(", ", accepted.Select(a => "--" + a)) + "."));
    }

    /// <summary>The scheme name in lower case.</summary>
    /// <exception cref="ArgumentException">Not a scheme name.</exception>
    public static string CanonicalScheme(string name) =>
        Schemes.Contains(name) ? name.Trim().ToLowerInvariant() : throw new ArgumentException($"unknown scheme '{name}'.", nameof(name));
}
