using InitLab.Propagation;

namespace InitLab.Networks;

/// <summary>How the signal's variance changes from block to block.</summary>
public enum VarianceGrowth
{
    /// <summary>Within the finite-width drift band: no systematic change.</summary>
    Flat,

    /// <summary>Var_k ≈ Var_0 + b k: what normalized residual branches give (De &amp; Smith 2020).</summary>
    Linear,

    /// <summary>Var_k ≈ Var_0 r^k: what plain networks off criticality and unnormalized residual streams give.</summary>
    Geometric,
}

/// <summary>One block (or, in a graph without blocks, one weighted node) of a diagnosis.</summary>
/// <param name="Block">The block's name (<c>block3</c>, <c>layer2</c>) or the node's.</param>
/// <param name="Input">The node feeding the block.</param>
/// <param name="Output">The block's output node (its last node).</param>
/// <param name="StdIn">std of the block's input.</param>
/// <param name="StdOut">std of the block's output.</param>
/// <param name="Growth">StdOut / StdIn: how much the forward signal grows through the block.</param>
/// <param name="GradientGrowth">||dL/d input|| / ||dL/d output||: how much the gradient grows going back through the block (null without a backward pass).</param>
/// <param name="ParamGradNorm">sqrt of the sum of ||dL/dθ||^2 over the block's parameters (null without a backward pass or parameters).</param>
public sealed record BlockGrowth(string Block, string Input, string Output, double StdIn, double StdOut, double Growth, double? GradientGrowth, double? ParamGradNorm);

/// <summary>The diagnosis of a graph trace.</summary>
/// <param name="Verdict">Forward signal: stable, exploding or vanishing over the blocks.</param>
/// <param name="GradientVerdict">Backward gradient over the blocks, going towards the input (null without a backward pass).</param>
/// <param name="GrowthPerBlock">Fitted factor by which the std changes per block (10^slope of log10 std).</param>
/// <param name="GradientGrowthPerBlock">Fitted factor by which the gradient norm grows per block going backward (null without a backward pass).</param>
/// <param name="Shape">Flat, linear or geometric growth of the variance.</param>
/// <param name="VarianceIncreasePerBlock">Least-squares slope of Var_k / Var_0 against the block index (the linear model's b).</param>
/// <param name="DriftBand">log10 of the std factor that finite-width fluctuations alone reach (3 sigma) over these blocks.</param>
/// <param name="WorstNode">Within the repeated blocks, the node (normalizations aside) whose output std differs most from its first input's; the first non-finite node when there is one.</param>
/// <param name="WorstNodeGrowth">That node's std(out) / std(in).</param>
/// <param name="Blocks">Per block: forward and backward growth.</param>
/// <param name="Advice">What to change, in the network's own terms; empty when nothing needs to change.</param>
public sealed record GraphDiagnosis(
    Verdict Verdict, Verdict? GradientVerdict, double GrowthPerBlock, double? GradientGrowthPerBlock, VarianceGrowth Shape,
    double VarianceIncreasePerBlock, double DriftBand, string? WorstNode, double WorstNodeGrowth, IReadOnlyList<BlockGrowth> Blocks, string Advice)
{
    /// <summary>The verdict as the lower-case word of the JSON contract.</summary>
    public string VerdictName => Verdict.ToString().ToLowerInvariant();
}
