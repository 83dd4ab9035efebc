namespace InitLab.Initializers;

/// <summary>
/// Initializers by scheme name (the names of design.md, as PyTorch, Keras and JAX spell them), for the command line and
/// for experiments that take a scheme name: <c>Schemes.Create("kaiming_normal", new() { Mode = FanMode.FanOut })</c>.
/// glorot_* and he_* are aliases of xavier_* and kaiming_*.
/// </summary>
public static class Schemes
{
    private sealed record Entry(string[] Options, Func<InitializerOptions, Initializer> Create, bool Torch = true);

    private static readonly Dictionary<string, Entry> Table = Build();

    /// <summary>Every scheme name, aliases included, in a stable order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Keys];

    /// <summary>
    /// The schemes the torch generator reproduces (<see cref="Initializer.Fill{T}(Span{T}, InitLab.Tensors.Shape, InitLab.Random.TorchGenerator)"/>):
    /// those with a <c>torch.nn.init</c> counterpart, and those that draw nothing.
    /// </summary>
    public static IReadOnlyList<string> TorchNames { get; } = [.. Table.Where(e => e.Value.Torch).Select(e => e.Key)];

    /// <summary>True when <paramref name="name"/> is a scheme name.</summary>
    public static bool Contains(string name) => name is not null && Table.ContainsKey(name.Trim().ToLowerInvariant());

    /// <summary>The options scheme <paramref name="name"/> accepts (besides layout).</summary>
    /// <exception cref="ArgumentException">Unknown scheme; the message lists the valid names.</exception>
    public static IReadOnlyList<string> OptionsOf(string name) => Lookup(name).Options;

    /// <summary>Creates the initializer <paramref name="name"/> with <paramref name="options"/> (null: all defaults).</summary>
    /// <exception cref="ArgumentException">Unknown scheme (the message lists the valid names), an option the scheme does not
    /// use, a missing required option, or an invalid option value.</exception>
    public static Initializer Create(string name, InitializerOptions? options = null)
    {
        var entry = Lookup(name);
        options ??= new InitializerOptions();
        foreach (string set in options.SetNames())
            if (Array.IndexOf(entry.Options, set) < 0)
                throw new ArgumentException(
                    $"option '{set}' does not apply to scheme '{name}'; it accepts: {(entry.Options.Length == 0 ? "no options" : string.Join(", ", entry.Options))}.",
                    nameof(options));
        return entry.Create(options);
    }

    private static Entry Lookup(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Table.TryGetValue(name.Trim().ToLowerInvariant(), out var entry))
            throw new ArgumentException($"unknown scheme '{name}'; valid schemes: {string.Join(", ", Table.Keys)}.", nameof(name));
        return entry;
    }

    private static double Required(double? value, string option, string scheme) =>
        value ?? throw new ArgumentException($"scheme '{scheme}' needs option '{option}'.", option);

    private static Dictionary<string, Entry> Build()
    {
        var t = new Dictionary<string, Entry>
        {
            ["uniform"] = new(["low", "high"], o => Init.Uniform(o.Low ?? 0, o.High ?? 1)),
            ["normal"] = new(["mean", "std"], o => Init.Normal(o.Mean ?? 0, o.Std ?? 1)),
            ["trunc_normal"] = new(["mean", "std", "low", "high"], o => Init.TruncNormal(o.Mean ?? 0, o.Std ?? 1, o.Low ?? -2, o.High ?? 2)),
            ["constant"] = new(["value"], o => Init.Constant(Required(o.Value, "value", "constant"))),
            ["zeros"] = new([], o => Init.Zeros()),
            ["ones"] = new([], o => Init.Ones()),
            ["eye"] = new([], o => Init.Eye()),
            ["identity"] = new(["gain"], o => Init.Identity(o.Gain ?? 1)),
            ["dirac"] = new(["groups"], o => Init.Dirac(o.Groups ?? 1, o.Layout)),
            ["xavier_uniform"] = new(["gain"], o => Init.XavierUniform(o.Gain ?? 1, o.Layout)),
            ["xavier_normal"] = new(["gain"], o => Init.XavierNormal(o.Gain ?? 1, o.Layout)),
            ["kaiming_uniform"] = new(["param", "mode", "nonlinearity"], o => Init.KaimingUniform(o.Param ?? 0, o.Mode ?? FanMode.FanIn, o.Nonlinearity ?? "leaky_relu", o.Layout)),
            ["kaiming_normal"] = new(["param", "mode", "nonlinearity"], o => Init.KaimingNormal(o.Param ?? 0, o.Mode ?? FanMode.FanIn, o.Nonlinearity ?? "leaky_relu", o.Layout)),
            ["lecun_uniform"] = new([], o => Init.LecunUniform(o.Layout), Torch: false),
            ["lecun_normal"] = new([], o => Init.LecunNormal(o.Layout), Torch: false),
            ["variance_scaling"] = new(["scale", "mode", "distribution"], o => Init.VarianceScaling(
                o.Scale ?? 1, o.Mode ?? FanMode.FanIn, o.Distribution ?? VarianceDistribution.TruncatedNormal, o.Layout), Torch: false),
            ["orthogonal"] = new(["gain"], o => Init.Orthogonal(o.Gain ?? 1, o.Layout)),
            ["delta_orthogonal"] = new(["scale"], o => Init.DeltaOrthogonal(o.Scale ?? 1, o.Layout), Torch: false),
            ["sparse"] = new(["sparsity", "std"], o => Init.Sparse(Required(o.Sparsity, "sparsity", "sparse"), o.Std ?? 0.01)),
            ["torch_default"] = new([], o => Init.TorchDefault(o.Layout)),
        };
        // Aliases by assignment: the same entry, not a copy.
        t["glorot_uniform"] = t["xavier_uniform"];
        t["glorot_normal"] = t["xavier_normal"];
        t["he_uniform"] = t["kaiming_uniform"];
        t["he_normal"] = t["kaiming_normal"];
        return t;
    }
}
