using InitLab.Activations;
using InitLab.Numerics;

namespace InitLab.Theory;

/// <summary>
/// Gaussian moments of an activation, no sampling: E[phi(X)], E[phi(X)^2], E[phi'(X)^2] for X ~ N(m, v), and the cross moment
/// E[phi(X1) phi(X2)] of two jointly Gaussian inputs.
/// </summary>
/// <remarks>
/// <para>Closed forms: the smoothed activation E[phi(N(mu, sigma^2))] for identity, relu (mu Phi(mu/sigma) + sigma phi(mu/sigma)),
/// leaky_relu, gelu (mu Phi(mu/r) + sigma^2 phi(mu/r)/r, r = sqrt(1 + sigma^2), by Stein's lemma) and erf
/// (erf(mu / sqrt(1 + 2 sigma^2))); E[phi^2] and E[phi'^2] for identity, relu and leaky_relu (rectified-Gaussian moments).</para>
/// <para>Everything else by a fixed composite Gauss-Legendre rule split at the kinks (<see cref="GaussianRule"/>). The cross moment
/// conditions on X1: X2 | X1 ~ N(m + c (X1 - m), v (1 - c^2)) with c the correlation, so E[phi(X1) phi(X2)] =
/// E[phi(X1) S(m + c (X1 - m), v (1 - c^2))] with S the smoothed activation: one dimension of quadrature where S is closed.</para>
/// </remarks>
public static class ActivationMoments
{
    /// <summary>E[phi(X)] and E[phi(X)^2] for X ~ N(m, v).</summary>
    /// <exception cref="ArgumentException">m not finite, or v negative or not finite.</exception>
    public static (double Mean, double Second) Of(Activation phi, double m, double v)
    {
        ArgumentNullException.ThrowIfNull(phi);
        Check(m, v);
        if (v == 0)
        {
            double y = phi.Forward(m);
            return (y, y * y);
        }
        switch (phi.Name)
        {
            case "identity": return (m, m * m + v);
            case "relu":
                {
                    // E[X+] = m Phi(a) + s phi(a), E[(X+)^2] = (m^2 + v) Phi(a) + m s phi(a): one Phi and one phi (X-'s moments unused).
                    double s0 = Math.Sqrt(v), cdf = FastNormal.Cdf(m / s0, out double pdf);
                    return (m * cdf + s0 * pdf, (m * m + v) * cdf + m * s0 * pdf);
                }
            case "leaky_relu":
                {
                    double a = phi.Parameter ?? 0.01;
                    var (p1, p2, n1, n2) = Rectified(m, v);
                    return (p1 - a * n1, p2 + a * a * n2);
                }
        }
        var f = Fast(phi);
        double s = Math.Sqrt(v);
        return (Smoothed(phi, m, v), GaussianRule.Expect(x => { double y = f(x); return y * y; }, m, s, phi.Kinks));
    }

    /// <summary>The smoothed activation E[phi(N(mu, sigma2))] (closed form where there is one).</summary>
    public static double Smoothed(Activation phi, double mu, double sigma2)
    {
        ArgumentNullException.ThrowIfNull(phi);
        if (sigma2 <= 0) return phi.Forward(mu);
        double s = Math.Sqrt(sigma2);
        switch (phi.Name)
        {
            case "identity": return mu;
            case "relu": return Relu(mu, s);
            case "leaky_relu": return Relu(mu, s) - (phi.Parameter ?? 0.01) * Relu(-mu, s);
            case "gelu":
                {
                    double r = Math.Sqrt(1 + sigma2), t = mu / r, cdf = FastNormal.Cdf(t, out double pdf);
                    return mu * cdf + sigma2 * pdf / r;
                }
            case "erf": return 1 - FastNormal.Erfc(mu / Math.Sqrt(1 + 2 * sigma2));
        }
        return GaussianRule.Expect(Fast(phi), mu, s, phi.Kinks);
    }

    /// <summary>E[phi'(X)^2] for X ~ N(m, v): the factor a gradient's second moment picks up going back through phi.</summary>
    public static double DerivativeSquare(Activation phi, double m, double v)
    {
        ArgumentNullException.ThrowIfNull(phi);
        Check(m, v);
        if (v == 0)
        {
            double d = phi.Derivative(m);
            return d * d;
        }
        double s = Math.Sqrt(v);
        switch (phi.Name)
        {
            case "identity": return 1;
            case "relu": return FastNormal.Cdf(m / s);
            case "leaky_relu":
                {
                    double a = phi.Parameter ?? 0.01, p = FastNormal.Cdf(m / s);
                    return p + a * a * (1 - p);
                }
        }
        var d1 = FastDerivative(phi);
        return GaussianRule.Expect(x => { double d = d1(x); return d * d; }, m, s, phi.Kinks);
    }

    /// <summary>
    /// E[phi(X1) phi(X2)] for jointly Gaussian X1, X2 with mean m, variance v each and covariance <paramref name="covariance"/>
    /// (clamped to [-v, v]).
    /// </summary>
    public static double Cross(Activation phi, double m, double v, double covariance) => Cross(phi, m, v, covariance, null);

    /// <summary>
    /// The outer rule of <see cref="Cross(Activation, double, double, double)"/>'s quadrature for (phi, m, v): points x_i and
    /// weights w_i phi(x_i), so that E[phi(X1) phi(X2)] = sum_i w_i phi(x_i) S(m + c (x_i - m), v (1 - c^2)) for any correlation c
    /// (a caller asking for several covariances at one law computes phi at the points once).
    /// </summary>
    /// <remarks>For gelu at a variance up to <see cref="HermiteMaxVariance"/> the outer rule is Gauss-Hermite of
    /// <see cref="CrossHermiteOrder"/> points instead of the composite rule's ~300: the integrand phi(x) S(m + c (x - m), v (1 - c^2))
    /// is entire in x (gelu(x) = x Phi(x), S its Gaussian smoothing) and varies on the scale 1/sqrt(v) of the standard normal's axis,
    /// so a polynomial of degree 2n - 1 fits it to rounding there (the tests compare with the composite rule over means, variances
    /// and correlations up to that variance: within 1e-13 of E[phi^2]).</remarks>
    internal static (double[] X, double[] WeightedPhi) CrossRule(Activation phi, double m, double v)
    {
        var f = Fast(phi);
        double s = Math.Sqrt(v);
        double[] xs, ws;
        if (CrossHermiteOrder(phi, v) is var order and > 0)
        {
            double[] z;
            (z, ws) = GaussianRule.Hermite(order);
            xs = new double[order];
            for (int i = 0; i < order; i++) xs[i] = m + s * z[i];
        }
        else (xs, ws) = GaussianRule.Points(m, s, phi.Kinks);
        var wf = new double[xs.Length];
        for (int i = 0; i < xs.Length; i++) wf[i] = ws[i] * f(xs[i]);
        return (xs, wf);
    }

    /// <summary>The largest variance at which <see cref="CrossRule"/> uses a Gauss-Hermite rule for gelu.</summary>
    internal const double HermiteMaxVariance = 1;

    /// <summary>
    /// The Gauss-Hermite order of gelu's cross-moment rule at variance v (0: the composite rule): 40 points up to v = 0.5, 64 up
    /// to v = 1 (checked against 30-digit integrals over means -4..3 and correlations -0.999..0.9999, relative to E[phi^2]: 40
    /// points 1e-15 at v = 0.5 and 8e-16 at 0.6, 64 points 8e-16 at v = 1, where 32 points leave 3e-9); other activations and
    /// larger variances: 0.
    /// </summary>
    internal static int CrossHermiteOrder(Activation phi, double v) =>
        phi.Name != "gelu" || !(v > 0) || v > HermiteMaxVariance ? 0 : v <= 0.5 ? 40 : 64;

    /// <summary><see cref="Cross(Activation, double, double, double)"/>, its outer quadrature (where one is needed) from
    /// <paramref name="rule"/> (<see cref="CrossRule"/> of the same phi, m, v) when given.</summary>
    internal static double Cross(Activation phi, double m, double v, double covariance, Func<(double[] X, double[] WeightedPhi)>? rule)
    {
        ArgumentNullException.ThrowIfNull(phi);
        Check(m, v);
        if (v == 0)
        {
            double y = phi.Forward(m);
            return y * y;
        }
        double c = Math.Clamp(covariance / v, -1, 1);
        if (phi.Name == "identity") return m * m + c * v;
        if (m == 0 && phi.Name == "relu") return ClosedFormKernels.Relu(v, v, c);
        if (phi.Name == "relu" && c >= 0) return ReluCross(m, v, c);
        if (m == 0 && phi.Name == "leaky_relu")
        {
            double a = phi.Parameter ?? 0.01;
            return (1 + a * a) * ClosedFormKernels.Relu(v, v, c) - 2 * a * ClosedFormKernels.Relu(v, v, -c);
        }
        if (c == 1) return Of(phi, m, v).Second;
        if (c == 0)
        {
            double mean = Smoothed(phi, m, v);
            return mean * mean;
        }
        double rest = v * (1 - c * c);
        if (rule is not null)
        {
            var (xs, wf) = rule();
            double sum = 0;
            for (int i = 0; i < xs.Length; i++) sum += wf[i] * Smoothed(phi, m + c * (xs[i] - m), rest);
            return sum;
        }
        var f = Fast(phi);
        return GaussianRule.Expect(x => f(x) * Smoothed(phi, m + c * (x - m), rest), m, Math.Sqrt(v), phi.Kinks);
    }

    /// <summary>E[f(X)] for X ~ N(m, v) and any function (kinks in x where f is not smooth).</summary>
    public static double Expect(Func<double, double> f, double m, double v, IReadOnlyList<double>? kinks = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        Check(m, v);
        return GaussianRule.Expect(f, m, Math.Sqrt(v), kinks);
    }

    /// <summary>
    /// E[f(X1) g(X2)] for jointly Gaussian X1, X2 with mean m, variance v each and covariance <paramref name="covariance"/>
    /// (nested one-dimensional rules: X2 | X1 ~ N(m + c (X1 - m), v (1 - c^2))).
    /// </summary>
    public static double ExpectCross(Func<double, double> f, Func<double, double> g, double m, double v, double covariance, IReadOnlyList<double>? kinks = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(g);
        Check(m, v);
        if (v == 0) return f(m) * g(m);
        double c = Math.Clamp(covariance / v, -1, 1), s = Math.Sqrt(v);
        if (c == 1) return GaussianRule.Expect(x => f(x) * g(x), m, s, kinks);
        if (c == 0) return GaussianRule.Expect(f, m, s, kinks) * GaussianRule.Expect(g, m, s, kinks);
        double rest = s * Math.Sqrt(1 - c * c);
        return GaussianRule.Expect(x => f(x) * GaussianRule.Expect(g, m + c * (x - m), rest, kinks), m, s, kinks);
    }

    /// <summary>phi in double precision, through <see cref="FastNormal"/> for the activations that call the normal CDF.</summary>
    private static Func<double, double> Fast(Activation phi) => phi.Name switch
    {
        "gelu" => x => x * FastNormal.Cdf(x),
        "erf" => x => 1 - FastNormal.Erfc(x),
        _ => phi.Forward,
    };

    private static Func<double, double> FastDerivative(Activation phi) => phi.Name switch
    {
        "gelu" => x => FastNormal.Cdf(x) + x * FastNormal.Pdf(x),
        _ => phi.Derivative,
    };

    /// <summary>
    /// E[X1+ X2+] for X1, X2 ~ N(m, v) with correlation rho in [0, 1], a = m / sqrt v (the moments of a truncated bivariate normal,
    /// Rosenbaum 1961): v [(a^2 + rho) Phi2(a, a; rho) + 2 a phi(a) Phi(a sqrt((1 - rho)/(1 + rho))) + sqrt(1 - rho^2)/(2 pi) e^(-a^2/(1 + rho))],
    /// with Phi2(a, a; rho) = Phi(a) - 2 T(a, sqrt((1 - rho)/(1 + rho))) by Owen's T function (Owen 1956).
    /// </summary>
    internal static double ReluCross(double m, double v, double rho)
    {
        double a = m / Math.Sqrt(v), q = Math.Sqrt((1 - rho) / (1 + rho)), cdf = FastNormal.Cdf(a, out double pdf);
        double phi2 = cdf - 2 * OwenT(a, q);
        return v * ((a * a + rho) * phi2 + 2 * a * pdf * FastNormal.Cdf(a * q) + Math.Sqrt(Math.Max(0, 1 - rho * rho)) / (2 * Math.PI) * Math.Exp(-a * a / (1 + rho)));
    }

    /// <summary>Owen's T(h, q) = (1 / 2 pi) int_0^q exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx for 0 &lt;= q &lt;= 1 (20-point Gauss-Legendre: the
    /// integrand is smooth on the interval). The 20 terms are evaluated in the widest accelerated vector lanes with
    /// <see cref="DoubleLaneMath.Exp"/> (the same operations in every lane width and in the scalar tail, so the same bits on every
    /// machine) and summed in order.</summary>
    internal static double OwenT(double h, double q) => OwenT(h, q, DoubleLanes.Best);

    /// <summary><see cref="OwenT(double, double)"/> with its terms in lanes of <paramref name="width"/> (tests: every width, the same bits).</summary>
    internal static double OwenT(double h, double q, LaneWidth width)
    {
        if (q == 0) return 0;
        double half = 0.5 * q, h2 = 0.5 * h * h, sum = 0;
        Span<double> terms = stackalloc double[GaussLegendre.Order];
        int done = width switch
        {
            LaneWidth.V512 => OwenTerms<DoubleLanes512, System.Runtime.Intrinsics.Vector512<double>>(half, h2, terms),
            LaneWidth.V256 => OwenTerms<DoubleLanes256, System.Runtime.Intrinsics.Vector256<double>>(half, h2, terms),
            LaneWidth.V128 => OwenTerms<DoubleLanes128, System.Runtime.Intrinsics.Vector128<double>>(half, h2, terms),
            _ => 0,
        };
        for (int i = done; i < terms.Length; i++) terms[i] = OwenTerm<ScalarDouble, double>(GaussLegendre.Nodes[i], GaussLegendre.Weights[i], half, h2);
        for (int i = 0; i < terms.Length; i++) sum += terms[i];
        return sum * half / (2 * Math.PI);
    }

    // Whole vectors of terms from the start; returns how many were written.
    private static int OwenTerms<L, TV>(double half, double h2, Span<double> terms) where L : IDoubleLanes<TV> where TV : struct
    {
        int n = L.Count, i = 0;
        for (; i + n <= terms.Length; i += n)
            L.Store(OwenTerm<L, TV>(L.Load(ref GaussLegendre.Nodes[i]), L.Load(ref GaussLegendre.Weights[i]), half, h2), ref terms[i]);
        return i;
    }

    // w exp(-h2 u) / u, u = 1 + x^2, x = half (1 + node).
    private static TV OwenTerm<L, TV>(TV node, TV weight, double half, double h2) where L : IDoubleLanes<TV> where TV : struct
    {
        TV x = L.Mul(L.Splat(half), L.Add(L.Splat(1.0), node));
        TV u = L.Add(L.Splat(1.0), L.Mul(x, x));
        return L.Div(L.Mul(weight, DoubleLaneMath.Exp<L, TV>(L.Mul(L.Splat(-h2), u))), u);
    }

    private static double Relu(double mu, double s)
    {
        double a = mu / s, cdf = FastNormal.Cdf(a, out double pdf);
        return mu * cdf + s * pdf;
    }

    /// <summary>
    /// The rectified-Gaussian moments of X ~ N(m, v), s = sqrt v, a = m/s: E[X+] = m Phi(a) + s phi(a),
    /// E[(X+)^2] = (m^2 + v) Phi(a) + m s phi(a), and the same for X- = (-X)+ with m -&gt; -m.
    /// </summary>
    private static (double Pos1, double Pos2, double Neg1, double Neg2) Rectified(double m, double v)
    {
        double s = Math.Sqrt(v), a = m / s;
        double cdf = FastNormal.Cdf(a), ccdf = FastNormal.Cdf(-a), pdf = FastNormal.Pdf(a);
        return (m * cdf + s * pdf, (m * m + v) * cdf + m * s * pdf, -m * ccdf + s * pdf, (m * m + v) * ccdf - m * s * pdf);
    }

    private static void Check(double m, double v)
    {
        if (!double.IsFinite(m)) throw new ArgumentException($"mean must be finite, got {Guard.Fmt(m)}.", nameof(m));
        if (!(v >= 0) || !double.IsFinite(v)) throw new ArgumentException($"variance must be finite and >= 0, got {Guard.Fmt(v)}.", nameof(v));
    }
}
