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
    /// <summary>A trace with its diagnosis computed from the per-layer stds (input first) and <see cref="Context"/>.</summary>
    internal static PropagationTrace Diagnosed(Engine engine, LayerTrace input, IReadOnlyList<LayerTrace> layers, int? firstNonFinite, NetworkSpec spec)
    {
        var all = new List<LayerTrace>(layers.Count + 1) { input };
        all.AddRange(layers);
        var stds = all.Select(l => l.Std).ToList();
        return new PropagationTrace(engine, input, layers, firstNonFinite, Diagnoser.Diagnose(
            stds, firstNonFinite, spec.Activation, spec.Depth,
            all.Select(l => Math.Max(Math.Abs(l.Min), Math.Abs(l.Max))).ToList(),
            Context(engine, all, spec)));
    }

    /// <summary>
    /// The finite-width band and the infinite-width prediction for a trace of <paramref name="spec"/>: each layer's
    /// log-variance from its measured pre-activation variance (<see cref="FiniteWidthDrift.LayerLogVariance"/>; zero for
    /// the mean-field engine), and the mean-field trace fitted as the measured one. Shared weights get no band (their
    /// fluctuation is a fixed per-matrix growth rate, not a random walk), nor weights of unknown scale a mean-field change.
    /// </summary>
    internal static DiagnosisContext Context(Engine engine, IReadOnlyList<LayerTrace> all, NetworkSpec spec)
    {
        double? sigmaW = null, meanField = null;
        try
        {
            sigmaW = MeanFieldEngine.SigmaW(spec.Weights, spec.Widths[0], spec.Widths[1]);
        }
        catch (ArgumentException)
        {
            // Weights of unknown scale: no sigma_w to compare with the recommended one.
        }
        int width = spec.Widths.Skip(1).Min();
        if (spec.SharedWeights) return new DiagnosisContext(null, null, spec.Weights.Describe(), sigmaW, width);
        var stds = all.Select(l => l.Std).ToList();
        double total = Diagnoser.FittedLog10Change(stds, spec.Depth);
        if (engine == Engine.MeanField) return new DiagnosisContext(DriftBand.None(), total, spec.Weights.Describe(), sigmaW, width);

        var variances = new double[spec.Depth];
        for (int l = 1; l < all.Count && l <= spec.Depth; l++)
        {
            bool orthogonal = spec.Weights is WeightDistribution.Orthogonal && spec.Widths[l] == spec.Widths[l - 1];
            double v = FiniteWidthDrift.LayerLogVariance(spec.Activation, all[l].Pre.MeanSquare, spec.Widths[l], orthogonal,
                spec.ResidualAlpha, all[l - 1].Mean, all[l - 1].MeanSquare);
            variances[l - 1] = double.IsFinite(v) && v >= 0 ? v : 0; // a custom activation without finite moments there
        }
        // Layers after a non-finite one were never run: give them the last layer's variance.
        for (int l = all.Count; l <= spec.Depth; l++) variances[l - 1] = all.Count > 1 ? variances[all.Count - 2] : 0;
        var band = FiniteWidthDrift.Band(variances);

        // The mean-field change M matters only when the verdict depends on it: |T| > 1 with T within [Low - 1, High + 1]
        // (beyond, T - M is outside the band for every |M| <= 1), or for the advice when the recommended sigma_w is in use.
        // Skipping it elsewhere keeps sweeps (mostly far from criticality) at the cost of the sampling itself.
        bool needed = Math.Abs(total) > 1 && (total >= band.Low - 1 && total <= band.High + 1
            || sigmaW is { } w && Math.Abs(w - Initializers.Gain.Exact(spec.Activation)) <= 1e-3 * w);
        if (needed && sigmaW is not null && MeanFieldPrediction(spec) is { } predicted)
            meanField = Diagnoser.FittedLog10Change(predicted.Select(l => l.Std).ToList(), spec.Depth);
        return new DiagnosisContext(band, meanField, spec.Weights.Describe(), sigmaW, width);
    }

    private static List<LayerTrace>? MeanFieldPrediction(NetworkSpec spec)
    {
        try
        {
            var (input, layers, _) = MeanFieldEngine.Predict(spec, quick: true);
            return [input, .. layers];
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
