using System.CommandLine;
using InitLab.Initializers;

namespace InitLab.Cli;

/// <summary>
/// The scheme options shared by <c>initlab init</c> and <c>initlab audit</c>: --scheme and the scheme's parameters,
/// turned into an <see cref="Initializer"/> through <see cref="Schemes.Create"/> (which rejects options a scheme does not use).
/// </summary>
internal sealed class SchemeOptions
{
    public Option<string> Scheme { get; } = new("--scheme") { Description = "Initialization scheme: " + string.Join(", ", Schemes.Names), Required = true };
    public Option<string> Layout { get; } = new("--layout") { Description = "Weight layout: torch (out, in, *k) or keras (*k, in, out)", DefaultValueFactory = _ => "torch" };
    public Option<string?> Mode { get; } = new("--mode") { Description = "Fan mode: fan_in, fan_out or fan_avg" };
    public Option<string?> Distribution { get; } = new("--distribution") { Description = "normal, truncated_normal or uniform (variance_scaling)" };
    public Option<double?> Scale { get; } = new("--scale") { Description = "Variance scale (variance_scaling) or multiplier (delta_orthogonal)" };
    public Option<double?> Gain { get; } = new("--gain") { Description = "Gain (xavier_*, orthogonal, identity)" };
    public Option<string?> Nonlinearity { get; } = new("--nonlinearity") { Description = "Activation whose recommended gain kaiming_* uses" };
    public Option<double?> Param { get; } = new("--param") { Description = "Activation parameter (kaiming_*: the leaky_relu slope a)" };
    public Option<double?> Mean { get; } = new("--mean") { Description = "Mean (normal, trunc_normal)" };
    public Option<double?> Std { get; } = new("--std") { Description = "Std (normal, trunc_normal before truncation, sparse non-zeros)" };
    public Option<double?> Low { get; } = new("--low") { Description = "Lower bound (uniform; absolute bound a of trunc_normal)" };
    public Option<double?> High { get; } = new("--high") { Description = "Upper bound (uniform; absolute bound b of trunc_normal)" };
    public Option<double?> Sparsity { get; } = new("--sparsity") { Description = "Fraction of zeros per column, in [0, 1) (sparse)" };
    public Option<double?> Value { get; } = new("--value") { Description = "The value (constant)" };
    public Option<int?> Groups { get; } = new("--groups") { Description = "Groups (dirac)" };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { Scheme, Layout, Mode, Distribution, Scale, Gain, Nonlinearity, Param, Mean, Std, Low, High, Sparsity, Value, Groups })
            command.Add(option);
    }

    /// <summary>The initializer the parsed options describe.</summary>
    /// <exception cref="ArgumentException">Unknown scheme, mode, distribution or layout; an option the scheme does not use; a bad value.</exception>
    public Initializer Create(ParseResult parsed)
    {
        string? mode = parsed.GetValue(Mode), distribution = parsed.GetValue(Distribution);
        var options = new InitializerOptions
        {
            Layout = Names.ParseLayout(parsed.GetValue(Layout) ?? "torch"),
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
        return Schemes.Create(parsed.GetValue(Scheme)!, options);
    }
}
