using System.CommandLine;
using System.Globalization;
using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Propagation;
using InitLab.Formats.Npy;

namespace InitLab.Cli;

/// <summary>The options that describe a network probe, shared by propagate, sweep and lsuv.</summary>
internal sealed class NetworkOptions
{
    public Option<int> Width { get; } = PositiveInt("--width", "Layer width N (every layer)");
    public Option<string?> Widths { get; } = new("--widths") { Description = "Per-layer widths W0,W1,...,WL (input first); replaces --width and --depth" };
    public Option<int> Depth { get; } = PositiveInt("--depth", "Number of layers L");
    public Option<string> Act { get; } = new("--act") { Description = "Activation: " + string.Join(", ", ActivationRegistry.Names), Required = true };
    public Option<double?> Param { get; } = new("--param") { Description = "Activation parameter (leaky_relu slope, elu alpha)" };
    public Option<string?> Init { get; } = new("--init") { Description = "Weight initializer(s), comma-separated: normal, xavier_normal, kaiming_normal, orthogonal, ... (or use --sigma-w)" };
    public Option<double?> SigmaW { get; } = new("--sigma-w") { Description = "W ~ N(0, SW^2 / fan_in) (alternative to --init)" };
    public Option<double?> Gain { get; } = new("--gain") { Description = "Gain of xavier_* / orthogonal / kaiming_* (overrides the nonlinearity's gain)" };
    public Option<string> Nonlinearity { get; } = new("--nonlinearity") { Description = "kaiming_*'s nonlinearity (PyTorch default leaky_relu with a = 0, gain sqrt 2)", DefaultValueFactory = _ => "leaky_relu" };
    public Option<string> Mode { get; } = new("--mode") { Description = "kaiming_*'s fan mode: fan_in or fan_out", DefaultValueFactory = _ => "fan_in" };
    public Option<int> Batch { get; } = CommonOptions.IntAtLeast("--batch", "Number of inputs B", 1, 64);
    public Option<bool> Shared { get; } = new("--shared-weights") { Description = "Reuse one weight matrix at every layer (the classic experiment)" };
    public Option<double> SigmaB { get; } = new("--sigma-b") { Description = "Bias std: b ~ N(0, SB^2)", DefaultValueFactory = _ => 0.0 };
    public Option<double?> Residual { get; } = new("--residual") { Description = "Residual connections x + ALPHA f(x)" };
    public Option<double> InputVariance { get; } = new("--input-variance") { Description = "Variance of the Gaussian inputs", DefaultValueFactory = _ => 1.0 };
    public Option<long> SeedOption { get; } = CommonOptions.Seed();
    public Option<string?> Input { get; } = new("--input") { Description = "Input batch from a 2-D .npy file (B x W0) instead of Gaussian inputs" };

    private static Option<int> PositiveInt(string name, string description)
    {
        var option = new Option<int>(name) { Description = description };
        option.Validators.Add(r =>
        {
            if (CommonOptions.TryValue<int>(r, out var v) && v < 1) r.AddError($"{name} must be >= 1, got {v}.");
        });
        return option;
    }

    public void AddTo(Command command, bool withInit = true)
    {
        foreach (var option in new Option[] { Width, Widths, Depth, Act, Param, Batch, Shared, SigmaB, Residual, InputVariance, Input, SeedOption })
            command.Add(option);
        if (withInit)
            foreach (var option in new Option[] { Init, SigmaW, Gain, Nonlinearity, Mode }) command.Add(option);
    }

    public ulong Seed(ParseResult pr) => (ulong)pr.GetValue(SeedOption);

    public Activation Activation(ParseResult pr) => ActivationRegistry.Parse(pr.GetValue(Act)!, pr.GetValue(Param));

    public IReadOnlyList<int> WidthList(ParseResult pr)
    {
        if (pr.GetValue(Widths) is { } text)
        {
            if (pr.GetResult(Width) is { Implicit: false } || pr.GetResult(Depth) is { Implicit: false })
                throw new UsageException("--widths replaces --width and --depth; give one or the other.");
            var parts = text.Split(',', StringSplitOptions.TrimEntries);
            var list = new List<int>();
            foreach (var p in parts)
            {
                if (!int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int w) || w < 1)
                    throw new UsageException($"--widths must be positive integers W0,W1,...,WL, got '{text}'.");
                list.Add(w);
            }
            if (list.Count < 2) throw new UsageException($"--widths needs the input width and at least one layer, got '{text}'.");
            return list;
        }
        if (pr.GetResult(Width) is null or { Implicit: true }) throw new UsageException("--width is required (or --widths).");
        if (pr.GetResult(Depth) is null or { Implicit: true }) throw new UsageException("--depth is required (or --widths).");
        return Enumerable.Repeat(pr.GetValue(Width), pr.GetValue(Depth) + 1).ToArray();
    }

    /// <summary>A spec with the given weights and every other setting from the command line.</summary>
    public NetworkSpec Spec(ParseResult pr, WeightDistribution weights, double? sigmaB = null)
    {
        var widths = WidthList(pr);
        int batch = pr.GetValue(Batch);
        float[]? input = null;
        if (pr.GetValue(Input) is { } path)
        {
            _input ??= NpyFormat.Read(path);
            var array = _input;
            if (array.Shape.Rank != 2)
                throw new InvalidDataException($"--input must hold a 2-D array (batch x width), got shape {array.Shape}.");
            if (array.Shape[1] != widths[0])
                throw new UsageException($"--input has {array.Shape[1]} features per row but the network's input width is {widths[0]}.");
            if (pr.GetResult(Batch) is { Implicit: false } && batch != array.Shape[0])
                throw new UsageException($"--batch {batch} differs from the {array.Shape[0]} rows of --input; leave --batch out.");
            if (array.Shape[0] < 1) throw new InvalidDataException("--input has no rows.");
            batch = array.Shape[0];
            input = Array.ConvertAll(array.Data, v => (float)v);
        }
        return new NetworkSpec(widths, Activation(pr), weights)
        {
            Batch = batch,
            SharedWeights = pr.GetValue(Shared),
            SigmaB = sigmaB ?? pr.GetValue(SigmaB),
            ResidualAlpha = pr.GetValue(Residual),
            InputVariance = pr.GetValue(InputVariance),
            Input = input,
        };
    }

    private NpyArray? _input;

    /// <summary>One spec per initializer named by --init, or the one given by --sigma-w.</summary>
    public IEnumerable<(string Name, NetworkSpec Spec)> Specs(ParseResult pr)
    {
        string? init = pr.GetValue(Init);
        double? sigmaW = pr.GetValue(SigmaW);
        if ((init is null) == (sigmaW is null))
            throw new UsageException("give exactly one of --init SCHEME and --sigma-w SW.");
        if (sigmaW is { } sw)
        {
            yield return ($"sigma_w={sw.ToString("G4", CultureInfo.InvariantCulture)}", Spec(pr, WeightDistribution.Gaussian.WithSigmaW(sw)));
            yield break;
        }
        foreach (var name in init!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            yield return (name, Spec(pr, Weights(name, pr)));
    }

    /// <summary>A short description for plot titles.</summary>
    public string Describe(ParseResult pr)
    {
        var widths = WidthList(pr);
        string shape = widths.All(w => w == widths[0]) ? $"width {widths[0]}, depth {widths.Count - 1}" : $"widths {string.Join(",", widths)}";
        return $"{Activation(pr)}, {shape}";
    }

    /// <summary>The weight distribution of an initializer name (the catalogue's semantics; glorot_* / he_* are aliases).</summary>
    public WeightDistribution Weights(string name, ParseResult pr)
    {
        var accepted = Schemes.OptionsOf(name);
        string mode = pr.GetValue(Mode)!;
        var options = new InitializerOptions
        {
            Gain = accepted.Contains("gain") ? pr.GetValue(Gain) : null,
            Nonlinearity = accepted.Contains("nonlinearity") ? pr.GetValue(Nonlinearity) : null,
            Mode = !accepted.Contains("mode") ? null : mode switch
            {
                "fan_in" => FanMode.FanIn,
                "fan_out" => FanMode.FanOut,
                "fan_avg" => FanMode.FanAvg,
                _ => throw new UsageException($"--mode must be fan_in, fan_out or fan_avg, got '{mode}'."),
            },
        };
        if (pr.GetValue(Gain) is not null && options.Gain is null)
            throw new UsageException($"--gain does not apply to {name}; it accepts: {string.Join(", ", accepted)}.");
        return WeightDistribution.Of(Schemes.Create(name, options));
    }
}
