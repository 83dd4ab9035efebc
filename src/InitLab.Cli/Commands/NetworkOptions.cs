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
    /// <summary>Options of the MLP lab; <paramref name="actRequired"/> false where another mode (propagate --model) needs no --act.</summary>
    public NetworkOptions(bool actRequired = true)
    {
        Act = CliOptions.Choice("--act", "Activation: " + string.Join(", ", ActivationRegistry.Names) + (actRequired ? "" : " (required unless --model, --spec or --onnx)"),
            ActivationRegistry.Names, required: actRequired, canonical: ActivationRegistry.Canonical);
    }

    public Option<int?> Width { get; } = CliOptions.OptionalInt("--width", "Layer width N, every layer (required unless --widths)", min: 1);
    public Option<int[]?> Widths { get; } = CliOptions.IntList("--widths", "Per-layer widths W0,W1,...,WL, input first; replaces --width and --depth (default: none)", min: 1, minCount: 2);
    public Option<int?> Depth { get; } = CliOptions.OptionalInt("--depth", "Number of layers L (required unless --widths)", min: 1);
    public Option<string> Act { get; }
    public Option<double?> Param { get; } = CliOptions.OptionalDouble("--param", "Activation parameter: leaky_relu slope (default 0.01), elu alpha (default 1)");
    public Option<string[]?> Init { get; } = CliOptions.ChoiceList("--init",
        "Weight initializer(s), comma-separated to compare: normal, xavier_normal, kaiming_normal, orthogonal, ...; on a --model/--spec/--onnx graph also a recipe: fixup, tfixup, deepnorm, skipinit, rezero, mup:base_width=N (this or --sigma-w is required)",
        [.. Schemes.Names, .. InitLab.Networks.Recipes.Names], canonical: name => InitLab.Networks.Recipes.IsRecipe(name) ? name.Trim() : SchemeOptions.CanonicalScheme(name));
    public Option<double?> SigmaW { get; } = CliOptions.OptionalDouble("--sigma-w", "W ~ N(0, SW^2 / fan_in) (this or --init is required)", Bounds.NonNegative);
    public Option<double?> Gain { get; } = CliOptions.OptionalDouble("--gain", "Gain of xavier_* / orthogonal / identity in --init (default: the scheme's, 1)");
    public Option<string> Nonlinearity { get; } = CliOptions.Choice("--nonlinearity",
        "kaiming_*'s nonlinearity in --init (default: leaky_relu with a = 0, gain sqrt 2, as PyTorch)", InitLab.Initializers.Gain.RecommendedNames);
    public Option<string> Mode { get; } = CliOptions.Choice("--mode", "kaiming_*'s fan mode in --init: fan_in, fan_out or fan_avg (default: fan_in)", Names.FanModes);
    public Option<int> Batch { get; } = CliOptions.Int("--batch", "Number of inputs B", 64, min: 1);
    public Option<bool> Shared { get; } = CliOptions.Flag("--shared-weights", "Reuse one weight matrix at every layer (the classic experiment)");
    public Option<double> SigmaB { get; } = CliOptions.Double("--sigma-b", "Bias std: b ~ N(0, SB^2)", 0.0, Bounds.NonNegative);
    public Option<double?> Residual { get; } = CliOptions.OptionalDouble("--residual", "Residual connections x + ALPHA f(x) (default: none, a plain MLP)");
    public Option<double?> InputVariance { get; } = CliOptions.OptionalDouble("--input-variance", "Variance of the Gaussian inputs, not with --input (default: 1)", Bounds.Positive);
    public Option<long> SeedOption { get; } = CliOptions.Seed();
    public Option<string?> Input { get; } = CliOptions.InputFile("--input", "Input batch from a 2-D .npy file (B x W0) instead of Gaussian inputs (default: none)");
    public Option<bool> AllowNonFinite { get; } = CliOptions.Flag("--allow-nonfinite", "Accept NaN or infinite values in the --input file (otherwise an error)");

    public void AddTo(Command command, bool withInit = true)
    {
        foreach (var option in new Option[] { Width, Widths, Depth, Act, Param, Batch, Shared, SigmaB, Residual, InputVariance, Input, AllowNonFinite, SeedOption })
            command.Add(option);
        if (withInit)
            foreach (var option in new Option[] { Init, SigmaW, Gain, Nonlinearity, Mode }) command.Add(option);
    }

    public ulong Seed(ParseResult pr) => (ulong)pr.GetValue(SeedOption);

    public Activation Activation(ParseResult pr) =>
        ActivationRegistry.Parse(pr.GetValue(Act) ?? throw new UsageException("--act is required (or --model / --spec / --onnx for a network graph)."), pr.GetValue(Param));

    /// <summary>Every option of the MLP lab's network (what --model and --spec replace).</summary>
    public IEnumerable<Option> MlpOnly => [Width, Widths, Depth, Act, Param, Shared, SigmaB, Residual, InputVariance, Input, AllowNonFinite, SigmaW];

    public IReadOnlyList<int> WidthList(ParseResult pr)
    {
        if (pr.List(Widths) is { } list)
        {
            if (pr.IsGiven(Width) || pr.IsGiven(Depth))
                throw new UsageException("--widths replaces --width and --depth; give one or the other.");
            return list;
        }
        int width = pr.GetValue(Width) ?? throw new UsageException("--width is required (or --widths).");
        int depth = pr.GetValue(Depth) ?? throw new UsageException("--depth is required (or --widths).");
        return Enumerable.Repeat(width, depth + 1).ToArray();
    }

    /// <summary>
    /// Refuses, before anything is allocated, a network that would not fit in memory or would run for days: the
    /// library's estimate (<see cref="NetworkSpec.EstimateResources(int, int, int, int, Engine, bool)"/>) for one run on
    /// <paramref name="engine"/>, times <paramref name="runs"/> for the work, plus <paramref name="extraBytesPerWeight"/>
    /// bytes per weight of every layer for commands that keep all weight matrices (lsuv).
    /// </summary>
    /// <exception cref="UsageException">The run does not fit; the message names the option to reduce.</exception>
    public void CheckResources(ParseResult pr, CliContext ctx, Engine engine, bool backward, string what, double runs = 1, double extraBytesPerWeight = 0)
    {
        int batch = pr.GetValue(Batch);
        var options = new Dictionary<string, (string, string)> { ["batch"] = ("--batch", Fmt(batch)) };
        ResourceEstimate estimate;
        double weights;
        if (pr.List(Widths) is { } list)
        {
            string text = string.Join(",", list);
            options["depth"] = options["width"] = ("--widths", text);
            estimate = new NetworkSpec(list, InitLab.Activations.Activation.Identity, WeightDistribution.Gaussian.WithSigmaW(1)) { Batch = batch }
                .EstimateResources(engine, backward);
            weights = Enumerable.Range(1, list.Length - 1).Sum(l => (double)list[l] * list[l - 1]);
        }
        else if (pr.GetValue(Width) is { } width && pr.GetValue(Depth) is { } depth)
        {
            options["depth"] = ("--depth", Fmt(depth));
            options["width"] = ("--width", Fmt(width));
            estimate = NetworkSpec.EstimateResources(width, width, depth, batch, engine, backward);
            weights = (double)depth * width * width;
        }
        else return; // WidthList reports the missing option
        if (extraBytesPerWeight > 0)
        {
            // depth x width^2 weights: blame whichever of the two is the larger factor.
            int d = pr.GetValue(Depth) ?? 0, w = pr.GetValue(Width) ?? 0;
            estimate = estimate with { Parts = [.. estimate.Parts, (d >= w ? "depth" : "width", extraBytesPerWeight * weights)] };
        }
        Resources.Check(ctx, estimate.Sequential(runs), options, what);
    }

    private static string Fmt(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The input batch of --input (rows x W0, float32), or null for Gaussian inputs; <paramref name="batch"/> is the batch
    /// size (the file's rows, or --batch). The file is read once; NaN or infinity in it is an error unless
    /// --allow-nonfinite is given.
    /// </summary>
    public float[]? InputBatch(ParseResult pr, int inputWidth, out int batch)
    {
        batch = pr.GetValue(Batch);
        if (pr.GetValue(Input) is not { } path)
        {
            if (pr.GetValue(AllowNonFinite)) throw new UsageException("--allow-nonfinite applies to an --input file; there is none.");
            return null;
        }
        if (pr.IsGiven(InputVariance))
            throw new UsageException("--input-variance describes the Gaussian inputs, which --input replaces; give one or the other.");
        try
        {
            _input ??= NpyFormat.Read(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"--input: {e.Message}", e);
        }
        var array = _input;
        if (array.Shape.Rank != 2)
            throw new InvalidDataException($"--input must hold a 2-D array (batch x width), got shape {array.Shape}.");
        if (array.Shape[1] != inputWidth)
            throw new UsageException($"--input has {array.Shape[1]} features per row but the network's input width is {inputWidth}.");
        if (pr.IsGiven(Batch) && batch != array.Shape[0])
            throw new UsageException($"--batch {batch} differs from the {array.Shape[0]} rows of --input; leave --batch out.");
        if (array.Shape[0] < 1) throw new InvalidDataException("--input has no rows.");
        batch = array.Shape[0];
        var input = Array.ConvertAll(array.Data, v => (float)v);
        if (!pr.GetValue(AllowNonFinite))
        {
            // float64 values beyond float32's range become infinite here, and are refused like NaN and Inf in the file.
            int bad = Array.FindIndex(input, v => !float.IsFinite(v));
            if (bad >= 0)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"--input holds {array.Data[bad]:R}{(double.IsFinite(array.Data[bad]) ? " (beyond float32's range)" : "")} at row {bad / array.Shape[1]}, column {bad % array.Shape[1]}; pass --allow-nonfinite to use it anyway."));
        }
        return input;
    }

    /// <summary>A spec with the given weights and every other setting from the command line.</summary>
    public NetworkSpec Spec(ParseResult pr, WeightDistribution weights, double? sigmaB = null)
    {
        var widths = WidthList(pr);
        var input = InputBatch(pr, widths[0], out int batch);
        return new NetworkSpec(widths, Activation(pr), weights)
        {
            Batch = batch,
            SharedWeights = pr.GetValue(Shared),
            SigmaB = sigmaB ?? pr.GetValue(SigmaB),
            ResidualAlpha = pr.GetValue(Residual),
            InputVariance = pr.GetValue(InputVariance) ?? 1.0,
            Input = input,
        };
    }

    private NpyArray? _input;

    /// <summary>One spec per initializer named by --init, or the one given by --sigma-w.</summary>
    public IReadOnlyList<(string Name, NetworkSpec Spec)> Specs(ParseResult pr)
    {
        string[]? init = pr.List(Init);
        double? sigmaW = pr.GetValue(SigmaW);
        if (init?.FirstOrDefault(InitLab.Networks.Recipes.IsRecipe) is { } recipe)
            throw new UsageException($"--init {recipe} is a recipe that scales a graph's residual branches or readout: give --model, --spec or --onnx.");
        if ((init is null) == (sigmaW is null))
            throw new UsageException("give exactly one of --init SCHEME and --sigma-w SW.");
        if (sigmaW is { } sw)
        {
            foreach (var option in new Option[] { Gain, Nonlinearity, Mode })
                if (pr.IsGiven(option))
                    throw new UsageException($"{option.Name} applies to --init schemes; --sigma-w SW already fixes W ~ N(0, SW^2 / fan_in).");
            return [($"sigma_w={sw.ToString("G4", CultureInfo.InvariantCulture)}", Spec(pr, WeightDistribution.Gaussian.WithSigmaW(sw)))];
        }
        return [.. init!.Select(name => (name, Spec(pr, Weights(name, pr))))];
    }

    /// <summary>A short description for plot titles.</summary>
    public string Describe(ParseResult pr)
    {
        var widths = WidthList(pr);
        string shape = widths.All(w => w == widths[0]) ? $"width {widths[0]}, depth {widths.Count - 1}" : $"widths {string.Join(",", widths)}";
        return $"{Activation(pr)}, {shape}";
    }

    /// <summary>
    /// The weight distribution of an initializer name (<see cref="WeightDistribution.FromScheme"/>); --gain, --nonlinearity
    /// and --mode go to the schemes that use them, and one given for a scheme that does not use it is an error.
    /// </summary>
    public WeightDistribution Weights(string name, ParseResult pr) => WeightDistribution.FromScheme(name, SchemeOptionsOf(name, pr));

    /// <summary>The initializer an --init name means, with --gain, --nonlinearity and --mode where the scheme uses them.</summary>
    public Initializer Initializer(string name, ParseResult pr) => Schemes.Create(name, SchemeOptionsOf(name, pr));

    private InitializerOptions SchemeOptionsOf(string name, ParseResult pr)
    {
        SchemeOptions.RefuseUnused(pr, "--init", name, [(Gain, "gain"), (Nonlinearity, "nonlinearity"), (Mode, "mode")]);
        var accepted = Schemes.OptionsOf(name);
        return new InitializerOptions
        {
            Gain = accepted.Contains("gain") ? pr.GetValue(Gain) : null,
            Nonlinearity = accepted.Contains("nonlinearity") ? pr.GetValue(Nonlinearity) : null,
            Mode = accepted.Contains("mode") && pr.GetValue(Mode) is { } mode ? Names.ParseFanMode(mode) : null,
        };
    }
}
