using InitLab.Activations;
using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>What the moment engine knows about the law of a node's elements, beyond their first two moments.</summary>
public enum LawKind
{
    /// <summary>Gaussian given the node's moments (exact in the infinite-width limit: the output of a fresh random projection,
    /// a Gaussian input, an affine map of either, a sum of independent ones).</summary>
    Gaussian,

    /// <summary>An element-wise function f(G) of a Gaussian node G (<see cref="MomentLaw.Origin"/>), plus, when
    /// <see cref="MomentLaw.NoiseVariance"/> is set, an independent Gaussian: expectations of any further element-wise function are
    /// one-dimensional integrals, so they stay exact.</summary>
    Mapped,

    /// <summary>A part held as a Gauss rule exact in its first moments (<see cref="MomentLaw.Rule"/>), plus an independent Gaussian:
    /// the law of a sum of independent non-Gaussian parts (a residual stream after relu(x + f(x))).</summary>
    Quadrature,

    /// <summary>Neither: a later nonlinear op treats it as a Gaussian with its moments and says so in the trace.</summary>
    Other,
}

/// <summary>
/// An element-wise map x = f(g) of a Gaussian origin g, with the points where f is not smooth (for quadrature) and whether f is
/// non-decreasing (then max(f(g_i)) = f(max g_i), so max-pooling stays exact).
/// </summary>
public sealed class ElementMap
{
    private ElementMap(Func<double, double> f, IReadOnlyList<double> kinks, bool monotone, string description, (double A, double B)? affine = null)
    {
        F = f;
        Kinks = kinks;
        Monotone = monotone;
        Description = description;
        Affine = affine;
    }

    /// <summary>(a, b) when f(g) = a g + b, else null.</summary>
    public (double A, double B)? Affine { get; }

    /// <summary>f.</summary>
    public Func<double, double> F { get; }

    /// <summary>Points of the origin's axis where f is not smooth.</summary>
    public IReadOnlyList<double> Kinks { get; }

    /// <summary>True when f is non-decreasing.</summary>
    public bool Monotone { get; }

    /// <summary>f in words, e.g. <c>relu(1.4142 g + 0)</c>.</summary>
    public string Description { get; }

    /// <summary>The identity map.</summary>
    public static ElementMap Identity { get; } = new(x => x, [], true, "g", (1, 0));

    /// <summary>phi o this (the kinks of phi pulled back only through affine maps; quadrature refines the rest adaptively).</summary>
    public ElementMap Then(Activation phi)
    {
        ArgumentNullException.ThrowIfNull(phi);
        var inner = F;
        // A kink of phi is pulled back in closed form through an affine chain; behind another nonlinearity the quadrature's
        // adaptive bisection finds it.
        var pulled = Affine is { } ab && ab.A != 0 ? phi.Kinks.Select(k => (k - ab.B) / ab.A) : [];
        var kinks = Kinks.Concat(pulled).Distinct().Order().ToArray();
        return new ElementMap(x => phi.Forward(inner(x)), kinks, Monotone && IsMonotone(phi), $"{phi.Name}({Description})");
    }

    /// <summary>a this + b.</summary>
    public ElementMap ThenAffine(double a, double b)
    {
        var inner = F;
        (double, double)? affine = Affine is { } ab ? (a * ab.A, a * ab.B + b) : null;
        return new ElementMap(x => a * inner(x) + b, Kinks, Monotone && a >= 0, $"{Fmt(a)} {Description} + {Fmt(b)}", affine);
    }

    /// <summary>sum_i s_i f_i(g): several maps of one origin added (an add of element-wise functions of one node).</summary>
    public static ElementMap Sum(IReadOnlyList<ElementMap> maps, IReadOnlyList<double> scales)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(scales);
        var fs = maps.Select(m => m.F).ToArray();
        var s = scales.ToArray();
        (double, double)? affine = maps.All(m => m.Affine is not null)
            ? (maps.Select((m, i) => s[i] * m.Affine!.Value.A).Sum(), maps.Select((m, i) => s[i] * m.Affine!.Value.B).Sum()) : null;
        return new ElementMap(x =>
        {
            double y = 0;
            for (int i = 0; i < fs.Length; i++) y += s[i] * fs[i](x);
            return y;
        }, maps.SelectMany(m => m.Kinks).Distinct().Order().ToArray(), maps.All(m => m.Monotone) && s.All(v => v >= 0),
            string.Join(" + ", maps.Select((m, i) => $"{Fmt(s[i])} {m.Description}")), affine);
    }

    private static bool IsMonotone(Activation phi) => phi.Name switch
    {
        "identity" or "relu" or "tanh" or "sigmoid" or "erf" or "softplus" or "selu" => true,
        "leaky_relu" => (phi.Parameter ?? 0.01) >= 0,
        "elu" => (phi.Parameter ?? 1) >= 0,
        _ => false, // gelu, silu, mish dip below zero
    };

    private static string Fmt(double x) => x.ToString("G5", System.Globalization.CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override string ToString() => Description;
}

/// <summary>The law of a node's elements as far as the moment engine tracks it.</summary>
/// <param name="Kind">Gaussian, mapped from a Gaussian, a Gauss rule, or other.</param>
/// <param name="Origin">For <see cref="LawKind.Mapped"/>: the index of the Gaussian origin node; for Gaussian: the node itself; else -1.</param>
/// <param name="Map">For <see cref="LawKind.Mapped"/>: x = Map(origin) (+ the noise).</param>
/// <param name="Note">For <see cref="LawKind.Other"/>: what the law is, for the trace ("a sum of a relu output and a Gaussian").</param>
public sealed record MomentLaw(LawKind Kind, int Origin, ElementMap? Map, string? Note)
{
    /// <summary>Mapped and Quadrature laws: the mean per position of an independent Gaussian part (null: none).</summary>
    public double[]? NoiseMean { get; init; }

    /// <summary>Mapped and Quadrature laws: the variance per position of an independent Gaussian part (null: none).</summary>
    public double[]? NoiseVariance { get; init; }

    /// <summary>Quadrature: the nodes and weights of the Gauss rule of the standardized non-Gaussian part Z.</summary>
    public (double[] Nodes, double[] Weights)? Rule { get; init; }

    /// <summary>Quadrature: the non-Gaussian part is PartMean[p] + PartStd[p] Z.</summary>
    public double[]? PartMean { get; init; }

    /// <summary>Quadrature: see <see cref="PartMean"/>.</summary>
    public double[]? PartStd { get; init; }

    /// <summary>Quadrature: the non-Gaussian part is a per-unit offset (a bias), shared by every example and position of a unit.</summary>
    public bool PartIsOffset { get; init; }

    /// <summary>True for a Gaussian law or a map of one without noise (an element-wise function of one Gaussian node).</summary>
    public bool PureMap => Kind is LawKind.Gaussian or LawKind.Mapped && NoiseVariance is null && Map is not null && Origin >= 0;

    /// <summary>True when the elements are Gaussian: a Gaussian node, or an affine map of one plus independent Gaussian noise.</summary>
    public bool IsGaussian => Kind == LawKind.Gaussian || Kind == LawKind.Mapped && Map?.Affine is not null;

    /// <summary>A Gaussian node (its own origin).</summary>
    public static MomentLaw Gaussian(int node) => new(LawKind.Gaussian, node, ElementMap.Identity, null);

    /// <summary>Not Gaussian and not an element-wise map of one: <paramref name="note"/> says what it is.</summary>
    public static MomentLaw Other(string note) => new(LawKind.Other, -1, null, note);
}

/// <summary>
/// The moment engine's state at one node, in the infinite-width limit. Per position (every index of the shape except the feature
/// axis, whose units random weights mix and which are exchangeable): the mean and second moment of the elements, averaged over
/// the units, and the amplitude A(p) of the unit's offset, the Gaussian component a unit shares across every example and position
/// (y = m(p) + A(p) Z_unit + r: a fresh weight turns the input's mean into such an offset, W m, and so does a bias); and the
/// centered covariances of the remainder r between two elements of one unit in two examples at one position
/// (<see cref="ResidualExample"/>), at two positions of one example (<see cref="ResidualPosition"/>, attention mixes tokens) and in
/// two examples at two positions (<see cref="ResidualCross"/>), each averaged over the pairs; and the law.
/// </summary>
/// <remarks>
/// <para>The covariance of two elements of one unit is then A(p) A(p') plus the residual of their kind: rank one in the positions
/// for the offsets, so that zero padding, which gives border positions smaller offsets, and batch norm, which subtracts the
/// average offset, keep their per-position effects.</para>
/// <para>The feature axis is the channel axis 0 for (C, *spatial) tensors and the last axis for (..., features): <c>conv</c> and the
/// pools write channels-first states, <c>linear</c>, <c>layer_norm</c> and <c>attention</c> features-last; an op that reads a
/// state in the other layout converts it (<see cref="ToLayout"/>: the fields are averaged over the new feature axis).</para>
/// </remarks>
public sealed class MomentState
{
    /// <summary>Creates a state; <paramref name="mean"/>, <paramref name="second"/> and <paramref name="offset"/> have one entry per position.</summary>
    /// <exception cref="ArgumentException">Field lengths that do not match the shape and feature axis.</exception>
    public MomentState(Shape shape, int featureAxis, double[] mean, double[] second, double[] offset, double residualExample,
        double residualPosition, double residualCross, MomentLaw law)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(offset);
        ArgumentNullException.ThrowIfNull(law);
        if (featureAxis < 0 || featureAxis >= shape.Rank)
            throw new ArgumentException($"feature axis {featureAxis} is outside shape {shape}.", nameof(featureAxis));
        long positions = shape.Size / shape[featureAxis];
        if (mean.Length != positions || second.Length != positions || offset.Length != positions)
            throw new ArgumentException($"a state of shape {shape} with feature axis {featureAxis} has {positions} positions, got fields of {mean.Length}, {second.Length} and {offset.Length}.", nameof(mean));
        Shape = shape;
        FeatureAxis = featureAxis;
        Mean = mean;
        Second = second;
        Offset = offset;
        ResidualExample = residualExample;
        ResidualPosition = positions > 1 ? residualPosition : 0;
        ResidualCross = positions > 1 ? residualCross : residualExample;
        Law = law;
    }

    /// <summary>A state without offsets or residual covariances (independent elements).</summary>
    public static MomentState Independent(Shape shape, int featureAxis, double[] mean, double[] second, MomentLaw law) =>
        new(shape, featureAxis, mean, second, new double[mean.Length], 0, 0, 0, law);

    /// <summary>The node's shape without the batch.</summary>
    public Shape Shape { get; }

    /// <summary>The axis whose entries are exchangeable units (channels or features).</summary>
    public int FeatureAxis { get; }

    /// <summary>Units along the feature axis.</summary>
    public int Units => Shape[FeatureAxis];

    /// <summary>Number of positions P (the shape's size over the units).</summary>
    public int Positions => Mean.Length;

    /// <summary>E[y] per position, averaged over units.</summary>
    public double[] Mean { get; }

    /// <summary>E[y^2] per position, averaged over units.</summary>
    public double[] Second { get; }

    /// <summary>A(p): the amplitude (signed) of the unit's offset at each position; Cov of one unit across examples includes A(p) A(p').</summary>
    public double[] Offset { get; }

    /// <summary>Cov of the remainders of one unit in two examples at one position, averaged over positions.</summary>
    public double ResidualExample { get; }

    /// <summary>Cov of the remainders of one unit at two positions of one example, averaged over pairs (0 with one position).</summary>
    public double ResidualPosition { get; }

    /// <summary>Cov of the remainders of one unit in two examples at two positions, averaged over pairs (ResidualExample with one position).</summary>
    public double ResidualCross { get; }

    /// <summary>The law of the elements.</summary>
    public MomentLaw Law { get; }

    /// <summary>E[y] over every element.</summary>
    public double AverageMean => Mean.Average();

    /// <summary>E[y^2] over every element.</summary>
    public double AverageSecond => Second.Average();

    /// <summary>The variance of the elements taken together: E[y^2] - E[y]^2 over every element (what the explicit engine's
    /// std over the batch estimates).</summary>
    public double Variance => Math.Max(0, AverageSecond - AverageMean * AverageMean);

    /// <summary>E[y^2] - E[y]^2 at position p.</summary>
    public double VarianceAt(int p) => Math.Max(0, Second[p] - Mean[p] * Mean[p]);

    /// <summary>The mean over positions of VarianceAt(p): the variance within a position.</summary>
    public double AverageVariance
    {
        get
        {
            double s = 0;
            for (int p = 0; p < Positions; p++) s += VarianceAt(p);
            return s / Positions;
        }
    }

    /// <summary>Cov of one unit in two examples at one position, averaged over positions: mean A(p)^2 + ResidualExample.</summary>
    public double CovExample => Squares(Offset) + ResidualExample;

    /// <summary>Cov of one unit at two positions of one example, averaged over pairs: mean A(p) A(p') + ResidualPosition.</summary>
    public double CovPosition => Positions > 1 ? Pairs(Offset) + ResidualPosition : 0;

    /// <summary>Cov of one unit in two examples at two positions, averaged over pairs: mean A(p) A(p') + ResidualCross.</summary>
    public double CovCross => Positions > 1 ? Pairs(Offset) + ResidualCross : CovExample;

    /// <summary>The mean over positions of Mean[p]^2 (the mean part of a same-position product).</summary>
    public double MeanSquareOfMeans => Squares(Mean);

    /// <summary>The mean over position pairs p != p' of Mean[p] Mean[p'].</summary>
    public double MeanProductOfPairs => Pairs(Mean);

    /// <summary>The mean over positions of f[p]^2.</summary>
    public static double Squares(double[] f)
    {
        double s = 0;
        foreach (double v in f) s += v * v;
        return s / f.Length;
    }

    /// <summary>The mean over pairs p != p' of f[p] f[p'] (f[0]^2 with one position).</summary>
    public static double Pairs(double[] f)
    {
        int n = f.Length;
        if (n < 2) return n == 1 ? f[0] * f[0] : 0;
        double sum = 0, squares = 0;
        foreach (double v in f)
        {
            sum += v;
            squares += v * v;
        }
        return (sum * sum - squares) / ((double)n * (n - 1));
    }

    /// <summary>The uncentered correlation of two examples' outputs, q12 / sqrt(q11 q22): the explicit trace's correlation.</summary>
    public double Correlation
    {
        get
        {
            double q = AverageSecond;
            return q > 0 ? Math.Clamp((CovExample + MeanSquareOfMeans) / q, -1, 1) : double.NaN;
        }
    }

    /// <summary>True when every position has the same mean, second moment and offset (to 1e-12 relative).</summary>
    public bool Uniform
    {
        get
        {
            double m0 = Mean[0], s0 = Second[0], a0 = Offset[0];
            for (int p = 1; p < Positions; p++)
                if (Math.Abs(Mean[p] - m0) > 1e-12 * (1 + Math.Abs(m0)) || Math.Abs(Second[p] - s0) > 1e-12 * (1 + s0)
                    || Math.Abs(Offset[p] - a0) > 1e-12 * (1 + Math.Abs(a0))) return false;
            return true;
        }
    }

    /// <summary>A copy with another law.</summary>
    public MomentState WithLaw(MomentLaw law) => new(Shape, FeatureAxis, Mean, Second, Offset, ResidualExample, ResidualPosition, ResidualCross, law);

    /// <summary>
    /// The same state with <paramref name="axis"/> as the feature axis: each new position's mean and second moment are the
    /// averages over the old field of its elements, its offset the root mean square. The residual covariances are kept (an
    /// approximation when the field is not uniform).
    /// </summary>
    public MomentState ToLayout(int axis)
    {
        if (axis < 0) axis += Shape.Rank;
        if (axis == FeatureAxis) return this;
        var offsetSquares = Fields.Convert(Shape, FeatureAxis, axis, Offset.Select(a => a * a).ToArray());
        return new MomentState(Shape, axis, Fields.Convert(Shape, FeatureAxis, axis, Mean), Fields.Convert(Shape, FeatureAxis, axis, Second),
            offsetSquares.Select(Math.Sqrt).ToArray(), ResidualExample, ResidualPosition, ResidualCross, Law);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Shape} (units on axis {FeatureAxis}): mean {AverageMean:G6}, variance {Variance:G6}, offset^2 {Squares(Offset):G4}, residual example {ResidualExample:G4}, position {ResidualPosition:G4}, cross {ResidualCross:G4}, {Law.Kind}";
}

/// <summary>Per-position fields of a tensor shape with one feature axis.</summary>
public static class Fields
{
    /// <summary>The default feature axis of a shape: 0 for a vector or a (C, *spatial) tensor of rank 3 or more, the last for (T, D).</summary>
    public static int DefaultAxis(Shape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return shape.Rank == 2 ? 1 : 0;
    }

    /// <summary>Number of positions of <paramref name="shape"/> with <paramref name="axis"/> as the feature axis.</summary>
    public static int Positions(Shape shape, int axis) => (int)(shape.Size / shape[axis]);

    /// <summary>A field of <paramref name="positions"/> equal values.</summary>
    public static double[] Constant(int positions, double value)
    {
        var f = new double[positions];
        Array.Fill(f, value);
        return f;
    }

    /// <summary>The field over the positions of feature axis <paramref name="to"/>: each entry the average of the old field over its elements.</summary>
    public static double[] Convert(Shape shape, int from, int to, double[] field)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(field);
        if (from == to) return field;
        int rank = shape.Rank;
        var dims = shape.Dims.ToArray();
        var result = new double[Positions(shape, to)];
        var count = new int[result.Length];
        var index = new int[rank];
        for (long e = 0; e < shape.Size; e++)
        {
            int pf = 0, pt = 0;
            for (int a = 0; a < rank; a++)
            {
                if (a != from) pf = pf * dims[a] + index[a];
                if (a != to) pt = pt * dims[a] + index[a];
            }
            result[pt] += field[pf];
            count[pt]++;
            for (int a = rank - 1; a >= 0; a--)
            {
                if (++index[a] < dims[a]) break;
                index[a] = 0;
            }
        }
        for (int p = 0; p < result.Length; p++) result[p] /= count[p];
        return result;
    }
}
