using InitLab.Theory;

namespace InitLab.Propagation;

/// <summary>
/// The mean-field engine: the infinite-width limit of a network, layer by layer, from the theory's variance and
/// correlation maps (Poole et al. 2016; Schoenholz et al. 2017). Same trace type as the sampling engines; quantities the
/// limit does not define (min, max, zero fraction) are NaN.
/// </summary>
/// <remarks>
/// For layer l with sigma_w,l (Gaussian: std * sqrt(fan_in); orthogonal: gain * sqrt(fan_in / max(fan_in, fan_out))):
/// q_l = sigma_w,l^2 m_(l-1) + sigma_b^2, mean_l = E[phi(sqrt(q_l) z)], m_l = E[phi(sqrt(q_l) z)^2]. With residual
/// connections x_l = x_(l-1) + alpha phi(h_l), and h_l independent of x_(l-1) unit by unit in the limit, so
/// mean_l = mean_(l-1) + alpha E[phi] and m_l = m_(l-1) + 2 alpha mean_(l-1) E[phi] + alpha^2 E[phi^2]. The correlation of
/// the first two inputs' pre-activations follows c_(l+1) = C(q_l, c_l) (plain networks only); independent Gaussian inputs
/// start from sigma_w^2 * 0 + sigma_b^2 over q_1.
/// </remarks>
public static class MeanFieldEngine
{
    /// <summary>Predicts the trace of <paramref name="spec"/> at infinite width.</summary>
    /// <exception cref="ArgumentException">Shared weights (the layers are not independent), or weights other than Gaussian,
    /// orthogonal, or custom with a known <see cref="WeightDistribution.Custom.StdOf"/>.</exception>
    public static PropagationTrace Run(NetworkSpec spec)
    {
        var (input, layers, firstNonFinite) = Predict(spec);
        return PropagationTrace.Diagnosed(Engine.MeanField, input, layers, firstNonFinite, spec);
    }

    /// <summary>
    /// The trace of <see cref="Run"/> without its diagnosis. <paramref name="quick"/> (for the sampling engines' diagnoses,
    /// which need the std to a few digits over possibly thousands of layers) takes E[phi] and E[phi^2] from a fixed
    /// 160-point rule instead of the adaptive 1e-13 quadrature, and skips the correlation map.
    /// </summary>
    internal static (LayerTrace Input, List<LayerTrace> Layers, int? FirstNonFinite) Predict(NetworkSpec spec, bool quick = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        if (spec.SharedWeights)
            throw new ArgumentException("the mean-field engine assumes fresh weights at every layer; shared weights correlate the layers, use --engine explicit.", nameof(spec));

        int n0 = spec.Widths[0];
        double mean, meanSquare, inputCross;
        if (spec.Input is { } x)
        {
            var s = Tensors.Stats.Of(x);
            mean = s.Mean;
            meanSquare = s.MeanSquare;
            inputCross = spec.Batch >= 2 ? Dot(x, 0, 1, n0) / n0 : double.NaN;
        }
        else
        {
            mean = 0;
            meanSquare = spec.InputVariance;
            inputCross = 0; // independent Gaussian inputs are orthogonal at infinite width
        }
        double std0 = Math.Sqrt(Math.Max(0, meanSquare - mean * mean));
        var input = new LayerTrace(0, mean, std0, meanSquare, double.NaN, double.NaN, double.NaN, 0, new PreActivationStats(mean, std0, meanSquare));

        var layers = new List<LayerTrace>(spec.Depth);
        int? firstNonFinite = null;
        double alpha = spec.ResidualAlpha ?? 1.0;
        double? correlation = null;
        double previousQ = double.NaN;
        for (int l = 1; l <= spec.Depth; l++)
        {
            var model = new MeanFieldModel(spec.Activation, SigmaW(spec.Weights, spec.Widths[l - 1], spec.Widths[l]), spec.SigmaB);
            var p = quick ? QuickLayer(model, meanSquare) : model.Predict(1, meanSquare).Layers[0];
            double q = p.PreMeanSquare;
            if (!quick && spec.ResidualAlpha is null && spec.Batch >= 2 && double.IsFinite(q) && q > 0)
            {
                correlation = l == 1
                    ? (model.SigmaW * model.SigmaW * inputCross + model.SigmaB * model.SigmaB) / q
                    : correlation is { } c && double.IsFinite(c) && previousQ > 0 ? model.CorrelationMap(previousQ, Math.Clamp(c, -1, 1)) : null;
            }
            if (spec.ResidualAlpha is null)
            {
                mean = p.PostMean;
                meanSquare = p.PostMeanSquare;
            }
            else
            {
                meanSquare = meanSquare + 2 * alpha * mean * p.PostMean + alpha * alpha * p.PostMeanSquare;
                mean += alpha * p.PostMean;
            }
            bool finite = double.IsFinite(q) && double.IsFinite(meanSquare);
            double std = finite ? Math.Sqrt(Math.Max(0, meanSquare - mean * mean)) : double.NaN;
            layers.Add(new LayerTrace(l, finite ? mean : double.NaN, std, meanSquare, double.NaN, double.NaN, double.NaN, finite ? 0 : 1,
                new PreActivationStats(0, Math.Sqrt(q), q), correlation));
            previousQ = q;
            if (!finite)
            {
                firstNonFinite = l;
                break;
            }
        }
        return (input, layers, firstNonFinite);
    }

    /// <summary>One layer of <see cref="MeanFieldModel.Predict"/> (q, E[phi], E[phi^2]) by <see cref="FiniteWidthDrift.GaussianMoments"/>.</summary>
    private static LayerPrediction QuickLayer(MeanFieldModel model, double inputMeanSquare)
    {
        double q = model.SigmaW * model.SigmaW * inputMeanSquare + model.SigmaB * model.SigmaB;
        if (!(q <= 1e300)) return new LayerPrediction(1, double.PositiveInfinity, double.NaN, double.PositiveInfinity, double.PositiveInfinity, double.NaN);
        var (mean, meanSquare) = FiniteWidthDrift.GaussianMoments(model.Activation, q);
        return new LayerPrediction(1, q, mean, meanSquare, Math.Sqrt(Math.Max(0, meanSquare - mean * mean)), double.NaN);
    }

    /// <summary>The mean-field sigma_w of a fan_in -&gt; fan_out layer.</summary>
    internal static double SigmaW(WeightDistribution weights, int fanIn, int fanOut) => weights switch
    {
        WeightDistribution.Gaussian g => g.SigmaW(fanIn, fanOut),
        // ||gain Q x||^2 = gain^2 ||x||^2 (orthonormal columns) or gain^2 (fan_out / fan_in) ||x||^2 (orthonormal rows):
        // per output unit that is gain^2 m fan_in / max(fan_in, fan_out).
        WeightDistribution.Orthogonal o => o.Gain * Math.Sqrt((double)fanIn / Math.Max(fanIn, fanOut)),
        WeightDistribution.Custom { StdOf: { } std } => std(fanIn, fanOut) * Math.Sqrt(fanIn),
        _ => throw new ArgumentException($"the mean-field engine needs Gaussian or orthogonal weights, not {weights.Describe()}.", nameof(weights)),
    };

    /// <summary>Dot product of rows <paramref name="a"/> and <paramref name="b"/> of a row-major matrix with n columns.</summary>
    private static double Dot(float[] x, int a, int b, int n)
    {
        double s = 0;
        for (int j = 0; j < n; j++) s += (double)x[a * n + j] * x[b * n + j];
        return s;
    }
}
