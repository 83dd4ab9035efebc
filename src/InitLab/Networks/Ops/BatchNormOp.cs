using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>batch_norm</c> with batch statistics (training mode, as at the first training step; Ioffe &amp; Szegedy 2015): for each
/// channel c (the first dimension of a (C, *spatial) or (C) input), mean and biased variance over the batch and the spatial
/// positions, y = gamma_c (x - mu_c) / sqrt(var_c + eps) + beta_c. gamma = 1, beta = 0 by default (PyTorch), eps = 1e-5.
/// With <c>running_stats</c> (inference mode: PyTorch's <c>eval()</c>, ONNX's BatchNormalization) mu_c and var_c are the
/// parameters <c>running_mean</c> (default 0) and <c>running_var</c> (default 1) instead of the batch's statistics.
/// </summary>
/// <remarks>Backward: the batch statistics are differentiated through (see <see cref="Normalization"/>); running statistics
/// are constants (dL/dx = gamma dL/dy / sqrt(var + eps)) and get a zero gradient.</remarks>
public sealed class BatchNormOp : NormalizationOp
{
    /// <summary>Creates a batch norm.</summary>
    /// <exception cref="ArgumentException">eps &lt;= 0.</exception>
    public BatchNormOp(double epsilon = 1e-5, bool affine = true, bool runningStats = false)
    {
        Guard.Positive(epsilon, "eps");
        Epsilon = epsilon;
        Affine = affine;
        RunningStats = runningStats;
    }

    /// <inheritdoc/>
    public override string Kind => "batch_norm";

    /// <summary>eps added to the variance.</summary>
    public double Epsilon { get; }

    /// <summary>Whether gamma and beta exist.</summary>
    public bool Affine { get; }

    /// <summary>Inference mode: normalize by the running_mean and running_var parameters instead of the batch statistics.</summary>
    public bool RunningStats { get; }

    /// <inheritdoc/>
    private protected override int StatisticsParameter => RunningStats ? (Affine ? 2 : 0) : -1;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        RequireRank(inputs, 1, "an input (channels, *spatial)");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs)
    {
        var c = new Shape(inputs[0][0]);
        var list = new List<ParameterSpec>();
        if (Affine) list.AddRange([new("weight", c, ParameterRole.Scale, Init.Ones()), new("bias", c, ParameterRole.Shift, Init.Zeros())]);
        if (RunningStats) list.AddRange([new("running_mean", c, ParameterRole.RunningMean, Init.Zeros()), new("running_var", c, ParameterRole.RunningVariance, Init.Ones())]);
        return list;
    }

    private protected override Normalization Layout(Shape input, int batch)
    {
        int c = input[0], p = (int)(input.Size / c);
        return new Normalization { Sets = c, Runs = batch, RunLength = p, SetStride = p, RunStride = c * p, AffineModulus = c, AffineStep = 1, AffineDivisor = p, Epsilon = Epsilon };
    }

    /// <summary>Moments: per channel, one set over the batch and the spatial positions: the channel's offset is removed.</summary>
    private protected override NormalizationMoments MomentLayout(Shape input) => new()
    {
        FeatureAxis = 0, SetAxes = Enumerable.Range(0, input.Rank).Select(a => a != 0).ToArray(), AcrossBatch = true, Center = true, Epsilon = Epsilon,
    };

    private protected override bool HasScale => Affine;

    private protected override bool HasShift => Affine;

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("eps", Epsilon);
        a.Set("affine", Affine);
        if (RunningStats) a.Set("running_stats", true);
    }

    internal static Op Read(OpAttributes a) => new BatchNormOp(a.Number("eps", 1e-5), a.Boolean("affine", true), a.Boolean("running_stats", false));
}
