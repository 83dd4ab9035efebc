using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>group_norm</c> (Wu &amp; He 2018): the C channels of a (C, *spatial) input split into G groups of C/G; each image's group is
/// normalized by its own mean and biased variance, then y = gamma_c xhat + beta_c per channel; gamma = 1, beta = 0; eps = 1e-5.
/// One group is layer norm over (C, *spatial); C groups is instance norm.
/// </summary>
public sealed class GroupNormOp : NormalizationOp
{
    /// <summary>Creates a group norm with <paramref name="groups"/> groups.</summary>
    /// <exception cref="ArgumentException">groups &lt; 1 or eps &lt;= 0.</exception>
    public GroupNormOp(int groups, double epsilon = 1e-5, bool affine = true)
    {
        if (groups < 1) throw new ArgumentException($"groups must be >= 1, got {groups}.", nameof(groups));
        Guard.Positive(epsilon, "eps");
        Groups = groups;
        Epsilon = epsilon;
        Affine = affine;
    }

    /// <inheritdoc/>
    public override string Kind => "group_norm";

    /// <summary>Number of groups G.</summary>
    public int Groups { get; }

    /// <summary>eps added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether gamma and beta exist.</summary>
    public bool Affine { get; }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        RequireRank(inputs, 1, "an input (channels, *spatial)");
        if (inputs[0][0] % Groups != 0)
            throw new ArgumentException($"groups {Groups} does not divide the {inputs[0][0]} channels.");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs) => Affine
        ? [new("weight", new Shape(inputs[0][0]), ParameterRole.Scale, Init.Ones()), new("bias", new Shape(inputs[0][0]), ParameterRole.Shift, Init.Zeros())]
        : [];

    private protected override Normalization Layout(Shape input, int batch)
    {
        int c = input[0], p = (int)(input.Size / c), n = c / Groups * p;
        return new Normalization { Sets = batch * Groups, Runs = 1, RunLength = n, SetStride = n, AffineModulus = Groups, AffineStep = c / Groups, AffineDivisor = p, Epsilon = Epsilon };
    }

    /// <summary>Moments: one set per example and group of C/G channels over every position.</summary>
    private protected override NormalizationMoments MomentLayout(Shape input) => new()
    {
        FeatureAxis = 0, SetAxes = Enumerable.Repeat(true, input.Rank).ToArray(), AcrossBatch = false, Center = true, Epsilon = Epsilon,
        UnitsPerSet = input[0] / Groups,
    };

    private protected override bool HasScale => Affine;

    private protected override bool HasShift => Affine;

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("groups", Groups);
        a.Set("eps", Epsilon);
        a.Set("affine", Affine);
    }

    internal static Op Read(OpAttributes a) => new GroupNormOp(a.Integer("groups"), a.Number("eps", 1e-5), a.Boolean("affine", true));
}
