namespace InitLab.Propagation;

/// <summary>Runs a spec on the chosen engine.</summary>
public static class Propagator
{
    /// <summary>Propagates <paramref name="spec"/> with <paramref name="engine"/>; <paramref name="backward"/> needs the explicit
    /// engine. The sampling engines use up to <paramref name="threads"/> threads (0 = all cores); the trace is the same for every value.</summary>
    /// <exception cref="ArgumentException">The engine cannot represent the spec, a backward pass is asked of another engine,
    /// or threads is negative.</exception>
    public static PropagationTrace Run(NetworkSpec spec, Engine engine, ulong seed, bool backward = false, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        InitLab.Numerics.Guard.Threads(threads);
        if (backward && engine != Engine.Explicit)
            throw new ArgumentException($"a backward pass needs the explicit engine, got engine {engine.ToString().ToLowerInvariant()}.", nameof(backward));
        return engine switch
        {
            Engine.Explicit => ExplicitEngine.Run(spec, seed, backward, threads),
            Engine.Ensemble => EnsembleEngine.Run(spec, seed, threads),
            Engine.MeanField => MeanFieldEngine.Run(spec),
            _ => throw new ArgumentException($"unknown engine {engine}.", nameof(engine)),
        };
    }
}
