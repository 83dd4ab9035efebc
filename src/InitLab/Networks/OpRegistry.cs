using InitLab.Activations;
using InitLab.Networks.Ops;

namespace InitLab.Networks;

/// <summary>
/// The ops by their JSON name (design.md's vocabulary: linear, conv, max_pool, avg_pool, global_avg_pool, batch_norm,
/// layer_norm, group_norm, rms_norm, add, concat, dropout, embedding, flatten, reshape, softmax, attention, input, and every
/// activation of the catalogue by its name). Spec readers and importers create ops here; engines never look ops up by name.
/// </summary>
public static class OpRegistry
{
    private static readonly Dictionary<string, Func<OpAttributes, Op>> Table = Build();
    private static readonly Lock Gate = new();

    /// <summary>Every op name, sorted.</summary>
    public static IReadOnlyList<string> Kinds
    {
        get
        {
            lock (Gate) return [.. Table.Keys.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Creates the op <paramref name="kind"/> from its attributes; every attribute must be known to the op.</summary>
    /// <exception cref="ArgumentException">Unknown op (the message lists them), or a missing, wrong or unknown attribute.</exception>
    public static Op Create(string kind, OpAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(attributes);
        Func<OpAttributes, Op>? factory;
        lock (Gate) Table.TryGetValue(kind, out factory);
        if (factory is null)
        {
            string canonical = kind.Trim().ToLowerInvariant().Replace('-', '_');
            lock (Gate) Table.TryGetValue(canonical, out factory);
            if (factory is null && ActivationRegistry.Aliases.TryGetValue(canonical, out var target))
                lock (Gate) Table.TryGetValue(target, out factory);
        }
        if (factory is null)
            throw new ArgumentException($"{attributes.Context}: unknown op '{kind}'; valid ops: {string.Join(", ", Kinds)}.", nameof(kind));
        Op op;
        try
        {
            op = factory(attributes);
        }
        catch (ArgumentException ex) when (!ex.Message.StartsWith(attributes.Context, StringComparison.Ordinal))
        {
            throw new ArgumentException($"{attributes.Context}: {GraphBuilder.Strip(ex)}", ex.ParamName, ex);
        }
        attributes.RejectUnread();
        return op;
    }

    /// <summary>Registers a user-defined op under <paramref name="kind"/> (an op of the library cannot be replaced).</summary>
    /// <exception cref="ArgumentException">The name is taken.</exception>
    public static void Register(string kind, Func<OpAttributes, Op> factory)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Gate)
            if (!Table.TryAdd(kind, factory))
                throw new ArgumentException($"op '{kind}' is already registered.", nameof(kind));
    }

    private static Dictionary<string, Func<OpAttributes, Op>> Build()
    {
        var t = new Dictionary<string, Func<OpAttributes, Op>>(StringComparer.Ordinal)
        {
            ["input"] = InputOp.Read,
            ["linear"] = LinearOp.Read,
            ["conv"] = ConvOp.Read,
            ["max_pool"] = a => PoolOp.Read(a, PoolKind.Max),
            ["avg_pool"] = a => PoolOp.Read(a, PoolKind.Average),
            ["global_avg_pool"] = GlobalAvgPoolOp.Read,
            ["batch_norm"] = BatchNormOp.Read,
            ["layer_norm"] = LayerNormOp.Read,
            ["group_norm"] = GroupNormOp.Read,
            ["rms_norm"] = RmsNormOp.Read,
            ["add"] = AddOp.Read,
            ["concat"] = ConcatOp.Read,
            ["dropout"] = DropoutOp.Read,
            ["embedding"] = EmbeddingOp.Read,
            ["flatten"] = FlattenOp.Read,
            ["reshape"] = ReshapeOp.Read,
            ["softmax"] = SoftmaxOp.Read,
            ["attention"] = AttentionOp.Read,
            ["scale"] = ScaleOp.Read,
            ["affine"] = AffineOp.Read,
            ["mul"] = MulOp.Read,
        };
        foreach (string name in ActivationRegistry.Names)
            t[name] = a => ActivationOp.Read(a, name);
        return t;
    }
}
