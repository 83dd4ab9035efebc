namespace InitLab.Propagation;

/// <summary>Runs a spec on the chosen engine.</summary>
public static class Propagator
{
    /// <summary>Propagates <paramref name="spec"/> with <paramref name="engine"/>; <paramref name="backward"/> needs the explicit engine.</summary>
    /// <exception cref="ArgumentException">The engine cannot represent the spec, or a backward pass is asked of another engine.</exception>
    public static PropagationTrace Run(NetworkSpec spec, Engine engine, ulong seed, bool backward = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (backward && engine != Engine.Explicit)
            throw new ArgumentException($"a backward pass needs the explicit engine, got engine {engine.ToString().ToLowerInvariant()}.", nameof(backward));
        return engine switch
        {
            Engine.Explicit => ExplicitEngine.Run(spec, seed, backward),
            Engine.Ensemble => EnsembleEngine.Run(spec, seed),
            Engine.MeanField => MeanFieldEngine.Run(spec),
            _ => throw new ArgumentException($"unknown engine {engine}.", nameof(engine)),
        };
    }
}
