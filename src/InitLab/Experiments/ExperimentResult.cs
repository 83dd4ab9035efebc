namespace InitLab.Experiments;

/// <summary>
/// One classic experiment: what theory predicts (from the formula, never from the run), what was measured,
/// and whether the two agree within tolerances derived from the number of trials.
/// </summary>
/// <param name="Id">Stable identifier, e.g. <c>first-nan</c>.</param>
/// <param name="Title">One-line description.</param>
/// <param name="Predicted">Predicted quantities by name (NaN where theory predicts NaN).</param>
/// <param name="Measured">Measured quantities by name; with several seeds each key becomes key_min, key_median, key_max.</param>
/// <param name="Agrees">True when every measured quantity is within its tolerance of the prediction.</param>
/// <param name="Check">How agreement was judged (the tolerance and where it comes from).</param>
public sealed record ExperimentResult(
    string Id,
    string Title,
    IReadOnlyDictionary<string, double> Predicted,
    IReadOnlyDictionary<string, double> Measured,
    bool Agrees,
    string Check);
