namespace InitLab.Inspection;

/// <summary>What a tensor looks like (JSON names: init, trained, constant, structured, unknown).</summary>
public enum Verdict
{
    /// <summary>A fresh draw of a catalogue scheme: the combined test does not reject it at level alpha (or it is exactly orthogonal or sparse).</summary>
    Init,

    /// <summary>No scheme fits, and the tensor shows why: singular values above the Marchenko-Pastur edge, heavy tails, or a bias or norm parameter that fits no rule.</summary>
    Trained,

    /// <summary>Every element is the same number (zeros, ones, constant).</summary>
    Constant,

    /// <summary>A deterministic or exact structure: eye/identity, dirac, delta-orthogonal.</summary>
    Structured,

    /// <summary>Nothing can be said: no scheme fits but there is no sign of training either, too few elements, or non-finite values.</summary>
    Unknown,
}

/// <summary>The JSON names of <see cref="Verdict"/> values.</summary>
public static class Verdicts
{
    /// <summary>init, trained, constant, structured or unknown.</summary>
    public static string JsonName(Verdict verdict) => verdict switch
    {
        Verdict.Init => "init",
        Verdict.Trained => "trained",
        Verdict.Constant => "constant",
        Verdict.Structured => "structured",
        _ => "unknown",
    };
}
