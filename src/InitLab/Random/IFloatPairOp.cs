namespace InitLab.Random;

/// <summary>
/// A float fill's transform of Philox output words into values, applied to the word pairs (0, 1) and (2, 3) of each
/// block. Written once over <see cref="ILanes{TF,TU}"/>, so the scalar and vector instantiations agree bit for bit.
/// </summary>
internal interface IFloatPairOp
{
    /// <summary>Whether the driver should compute two vector groups per iteration (hides Philox latency; worth it
    /// only when the transform itself is short enough not to spill registers).</summary>
    static abstract bool InterleaveTwoGroups { get; }

    /// <summary>Maps the words (a, b) of each lane to the two output values (ya, yb).</summary>
    void Apply<S, TF, TU>(TU a, TU b, out TF ya, out TF yb) where S : ILanes<TF, TU> where TF : struct where TU : struct;
}
