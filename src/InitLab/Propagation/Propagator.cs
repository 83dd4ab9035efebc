namespace InitLab.Propagation;

/// <summary>Runs a spec on the chosen engine.</summary>
public static class Propagator
{
    /// <summary>
    /// Checks, without running anything, that <paramref name="engine"/> can propagate <paramref name="spec"/>: the spec
    /// is consistent, the ensemble engine can sample its weights exactly, the mean-field engine has fresh Gaussian or
    /// orthogonal weights, and a backward pass runs on the explicit engine.
    /// </summary>
    /// <exception cref="ArgumentException">The first problem found.</exception>
    public static void Check(NetworkSpec spec, Engine engine, bool backward = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        if (backward && engine != Engine.Explicit)
            throw new ArgumentException($"a backward pass needs the explicit engine, got engine {engine.ToString().ToLowerInvariant()}.", nameof(backward));
        if (engine == Engine.Ensemble) EnsembleEngine.CheckRepresentable(spec);
        if (engine == Engine.MeanField)
        {
            if (spec.SharedWeights)
                throw new ArgumentException("the mean-field engine assumes fresh weights at every layer; shared weights correlate the layers, use --engine explicit.", nameof(spec));
            if (spec.Weights is not (WeightDistribution.Gaussian or WeightDistribution.Orthogonal))
                throw new ArgumentException($"the mean-field engine needs Gaussian or orthogonal weights, not {spec.Weights.Describe()}; use --engine explicit.", nameof(spec));
        }
    }

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
