using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Networks;

/// <summary>
/// What the moment engine uses of a parameter tensor: the mean and second moment of its elements, and for a weight its
/// per-tap gain. From the initializer's exact element law when its elements are i.i.d. (<see cref="Initializer.DistributionOf"/>),
/// else from the structure of the scheme (orthogonal, delta-orthogonal, dirac, eye, sparse).
/// </summary>
public sealed class ParameterLaw
{
    private ParameterLaw(Parameter parameter, double mean, double second, double[] tapGain, bool fresh, string? note)
    {
        Parameter = parameter;
        Mean = mean;
        Second = second;
        TapGain = tapGain;
        Fresh = fresh;
        Note = note;
    }

    /// <summary>The parameter.</summary>
    public Parameter Parameter { get; }

    /// <summary>E[w] over the elements.</summary>
    public double Mean { get; }

    /// <summary>E[w^2] over the elements.</summary>
    public double Second { get; }

    /// <summary>Var(w) = E[w^2] - E[w]^2.</summary>
    public double Variance => Math.Max(0, Second - Mean * Mean);

    /// <summary>
    /// For a weight of shape (out, in, *kernel): per kernel tap (row-major over the kernel), sum over the inputs of E[W[o, i, tap]^2],
    /// averaged over the outputs; a matrix (out, in) has one tap. A fresh zero-mean weight maps an input of second moment q at
    /// every tap to an output of second moment sum(TapGain) q.
    /// </summary>
    public double[] TapGain { get; }

    /// <summary>Sum of <see cref="TapGain"/>: the factor by which the weight multiplies a uniform input's second moment.</summary>
    public double Gain => TapGain.Sum();

    /// <summary>
    /// True when the weight is a fresh zero-mean random matrix (i.i.d. or Haar orthogonal): its output is then a Gaussian independent
    /// of every node it does not feed, in the infinite-width limit.
    /// </summary>
    public bool Fresh { get; }

    /// <summary>Why the weight is not fresh (a structured copy, a non-zero mean, shared with another node), or null.</summary>
    public string? Note { get; }

    /// <summary>
    /// For a <see cref="StackedInitializer"/> whose blocks have different laws: each block's law as a (rows / k, ...) parameter, first
    /// rows first (an attention's in_proj_weight: the query, key and value projections); null otherwise. The whole tensor's
    /// <see cref="Mean"/>, <see cref="Second"/> and <see cref="TapGain"/> are the blocks' averages (equal blocks of rows).
    /// </summary>
    public IReadOnlyList<ParameterLaw>? Blocks { get; private init; }

    /// <summary>The gain of block <paramref name="i"/> of <paramref name="count"/> (its <see cref="Gain"/>), or the whole tensor's gain when it is not stacked.</summary>
    public double BlockGain(int i, int count) => Blocks is { } b && b.Count == count ? b[i].Gain : Gain;

    /// <summary>The law of <paramref name="p"/>; <paramref name="shared"/> when another parameter draws the same tensor.</summary>
    /// <exception cref="ArgumentException">An initializer the engine cannot treat (the message names the node and parameter).</exception>
    public static ParameterLaw Of(Parameter p, bool shared = false)
    {
        ArgumentNullException.ThrowIfNull(p);
        var init = p.Initializer;
        var shape = p.Shape;
        int taps = shape.Rank > 2 ? (int)(shape.Size / (shape[0] * (long)shape[1])) : 1;
        int fanIn = shape.Rank >= 2 ? shape[1] : 1;
        string? sharedNote = shared ? $"{p.FullName} is shared with another node (the same tensor): its outputs are not independent of the other's" : null;
        var law = init.DistributionOf(shape);
        if (law is not null)
        {
            double second = law.Std * law.Std + law.Mean * law.Mean;
            string? note = law.Mean != 0 && p.Role == ParameterRole.Weight
                ? $"{p.FullName} has mean {law.Mean:G4}: its output carries {law.Mean:G4} x the sum of its inputs, correlated across units" : null;
            return new ParameterLaw(p, law.Mean, second, Fill(taps, fanIn * second), law.Mean == 0 && !shared, note ?? sharedNote);
        }
        switch (init)
        {
            case StackedInitializer stacked:
                {
                    // Each block of rows is its own parameter; the whole tensor's moments average the equal blocks.
                    var blockShape = stacked.BlockShape(shape);
                    var blocks = stacked.Blocks.Select(b => Of(new Parameter(p.Node, new ParameterSpec(p.Name, blockShape, p.Role, b), b, p.Stream), shared)).ToArray();
                    var gain = new double[taps];
                    foreach (var b in blocks)
                        for (int t = 0; t < taps; t++) gain[t] += b.TapGain[t] / blocks.Length;
                    string? blockNote = blocks.Select(b => b.Note).FirstOrDefault(n => n is not null);
                    return new ParameterLaw(p, blocks.Average(b => b.Mean), blocks.Average(b => b.Second), gain, blocks.All(b => b.Fresh), blockNote)
                    {
                        Blocks = blocks,
                    };
                }
            case GivenInitializer given:
                {
                    // A real model's values: their own mean and, per kernel tap, sum over inputs of the mean over outputs of W^2; the
                    // engine then treats them as i.i.d. with those moments (exact for the second moment of a fresh input, an assumption
                    // about their structure otherwise).
                    var v = given.Values;
                    double sum = 0, squares = 0;
                    var gain = new double[taps];
                    int outs = shape.Rank >= 2 ? shape[0] : 1;
                    for (int k = 0; k < v.Length; k++)
                    {
                        double w = v[k];
                        sum += w;
                        squares += w * w;
                        gain[k % taps] += w * w;
                    }
                    for (int t = 0; t < taps; t++) gain[t] /= outs;
                    double mean = sum / v.Length, second = squares / v.Length;
                    return new ParameterLaw(p, mean, second, p.Role == ParameterRole.Weight ? gain : Fill(taps, fanIn * second), !shared,
                        $"{p.FullName} holds given values ({init.Name}): taken as i.i.d. with their mean {mean:G4} and mean square {second:G4}");
                }
            case OrthogonalInitializer o:
                {
                    // Haar (semi-)orthogonal rows of the flattened (out, in * taps) matrix, times the gain: E[W_ij^2] = g^2 / max(rows, cols).
                    double s = init.TargetStd(shape);
                    return new ParameterLaw(p, 0, s * s, Fill(taps, fanIn * s * s), !shared, sharedNote);
                }
            case SparseInitializer:
                {
                    double s = init.TargetStd(shape);
                    return new ParameterLaw(p, 0, s * s, Fill(taps, fanIn * s * s), !shared, sharedNote);
                }
            case DeltaOrthogonalInitializer d when shape.Rank > 2:
                {
                    // An orthogonal (out, in) matrix times the scale at the centre tap, zero elsewhere (Xiao et al. 2018).
                    int outs = shape[0], ins = shape[1];
                    var gain = new double[taps];
                    gain[taps / 2] = d.Scale * d.Scale * ins / Math.Max(outs, ins);
                    double second = d.Scale * d.Scale * Math.Min(outs, ins) / ((double)shape.Size);
                    return new ParameterLaw(p, 0, second, gain, !shared, sharedNote);
                }
            case DiracInitializer dirac when shape.Rank > 2:
                {
                    int outs = shape[0], ins = shape[1], per = outs / dirac.Groups;
                    double ones = (double)dirac.Groups * Math.Min(per, ins);
                    var gain = new double[taps];
                    gain[taps / 2] = ones / outs;
                    return new ParameterLaw(p, ones / shape.Size, ones / shape.Size, gain, false,
                        $"{p.FullName} is a dirac kernel: the output copies the input, so it is not independent of it");
                }
            case EyeInitializer eye when shape.Rank == 2:
                {
                    double ones = Math.Min(shape[0], shape[1]);
                    return new ParameterLaw(p, ones * eye.Gain / shape.Size, ones * eye.Gain * eye.Gain / shape.Size,
                        [ones * eye.Gain * eye.Gain / shape[0]], false,
                        $"{p.FullName} is {init.Name}: the output copies the input, so it is not independent of it");
                }
        }
        throw new ArgumentException($"node '{p.Node}': the moments engine cannot treat parameter '{p.Name}' initialized by {init.Name} (its elements have no known law).", nameof(p));
    }

    private static double[] Fill(int taps, double perTap) => Fields.Constant(taps, perTap);

    /// <inheritdoc/>
    public override string ToString() => $"{Parameter.FullName}: mean {Mean:G4}, E[w^2] {Second:G4}, gain {Gain:G4}{(Fresh ? "" : " (not fresh)")}";
}
