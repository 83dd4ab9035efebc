using InitLab.Random;

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
    public static void Check(NetworkSpec spec, Engine engine, bool backward = false, GeneratorKind generator = GeneratorKind.Philox)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        if (backward && engine != Engine.Explicit)
            throw new ArgumentException($"a backward pass needs the explicit engine, got engine {engine.ToString().ToLowerInvariant()}.", nameof(backward));
        CheckGenerator(engine, generator);
        if (engine == Engine.Ensemble) EnsembleEngine.CheckRepresentable(spec);
        if (engine == Engine.MeanField)
        {
            if (spec.SharedWeights)
                throw new ArgumentException("the mean-field engine assumes fresh weights at every layer; shared weights correlate the layers, use --engine explicit.", nameof(spec));
            if (spec.Weights is not (WeightDistribution.Gaussian or WeightDistribution.Orthogonal))
                throw new ArgumentException($"the mean-field engine needs Gaussian or orthogonal weights, not {spec.Weights.Describe()}; use --engine explicit.", nameof(spec));
        }
    }

    /// <summary>Propagates <paramref name="spec"/> with <paramref name="engine"/>; <paramref name="backward"/> and PyTorch's
    /// generator (<paramref name="generator"/> = <see cref="GeneratorKind.Torch"/>) need the explicit engine. The sampling engines use up to <paramref name="threads"/> threads (0 = all cores); the trace is the same for every value.</summary>
    /// <exception cref="ArgumentException">The engine cannot represent the spec, a backward pass or the torch generator is asked
    /// of another engine, or threads is negative.</exception>
    public static PropagationTrace Run(NetworkSpec spec, Engine engine, ulong seed, bool backward = false, int threads = 0,
        GeneratorKind generator = GeneratorKind.Philox)
    {
        ArgumentNullException.ThrowIfNull(spec);
        InitLab.Numerics.Guard.Threads(threads);
        if (backward && engine != Engine.Explicit)
            throw new ArgumentException($"a backward pass needs the explicit engine, got engine {engine.ToString().ToLowerInvariant()}.", nameof(backward));
        CheckGenerator(engine, generator);
        return engine switch
        {
            Engine.Explicit => ExplicitEngine.Run(spec, seed, backward, threads, generator),
            Engine.Ensemble => EnsembleEngine.Run(spec, seed, threads),
            Engine.MeanField => MeanFieldEngine.Run(spec),
            _ => throw new ArgumentException($"unknown engine {engine}.", nameof(engine)),
        };
    }

    /// <summary>PyTorch's generator draws weights the PyTorch way, which only the explicit engine does.</summary>
    private static void CheckGenerator(Engine engine, GeneratorKind generator)
    {
        if (generator != GeneratorKind.Philox && engine != Engine.Explicit)
            throw new ArgumentException(
                $"the {generator.ToString().ToLowerInvariant()} generator needs the explicit engine (the {engine.ToString().ToLowerInvariant()} engine does not draw the weights), got engine {engine.ToString().ToLowerInvariant()}.",
                nameof(generator));
    }
}
