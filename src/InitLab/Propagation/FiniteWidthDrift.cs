using InitLab.Activations;
using InitLab.Numerics;
using InitLab.Theory;

namespace InitLab.Propagation;

/// <summary>
/// The band in which a network's total log10-std change over its depth lies because of finite width alone.
/// </summary>
/// <param name="Drift">The expected change of a single input's log10 std (Jensen's drift, &lt;= 0): sum over layers of
/// -v_l / (4 ln 10), weighted as the least-squares fit weighs the layers.</param>
/// <param name="Sd">Standard deviation of the fitted change: sqrt(sum_l v_l c_l^2) / (2 ln 10), c_l the fit's weight of
/// layer l's step.</param>
/// <param name="Low">Drift - z Sd, z = Phi^-1(1 - Alpha / 2).</param>
/// <param name="High">+z Sd (a batch average drifts less than one input, down to no drift at all, so the band spans both).</param>
/// <param name="Alpha">Probability that a scale-preserving network of this width and depth falls outside [Low, High].</param>
public sealed record DriftBand(double Drift, double Sd, double Low, double High, double Alpha)
{
    /// <summary>Whether <paramref name="log10Change"/> (relative to the infinite-width prediction) is within the band.</summary>
    public bool Contains(double log10Change) => log10Change >= Low && log10Change <= High;

    /// <summary>No finite-width fluctuation (infinite width): the band is the single point 0.</summary>
    public static DriftBand None(double alpha = FiniteWidthDrift.DefaultAlpha) => new(0, 0, 0, 0, alpha);
}

/// <summary>
/// Finite-width fluctuations of a deep network's signal scale: at finite width the log of a layer's mean square is a
/// random walk around the infinite-width (mean-field) trajectory, with variance growing like depth / width. This is what
/// the diagnosis compares a measured growth with before it blames the initialization (docs/lab.md has the derivation).
/// </summary>
/// <remarks>
/// Given layer l - 1, the pre-activations h_i of the n_l units of layer l are i.i.d. N(0, q_l) for Gaussian weights
/// (h_i = sum_j W_ij x_j + b_i: independent rows), so the layer's mean square m_l = (1/n_l) sum_i phi(h_i)^2 is an
/// average of n_l i.i.d. terms: m_l = E[phi^2] (1 + eps_l) with Var(eps_l) = v_l = Var(phi(h)^2) / (n_l E[phi(h)^2]^2),
/// and ln m_l gains ln(1 + eps_l), of mean -v_l/2 (Jensen) and variance v_l. The steps are independent across layers
/// (each uses fresh weights), so ln m_L - ln m_L(mean field) is a sum of L such steps (exactly for homogeneous activations
/// such as relu and identity, whose variance map is linear; to first order otherwise; contracting maps only damp it).
/// relu: v = 5 / n (E[relu^4] / E[relu^2]^2 = 6); identity: 2 / n. With square orthogonal weights |h| = |x| exactly and
/// only the part of phi(h)^2 not explained by h^2 fluctuates: v = (Var(phi^2) - Cov(phi^2, h^2)^2 / (2 q^2)) /
/// (n E[phi^2]^2) (relu: 3 / n; identity: 0). A residual layer x_l = x_(l-1) + alpha phi(h_l) adds to m_l only
/// alpha^2 phi^2 + 2 alpha x phi, so v = (4 alpha^2 m Var(phi) + 4 alpha^3 mean Cov(phi, phi^2) + alpha^4 Var(phi^2)) /
/// (n m_l^2) with m and mean those of x_(l-1).
/// </remarks>
public static class FiniteWidthDrift
{
    /// <summary>The default false-alarm probability of the band (1%).</summary>
    public const double DefaultAlpha = 0.01;

    /// <summary>
    /// v_l = Var(ln m_l | layer l - 1): the variance that one layer of width <paramref name="width"/> adds to the log of the
    /// mean square (see the class remarks for the formula of each case).
    /// </summary>
    /// <param name="activation">phi.</param>
    /// <param name="preActivationVariance">q_l = E[h^2] of the layer (mean field or measured); 0 or non-finite gives 0.</param>
    /// <param name="width">n_l &gt; 0.</param>
    /// <param name="orthogonalWeights">Square Haar-orthogonal weights (|h| = |x| exactly) instead of Gaussian ones.</param>
    /// <param name="residualAlpha">alpha of a residual layer x_l = x_(l-1) + alpha phi(h_l), or null.</param>
    /// <param name="inputMean">mean of x_(l-1) (residual layers only).</param>
    /// <param name="inputMeanSquare">mean square of x_(l-1) (residual layers only).</param>
    /// <exception cref="ArgumentException">width &lt;= 0.</exception>
    public static double LayerLogVariance(Activation activation, double preActivationVariance, int width, bool orthogonalWeights = false,
        double? residualAlpha = null, double inputMean = 0, double inputMeanSquare = 0)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Guard.Positive(width);
        double q = preActivationVariance;
        if (!(q > 0) || !double.IsFinite(q)) return 0;
        // Moments of phi(s z) / s, z ~ N(0, 1), s = sqrt(q): every ratio below is scale-free, and nothing overflows when
        // an exploding layer has q = 1e70.
        double s = Math.Sqrt(q);
        var (m1, m2, m3, m4, m2z2) = Moments(z => activation.Forward(s * z) / s, activation.Kinks.Select(k => k / s));
        double varSquare = m4 - m2 * m2;
        if (orthogonalWeights)
        {
            double covariance = m2z2 - m2; // Cov(phi^2, h^2) / q^2, with Var(h^2) / q^2 = 2
            varSquare -= covariance * covariance / 2;
        }
        varSquare = Math.Max(varSquare, 0);
        if (residualAlpha is not { } a)
            return m2 > 0 ? varSquare / (width * m2 * m2) : 0;
        // In units of q: x_(l-1) has mean inputMean / s and mean square inputMeanSquare / q.
        double mean = inputMean / s, meanSquare = inputMeanSquare / q;
        double output = meanSquare + 2 * a * mean * m1 + a * a * m2;
        double variance = 4 * a * a * meanSquare * (m2 - m1 * m1) + 4 * a * a * a * mean * (m3 - m1 * m2) + Math.Pow(a, 4) * varSquare;
        return output > 0 ? Math.Max(variance, 0) / (width * output * output) : 0;
    }

    /// <summary>
    /// The band of the total log10-std change over a network whose layer l adds log-variance v_l
    /// (<paramref name="layerLogVariances"/>[l - 1]), as <see cref="Diagnoser"/> measures it: the least-squares slope of
    /// log10 std over layers 0..L times L. With y_k = log10 std_k = y_0 + sum_(j &lt;= k) e_j, e_j of mean -v_j / (4 ln 10)
    /// and variance v_j / (4 ln^2 10), the fitted change is L sum_j c_j e_j with c_j = sum_(k &gt;= j) w_k and
    /// w_k = (k - L/2) / sum_k (k - L/2)^2, so its mean is L sum_j c_j mean(e_j) and its variance L^2 sum_j c_j^2 var(e_j)
    /// (for equal steps: mean L mean(e), variance 1.2 L var(e), against L var(e) for the end-to-end change).
    /// </summary>
    /// <param name="layerLogVariances">v_l per layer, from <see cref="LayerLogVariance"/>; zeros for infinite width.</param>
    /// <param name="alpha">The band's two-sided false-alarm probability, in (0, 1).</param>
    /// <exception cref="ArgumentException">An empty list, a negative or non-finite v_l, or alpha outside (0, 1).</exception>
    public static DriftBand Band(IReadOnlyList<double> layerLogVariances, double alpha = DefaultAlpha)
    {
        ArgumentNullException.ThrowIfNull(layerLogVariances);
        if (layerLogVariances.Count == 0)
            throw new ArgumentException("layerLogVariances needs at least one layer.", nameof(layerLogVariances));
        if (!(alpha > 0 && alpha < 1))
            throw new ArgumentException($"alpha must be in (0, 1), got {Guard.Fmt(alpha)}.", nameof(alpha));
        int depth = layerLogVariances.Count;
        double centre = depth / 2.0, sxx = 0;
        for (int k = 0; k <= depth; k++) sxx += (k - centre) * (k - centre);
        double ln10 = Math.Log(10), drift = 0, variance = 0, c = 0;
        for (int j = depth; j >= 1; j--)
        {
            double v = layerLogVariances[j - 1];
            if (!(v >= 0) || !double.IsFinite(v))
                throw new ArgumentException($"layerLogVariances[{j - 1}] must be a finite number >= 0, got {Guard.Fmt(v)}.", nameof(layerLogVariances));
            c += (j - centre) / sxx;            // c_j = sum_(k >= j) w_k
            drift += depth * c * (-v / (4 * ln10));
            variance += depth * depth * c * c * v / (4 * ln10 * ln10);
        }
        double sd = Math.Sqrt(variance), z = SpecialFunctions.NormalQuantile(1 - alpha / 2);
        return new DriftBand(drift, sd, drift - z * sd, z * sd, alpha);
    }

    /// <summary>E[phi(h)] and E[phi(h)^2] for h ~ N(0, q) by the fixed rule of <see cref="Moments"/> (relative error below
    /// 1e-9): the quick mean-field trajectory the diagnosis compares with.</summary>
    internal static (double Mean, double MeanSquare) GaussianMoments(Activation activation, double q)
    {
        if (!(q > 0)) return (activation.Forward(0), Square(activation.Forward(0)));
        double s = Math.Sqrt(q);
        var (m1, m2, _, _, _) = Moments(z => activation.Forward(s * z), activation.Kinks.Select(k => k / s));
        return (m1, m2);
    }

    /// <summary>
    /// E[phi], E[phi^2], E[phi^3], E[phi^4] and E[phi^2 z^2] for z ~ N(0, 1), by the 20-point Gauss-Legendre rule on panels
    /// of width at most 2 over [-8, 8] cut at the kinks: a fixed rule of about 160 evaluations whose error (below 1e-9
    /// for the catalogue's activations; the mass beyond 8 is 1.2e-15) is far below what a band of two significant digits
    /// needs, and cheap enough to run for every layer of every diagnosed trace.
    /// </summary>
    private static (double M1, double M2, double M3, double M4, double M2Z2) Moments(Func<double, double> phi, IEnumerable<double> kinks)
    {
        var cuts = Enumerable.Range(-4, 9).Select(i => 2.0 * i).Concat(kinks.Where(k => k > -8 && k < 8)).Distinct().Order().ToArray();
        double m1 = 0, m2 = 0, m3 = 0, m4 = 0, m2z2 = 0;
        for (int p = 0; p + 1 < cuts.Length; p++)
        {
            double half = 0.5 * (cuts[p + 1] - cuts[p]), mid = 0.5 * (cuts[p + 1] + cuts[p]);
            for (int i = 0; i < GaussLegendre.Order; i++)
            {
                double z = mid + half * GaussLegendre.Nodes[i];
                double w = half * GaussLegendre.Weights[i] * Math.Exp(-0.5 * z * z) * 0.3989422804014327;
                double f = phi(z), f2 = f * f;
                m1 += w * f;
                m2 += w * f2;
                m3 += w * f2 * f;
                m4 += w * f2 * f2;
                m2z2 += w * f2 * z * z;
            }
        }
        return (m1, m2, m3, m4, m2z2);
    }

    private static double Square(double x) => x * x;
}
