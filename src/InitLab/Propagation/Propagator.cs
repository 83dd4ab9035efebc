using InitLab.Random;

namespace InitLab.Propagation;

/// <summary>Runs a spec on the chosen engine.</summary>
public static class Propagator
{
    /// <summary>
    /// Propagates <paramref name="spec"/> with <paramref name="engine"/>; <paramref name="backward"/> and PyTorch's
    /// generator need the explicit engine (the others do not draw the weights).
    /// </summary>
    /// <exception cref="ArgumentException">The engine cannot represent the spec, or a backward pass or the torch generator is asked of another engine.</exception>
    public static PropagationTrace Run(NetworkSpec spec, Engine engine, ulong seed, bool backward = false, GeneratorKind generator = GeneratorKind.Philox)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (backward && engine != Engine.Explicit)
            throw new ArgumentException($"a backward pass needs the explicit engine, got engine {engine.ToString().ToLowerInvariant()}.", nameof(backward));
        if (generator != GeneratorKind.Philox && engine != Engine.Explicit)
            throw new ArgumentException(
                $"the {generator.ToString().ToLowerInvariant()} generator needs the explicit engine (the {engine.ToString().ToLowerInvariant()} engine does not draw the weights), got engine {engine.ToString().ToLowerInvariant()}.",
                nameof(generator));
        return engine switch
        {
            Engine.Explicit => ExplicitEngine.Run(spec, seed, backward, generator),
            Engine.Ensemble => EnsembleEngine.Run(spec, seed),
            Engine.MeanField => MeanFieldEngine.Run(spec),
            _ => throw new ArgumentException($"unknown engine {engine}.", nameof(engine)),
        };
    }
}
