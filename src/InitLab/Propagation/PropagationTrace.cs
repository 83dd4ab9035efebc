namespace InitLab.Propagation;

/// <summary>The three ways InitLab propagates a signal (design.md, "Propagation engines").</summary>
public enum Engine
{
    /// <summary>Materialized weights and matrix products; supports everything (shared weights, real data, backward).</summary>
    Explicit,

    /// <summary>Exact-in-distribution sampling of X W^T without forming W, for fresh Gaussian or Haar orthogonal weights.</summary>
    Ensemble,

    /// <summary>The infinite-width limit from the variance and correlation maps.</summary>
    MeanField,
}

/// <summary>What one engine measured (or predicted) for a network, layer by layer, and the diagnosis.</summary>
/// <param name="Engine">The engine that produced it.</param>
/// <param name="Input">Statistics of the input batch x_0 (layer 0).</param>
/// <param name="Layers">One entry per layer 1..L; shorter when the signal became non-finite and the engine stopped.</param>
/// <param name="FirstNonFiniteLayer">The first layer with a NaN or Inf output (the classic loop's break), or null.</param>
/// <param name="Diagnosis">Verdict, growth rate, overflow depths and advice.</param>
public sealed record PropagationTrace(
    Engine Engine, LayerTrace Input, IReadOnlyList<LayerTrace> Layers, int? FirstNonFiniteLayer, Diagnosis Diagnosis)
{
    /// <summary>A trace with its diagnosis computed from the per-layer stds (input first).</summary>
    internal static PropagationTrace Diagnosed(Engine engine, LayerTrace input, IReadOnlyList<LayerTrace> layers, int? firstNonFinite, NetworkSpec spec)
    {
        var all = new List<LayerTrace>(layers.Count + 1) { input };
        all.AddRange(layers);
        return new PropagationTrace(engine, input, layers, firstNonFinite, Diagnoser.Diagnose(
            all.Select(l => l.Std).ToList(), firstNonFinite, spec.Activation, spec.Depth,
            all.Select(l => Math.Max(Math.Abs(l.Min), Math.Abs(l.Max))).ToList()));
    }
}
