namespace InitLab.Networks;

/// <summary>
/// An op's moment rule, implemented by the op in its own file: how the op maps its inputs' first two moments (and
/// covariances) to its output's, and a gradient's second moment back. The moment engine (<see cref="MomentEngine"/>) looks it
/// up with <see cref="Graph.Require{TRule}"/>, so an op without a rule is refused by name and the engine never switches over op
/// types.
/// </summary>
/// <remarks>
/// Rules work in the infinite-width limit with the batch size of the context (batch statistics depend on it). A rule that
/// makes an approximation beyond that limit says so with <see cref="MomentContext.Assume"/>: the engine reports it on the node.
/// </remarks>
public interface IMomentRule
{
    /// <summary>The output state from the inputs' states (<see cref="MomentContext.Input(int)"/>).</summary>
    MomentState Forward(MomentContext context);

    /// <summary>
    /// Back-propagates a gradient's second moment: reads <see cref="MomentGradients.Output"/> (E[g^2] per position of the
    /// output's layout) and ADDS to each input's field with <see cref="MomentGradients.Add"/>; records E||dL/dθ||^2 with
    /// <see cref="MomentGradients.AddParameter"/>.
    /// </summary>
    void Backward(MomentContext context, MomentGradients gradients);

    /// <summary>
    /// True when the output is a fresh random projection of the inputs (a zero-mean weight drawn for this op alone): it is then
    /// independent, unit by unit, of every node it does not feed, in the infinite-width limit.
    /// </summary>
    bool IsFresh(MomentContext context) => false;

    /// <summary>
    /// E[x_other * y] per position of this node's layout, for a node <paramref name="other"/> of the same shape that this node
    /// depends on (the engine answers independent pairs itself); null when the rule cannot tell (the engine then flags it).
    /// </summary>
    double[]? Cross(MomentContext context, int other) => null;
}
