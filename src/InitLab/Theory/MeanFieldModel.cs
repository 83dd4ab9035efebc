using InitLab.Activations;
using InitLab.Numerics;

namespace InitLab.Theory;

/// <summary>
/// Mean-field (infinite-width) theory of a deep fully connected network h_{l+1} = W_{l+1} phi(h_l) + b_{l+1} with fresh
/// Gaussian weights W_ij ~ N(0, sigma_w^2 / N) and biases b_i ~ N(0, sigma_b^2) at every layer (Poole et al. 2016,
/// "Exponential expressivity in deep neural networks through transient chaos"; Schoenholz et al. 2017, "Deep
/// Information Propagation"; Pennington et al. 2017, "Resurrecting the sigmoid"). With z, z1, z2 independent N(0, 1),
/// u1 = sqrt(q) z1 and u2 = sqrt(q) (c z1 + sqrt(1 - c^2) z2):
/// <list type="bullet">
/// <item>variance map q_{l+1} = F(q_l) = sigma_w^2 E[phi(sqrt(q_l) z)^2] + sigma_b^2, fixed point q*;</item>
/// <item>correlation map c_{l+1} = C(c_l) = (sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2) / F(q), at q = q*; c* = 1 is always a
/// fixed point, and a second one c* &lt; 1 attracts in the chaotic phase;</item>
/// <item>chi_1 = sigma_w^2 E[phi'(sqrt(q*) z)^2] = C'(1), the mean squared singular value of one layer's Jacobian;</item>
/// <item>depth scales xi_q = -1 / ln F'(q*) and xi_c = -1 / ln chi_c, chi_c = sigma_w^2 E[phi'(u1) phi'(u2)] at c*,
/// infinite at criticality.</item>
/// </list>
/// All expectations are by <see cref="GaussianExpectation"/> (split at the activation's kinks); fixed points and the
/// critical line by Brent's method on guaranteed brackets, so nothing loops forever.
/// </summary>
public sealed class MeanFieldModel
{
    /// <summary>chi_1 within this distance of 1 is reported as <see cref="Phase.Critical"/>.</summary>
    public const double CriticalTolerance = 1e-8;

    /// <summary>
    /// The variance up to which the search for q* looks, relative to 1 + sigma_w^2 + sigma_b^2; beyond it the map is
    /// reported <see cref="FixedPointKind.Divergent"/>. A bounded activation has q* &lt;= sigma_w^2 sup phi^2 + sigma_b^2,
    /// far below; only activations growing like relu reach it.
    /// </summary>
    public const double DivergenceThreshold = 1e30;

    // The q -> 0+ limits (chi_1 of relu at q* = 0 is sigma_w^2 / 2, not phi'(0)^2 = 0) are evaluated here.
    private const double TinyVariance = 1e-24;

    /// <summary>A model for <paramref name="activation"/> with weight and bias standard deviations sigma_w and sigma_b.</summary>
    /// <exception cref="ArgumentException">sigma_w or sigma_b is negative, NaN, infinite or so large that its square overflows.</exception>
    public MeanFieldModel(Activation activation, double sigmaW, double sigmaB)
    {
        ArgumentNullException.ThrowIfNull(activation);
        Guard.FiniteSquare(sigmaW, "sigma_w");
        Guard.FiniteSquare(sigmaB, "sigma_b");
        Activation = activation;
        SigmaW = sigmaW;
        SigmaB = sigmaB;
    }

    /// <summary>
    /// A model for the catalogue activation called <paramref name="activation"/> (aliases included, with its parameter:
    /// leaky_relu's slope, elu's alpha): <c>new MeanFieldModel("tanh", 1.5, 0.1)</c> is
    /// <c>new MeanFieldModel(Activation.Tanh, 1.5, 0.1)</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown activation name or bad parameter; sigma_w or sigma_b negative, NaN or infinite.</exception>
    public MeanFieldModel(string activation, double sigmaW, double sigmaB, double? activationParameter = null)
        : this(ActivationRegistry.Parse(activation ?? throw new ArgumentNullException(nameof(activation)), activationParameter), sigmaW, sigmaB)
    {
    }

    /// <summary>The nonlinearity phi.</summary>
    public Activation Activation { get; }

    /// <summary>Weight standard deviation: W_ij ~ N(0, sigma_w^2 / fan_in).</summary>
    public double SigmaW { get; }

    /// <summary>Bias standard deviation: b_i ~ N(0, sigma_b^2).</summary>
    public double SigmaB { get; }

    /// <summary>F(q) = sigma_w^2 E[phi(sqrt(q) z)^2] + sigma_b^2: the next layer's pre-activation second moment.</summary>
    /// <exception cref="ArgumentException">q is negative or not finite.</exception>
    public double VarianceMap(double q)
    {
        Guard.NonNegative(q);
        return SigmaW * SigmaW * PostSecondMoment(q) + SigmaB * SigmaB;
    }

    /// <summary>
    /// F'(q) = sigma_w^2 d/dq E[phi(sqrt(q) z)^2] = sigma_w^2 E[z phi(sqrt(q) z) phi'(sqrt(q) z)] / sqrt(q) (differentiating
    /// under the integral; needs only phi', so it holds for relu too). At q = 0 the q -&gt; 0+ limit.
    /// </summary>
    /// <exception cref="ArgumentException">q is negative or not finite.</exception>
    public double VarianceMapSlope(double q)
    {
        Guard.NonNegative(q);
        double qe = Math.Max(q, TinyVariance), r = Math.Sqrt(qe);
        var phi = Activation;
        double e = GaussianExpectation.NormalCore(x => x * phi.Forward(x) * phi.Derivative(x), 0, r, phi.Kinks);
        // E[z phi(r z) phi'(r z)] with x = r z is E[x phi(x) phi'(x)] / r.
        return SigmaW * SigmaW * e / (r * r);
    }

    /// <summary>
    /// C(q, c) = (sigma_w^2 E[phi(u1) phi(u2)] + sigma_b^2) / F(q): the correlation of two inputs at the next layer when
    /// both have pre-activation variance q and correlation c. At q = q* this is the correlation map of Poole et al.
    /// </summary>
    /// <exception cref="ArgumentException">q is not positive and finite, or c is outside [-1, 1].</exception>
    public double CorrelationMap(double q, double c)
    {
        Guard.Positive(q);
        RequireCorrelation(c);
        double next = VarianceMap(q);
        if (next == 0) return 1.0;
        return (SigmaW * SigmaW * Covariance(q, c) + SigmaB * SigmaB) / next;
    }

    /// <summary>
    /// chi_c(q, c) = sigma_w^2 E[phi'(u1) phi'(u2)]; chi_c(q, 1) = chi(q) = sigma_w^2 E[phi'(sqrt(q) z)^2], which at q* is chi_1.
    /// By Price's theorem dC/dc = q chi_c(q, c) / F(q), so at q* chi_c is the slope of the correlation map.
    /// </summary>
    /// <exception cref="ArgumentException">q is negative or not finite, or c is outside [-1, 1].</exception>
    public double ChiC(double q, double c)
    {
        Guard.NonNegative(q);
        RequireCorrelation(c);
        double qe = Math.Max(q, TinyVariance);
        var phi = Activation;
        double e = c == 1
            ? GaussianExpectation.NormalCore(x => Square(phi.Derivative(x)), 0, Math.Sqrt(qe), phi.Kinks)
            : GaussianExpectation.BivariateCore((a, b) => phi.Derivative(a) * phi.Derivative(b), qe, qe, c, phi.Kinks);
        return SigmaW * SigmaW * e;
    }

    /// <summary>chi(q) = sigma_w^2 E[phi'(sqrt(q) z)^2]: the mean squared singular value of a layer's Jacobian at variance q.</summary>
    public double Chi(double q) => ChiC(q, 1.0);

    /// <summary>
    /// The fixed point of the variance map reached by iterating from <paramref name="initialVariance"/>: bracketed by
    /// doubling (up) or halving (down) from q0 until F(q) - q changes sign, then Brent's method to full precision
    /// (|F(q*) - q*| &lt;= 1e-12 q*). Reports q* = 0 (trivial) when F(q) &lt; q all the way down to 0 and F(0) = 0, and
    /// divergence (no fixed point) when F(q) &gt; q up to <see cref="DivergenceThreshold"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The initial variance is not positive and finite.</exception>
    public VarianceFixedPoint FindVarianceFixedPoint(double initialVariance = 1.0)
    {
        Guard.Positive(initialVariance);
        double q0 = initialVariance;
        double g0 = VarianceMap(q0) - q0;
        if (Math.Abs(g0) <= 1e-14 * q0) return new VarianceFixedPoint(q0, FixedPointKind.Finite); // every q is fixed (linear, sigma_w = 1)
        Func<double, double> g = q => VarianceMap(q) - q;
        if (g0 > 0)
        {
            double limit = DivergenceLimit;
            double lo = q0, glo = g0;
            for (double hi = 2 * q0; hi <= limit; hi *= 2)
            {
                double ghi = g(hi);
                if (ghi <= 0)
                    return new VarianceFixedPoint(RootFinding.Brent(g, lo, hi, glo, ghi, 0), FixedPointKind.Finite);
                lo = hi;
                glo = ghi;
            }
            return new VarianceFixedPoint(double.PositiveInfinity, FixedPointKind.Divergent);
        }
        else
        {
            double hi = q0, ghi = g0;
            for (double lo = q0 / 2; lo >= q0 * 1e-30; lo /= 2)
            {
                double glo = g(lo);
                if (glo >= 0)
                    return new VarianceFixedPoint(RootFinding.Brent(g, lo, hi, glo, ghi, 0), FixedPointKind.Finite);
                hi = lo;
                ghi = glo;
            }
            double f0 = VarianceMap(0);
            if (f0 == 0) return new VarianceFixedPoint(0, FixedPointKind.Trivial);
            return new VarianceFixedPoint(RootFinding.Brent(g, 0, hi, f0, ghi, 0), FixedPointKind.Finite);
        }
    }

    /// <summary>
    /// The attracting fixed point of the correlation map at variance <paramref name="qStar"/>: 1 when chi_1 &lt;= 1 +
    /// <see cref="CriticalTolerance"/>; otherwise the root of C(c) - c in [0, 1), bracketed by C(0) - 0 &gt;= 0 and the first
    /// point of 0.5, 0.9, 0.99, ... where C(c) &lt; c, then Brent's method. When no such point is found above 1 - 1e-10
    /// (chi_1 barely above 1), c* is 1 to that precision.
    /// </summary>
    /// <exception cref="ArgumentException">q* is not positive and finite.</exception>
    public double FindCorrelationFixedPoint(double qStar)
    {
        Guard.Positive(qStar);
        if (Chi(qStar) <= 1 + CriticalTolerance) return 1.0;
        Func<double, double> h = c => CorrelationMap(qStar, c) - c;
        double lo = 0, hlo = h(0);
        if (hlo <= 0) return 0.0;
        for (double gap = 0.5; gap >= 1e-10; gap /= gap > 0.4 ? 5 : 10)
        {
            double hi = 1 - gap, hhi = h(hi);
            if (hhi < 0) return RootFinding.Brent(h, lo, hi, hlo, hhi, 1e-15);
            lo = hi;
            hlo = hhi;
        }
        return 1.0;
    }

    /// <summary>chi_1 at the fixed point reached from q0 (the q -&gt; 0 or q -&gt; infinity limit when q* is trivial or divergent).</summary>
    /// <exception cref="ArgumentException">The initial variance is not positive and finite.</exception>
    public (VarianceFixedPoint FixedPoint, double Chi1) FindChi1(double initialVariance = 1.0)
    {
        var fixedPoint = FindVarianceFixedPoint(initialVariance);
        double q = fixedPoint.Kind == FixedPointKind.Divergent ? DivergenceLimit : fixedPoint.QStar;
        return (fixedPoint, Chi(q));
    }

    private double DivergenceLimit => DivergenceThreshold * (1 + SigmaW * SigmaW + SigmaB * SigmaB);

    /// <summary>Everything at once: q*, c*, chi_1, xi_q, xi_c and the phase, starting the variance iteration from q0.</summary>
    /// <exception cref="ArgumentException">The initial variance is not positive and finite.</exception>
    public MeanFieldReport Analyze(double initialVariance = 1.0)
    {
        var fixedPoint = FindVarianceFixedPoint(initialVariance);
        switch (fixedPoint.Kind)
        {
            case FixedPointKind.Finite:
            {
                double q = fixedPoint.QStar;
                double chi1 = Chi(q);
                double cStar = FindCorrelationFixedPoint(q);
                double chiC = cStar == 1 ? chi1 : ChiC(q, cStar);
                var phase = PhaseOf(chi1);
                double xiC = phase == Phase.Critical ? double.PositiveInfinity : DepthScale(chiC);
                return new MeanFieldReport(Activation.ToString(), SigmaW, SigmaB, fixedPoint, cStar, chi1, chiC,
                    DepthScale(VarianceMapSlope(q)), xiC, phase, null);
            }
            case FixedPointKind.Trivial:
            {
                double chi1 = Chi(0);
                return new MeanFieldReport(Activation.ToString(), SigmaW, SigmaB, fixedPoint, null, chi1, null,
                    DepthScale(VarianceMapSlope(0)), null, PhaseOf(chi1),
                    "q* = 0: the signal decays to zero, so the correlation map is undefined; chi_1 is the q -> 0 limit.");
            }
            default:
            {
                double limit = DivergenceLimit;
                double chi1 = Chi(limit);
                return new MeanFieldReport(Activation.ToString(), SigmaW, SigmaB, fixedPoint, null, chi1, null, null, null,
                    PhaseOf(chi1),
                    $"no finite q*: q grows without bound; chi_1 is evaluated at q = {Guard.Fmt(limit)} (the q -> infinity limit).");
            }
        }
    }

    /// <summary>
    /// Predicted statistics layer by layer for a network of <paramref name="depth"/> layers whose input has mean square
    /// <paramref name="inputMeanSquare"/> per component: q_1 = sigma_w^2 m_0 + sigma_b^2, then for l = 1..L the post-activation
    /// mean E[phi(sqrt(q_l) z)], mean square m_l = E[phi(sqrt(q_l) z)^2] and std sqrt(m_l - mean^2), and q_{l+1} = sigma_w^2 m_l +
    /// sigma_b^2. Also the Jacobian's mean squared singular value prod_l chi(q_l) (Pennington et al. 2017), which is chi_1^L at q*.
    /// A second moment beyond 1e300 is reported as +infinity for that layer and all later ones.
    /// </summary>
    /// <exception cref="ArgumentException">depth &lt; 1 or the input mean square is negative or not finite.</exception>
    public PropagationPrediction Predict(int depth, double inputMeanSquare)
    {
        Guard.Positive(depth);
        Guard.NonNegative(inputMeanSquare);
        var layers = new List<LayerPrediction>(depth);
        double m = inputMeanSquare, jacobian = 1;
        for (int l = 1; l <= depth; l++)
        {
            double q = SigmaW * SigmaW * m + SigmaB * SigmaB;
            if (!(q <= 1e300))
            {
                layers.Add(new LayerPrediction(l, double.PositiveInfinity, double.NaN, double.PositiveInfinity, double.PositiveInfinity, double.NaN));
                m = double.PositiveInfinity;
                jacobian = double.NaN;
                continue;
            }
            double mean = PostMean(q);
            m = PostSecondMoment(q);
            double chi = Chi(q);
            jacobian *= chi;
            layers.Add(new LayerPrediction(l, q, mean, m, Math.Sqrt(Math.Max(0, m - mean * mean)), chi));
        }
        return new PropagationPrediction(inputMeanSquare, layers, jacobian);
    }

    /// <summary>The phase for a given chi_1.</summary>
    public static Phase PhaseOf(double chi1) =>
        Math.Abs(chi1 - 1) <= CriticalTolerance ? Phase.Critical : chi1 < 1 ? Phase.Ordered : Phase.Chaotic;

    /// <summary>-1 / ln(rate): the depth over which a perturbation contracting by <paramref name="rate"/> per layer decays by e; +infinity at rate 1.</summary>
    private static double DepthScale(double rate)
    {
        if (rate <= 0) return 0;
        if (Math.Abs(rate - 1) <= CriticalTolerance || rate > 1) return double.PositiveInfinity;
        return -1 / Math.Log(rate);
    }

    /// <summary>E[phi(sqrt(q) z)^2].</summary>
    internal double PostSecondMoment(double q)
    {
        var phi = Activation;
        return GaussianExpectation.NormalCore(x => Square(phi.Forward(x)), 0, Math.Sqrt(q), phi.Kinks);
    }

    /// <summary>E[phi(sqrt(q) z)].</summary>
    internal double PostMean(double q)
    {
        var phi = Activation;
        return GaussianExpectation.NormalCore(phi.Forward, 0, Math.Sqrt(q), phi.Kinks);
    }

    private double Covariance(double q, double c)
    {
        var phi = Activation;
        return c == 1
            ? PostSecondMoment(q)
            : GaussianExpectation.BivariateCore((a, b) => phi.Forward(a) * phi.Forward(b), q, q, c, phi.Kinks);
    }

    private static double Square(double x) => x * x;

    private static void RequireCorrelation(double c)
    {
        if (!(c >= -1 && c <= 1))
            throw new ArgumentException($"c must be in [-1, 1], got {Guard.Fmt(c)}.", nameof(c));
    }

    /// <summary><c>MeanField(tanh, sigma_w = 1.5, sigma_b = 0.1)</c>.</summary>
    public override string ToString() => $"MeanField({Activation}, sigma_w = {Guard.Fmt(SigmaW)}, sigma_b = {Guard.Fmt(SigmaB)})";
}
