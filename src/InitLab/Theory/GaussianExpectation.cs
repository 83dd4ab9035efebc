using InitLab.Numerics;

namespace InitLab.Theory;

/// <summary>
/// Expectations of functions of Gaussian variables by adaptive Gauss-Legendre quadrature, accurate to about 1e-12
/// relative (of E|f|) for smooth f and for piecewise-smooth f whose kinks are given: the domain is split exactly at
/// every kink, so relu-like functions converge as fast as smooth ones.
/// </summary>
/// <remarks>
/// The standard normal variable z is integrated over [-13, 13]; the mass outside, 2 Phi(-13) = 1.2e-38, is below
/// double precision relative to any E|f| of a function of polynomial growth. The interval is cut at 0, at the kinks and
/// into pieces of width at most 4.5; each piece is bisected until the 20-point rule on it and on its two halves agree
/// within a share (proportional to its width) of 1e-13 times the estimate of E|f|.
/// </remarks>
public static class GaussianExpectation
{
    /// <summary>Half-width of the integration range in units of the standard deviation.</summary>
    public const double Cutoff = 13.0;

    private const double RelativeTolerance = 1e-13;
    private const double MaxPieceWidth = 4.5;
    private const int MaxDepth = 48;

    // At most this many bisections per integral (40 evaluations each): a bound on the work for functions whose
    // error estimate never settles (an undeclared jump, or growth like exp(x^2)).
    private const int MaxBisections = 20_000;
    private static readonly double[] FeatureScales = [1.0, 4.0, 16.0, 64.0];
    private const double InvSqrtTwoPi = 0.39894228040143267794;

    /// <summary>E[f(x)] for x ~ N(mean, std^2) (std = 0 gives f(mean)).</summary>
    /// <param name="f">The function; it may be piecewise smooth.</param>
    /// <param name="mean">Mean of x; finite.</param>
    /// <param name="std">Standard deviation of x; finite and &gt;= 0.</param>
    /// <param name="kinks">Values of x where f is not smooth (may be null).</param>
    /// <exception cref="ArgumentException">mean or std is invalid, or the expectation is not finite (f returned NaN or
    /// infinity, or grows too fast).</exception>
    public static double Normal(Func<double, double> f, double mean = 0.0, double std = 1.0, IReadOnlyList<double>? kinks = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        Guard.Finite(mean);
        Guard.NonNegative(std);
        double result = NormalCore(f, mean, std, kinks);
        return RequireFinite(result, nameof(f));
    }

    /// <summary>
    /// E[f(u1, u2)] for jointly Gaussian, zero-mean u1, u2 with variances q1, q2 and correlation c:
    /// u1 = sqrt(q1) z1, u2 = sqrt(q2) (c z1 + sqrt(1 - c^2) z2), z1, z2 independent N(0, 1).
    /// Computed as an outer integral over z1 of the inner Gaussian expectation over z2.
    /// </summary>
    /// <param name="f">The function of (u1, u2).</param>
    /// <param name="variance1">q1 &gt;= 0.</param>
    /// <param name="variance2">q2 &gt;= 0.</param>
    /// <param name="correlation">c in [-1, 1].</param>
    /// <param name="kinks">Values where f is not smooth in either argument (may be null), e.g. 0 for relu(u1) relu(u2).</param>
    /// <exception cref="ArgumentException">A variance is negative or not finite, c is outside [-1, 1], or the expectation is not finite.</exception>
    public static double Bivariate(Func<double, double, double> f, double variance1, double variance2, double correlation,
        IReadOnlyList<double>? kinks = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        Guard.NonNegative(variance1);
        Guard.NonNegative(variance2);
        if (!(correlation >= -1 && correlation <= 1))
            throw new ArgumentException($"correlation must be in [-1, 1], got {Guard.Fmt(correlation)}.", nameof(correlation));
        return RequireFinite(BivariateCore(f, variance1, variance2, correlation, kinks), nameof(f));
    }

    internal static double BivariateCore(Func<double, double, double> f, double q1, double q2, double c, IReadOnlyList<double>? kinks)
    {
        double r1 = Math.Sqrt(q1), r2 = Math.Sqrt(q2);
        double s = Math.Sqrt(Math.Max(0.0, (1 - c) * (1 + c)));
        // Outer cuts: kinks of f in u1 (z1 = k / r1) and, for c near +-1 where the inner smoothing is narrow,
        // the near-kinks of the inner expectation in z1 (z1 = k / (c r2)).
        var outerCuts = new List<double>();
        if (kinks is not null)
            foreach (double k in kinks)
            {
                if (r1 > 0) outerCuts.Add(k / r1);
                if (r2 * c != 0)
                {
                    // The inner expectation turns the kink into a transition of width ~ s / |c| in z1 around
                    // k / (c r2); below the spacing of the quadrature nodes it would go unseen, so it gets its own pieces.
                    double centre = k / (r2 * c), width = s / Math.Abs(c);
                    outerCuts.Add(centre);
                    if (s > 0 && s < 0.2)
                        foreach (double t in (ReadOnlySpan<double>)[-8, -2, 2, 8]) outerCuts.Add(centre + t * width);
                }
            }
        if (r1 > 2)
            foreach (double x in FeatureScales)
                if (x < Cutoff * r1)
                {
                    outerCuts.Add(x / r1);
                    outerCuts.Add(-x / r1);
                }
        if (s == 0 || r2 == 0)
            return IntegrateStandard(z => WithAbs(f(r1 * z, r2 * c * z)), outerCuts).Value;
        double innerStd = r2 * s;
        // The inner integral returns E|f| over z2 with its value, so the outer tolerance is relative to E|f(u1, u2)|:
        // a vanishing E[f] (odd phi at c = 0) must not demand an accuracy below the inner rounding.
        return IntegrateStandard(z1 =>
        {
            double u1 = r1 * z1;
            return NormalWithAbs(u2 => f(u1, u2), r2 * c * z1, innerStd, kinks, checkTails: false);
        }, outerCuts).Value;
    }

    internal static double NormalCore(Func<double, double> f, double mean, double std, IReadOnlyList<double>? kinks) =>
        NormalWithAbs(f, mean, std, kinks).Value;

    private static (double Value, double Abs) NormalWithAbs(Func<double, double> f, double mean, double std, IReadOnlyList<double>? kinks,
        bool checkTails = true)
    {
        if (std == 0) return WithAbs(f(mean));
        var cuts = new List<double>();
        if (kinks is not null)
            foreach (double k in kinks) cuts.Add((k - mean) / std);
        // Activations change shape on the scale |x| ~ 1. For a wide Gaussian that region is a narrow spike in z (tanh'
        // at q = 1e12 lives in |z| < 1e-5) that the nodes of a wide piece would step over, so it gets its own pieces.
        if (std > 2)
            foreach (double x in FeatureScales)
                if (x < Cutoff * std)
                {
                    cuts.Add((x - mean) / std);
                    cuts.Add((-x - mean) / std);
                }
        return IntegrateStandard(z => WithAbs(f(mean + std * z)), cuts, checkTails);
    }

    private static (double Value, double Abs) WithAbs(double v) => (v, Math.Abs(v));

    /// <summary>
    /// E[g(z)] and E[a(z)], z ~ N(0, 1), for g returning (value, a) with a &gt;= |value| the size that sets the tolerance;
    /// split at 0 and at <paramref name="cuts"/> (in z units).
    /// </summary>
    private static (double Value, double Abs) IntegrateStandard(Func<double, (double Value, double Abs)> g, List<double>? cuts,
        bool checkTails = true)
    {
        Func<double, (double, double)> weighted = z =>
        {
            var (v, a) = g(z);
            double w = InvSqrtTwoPi * Math.Exp(-0.5 * z * z);
            return (v * w, a * w);
        };

        var points = new List<double> { -Cutoff, 0.0, Cutoff };
        if (cuts is not null)
            foreach (double c in cuts)
                if (c > -Cutoff && c < Cutoff && c != 0) points.Add(c);
        points.Sort();

        // Initial pieces of width <= MaxPieceWidth between consecutive distinct points.
        var pieces = new List<(double A, double B, double I)>();
        double scale = 0;
        for (int i = 0; i + 1 < points.Count; i++)
        {
            double a = points[i], b = points[i + 1];
            if (!(b > a)) continue;
            int n = (int)Math.Ceiling((b - a) / MaxPieceWidth);
            for (int j = 0; j < n; j++)
            {
                double lo = a + (b - a) * j / n, hi = j == n - 1 ? b : a + (b - a) * (j + 1) / n;
                var (value, abs) = GaussLegendre.Apply(weighted, lo, hi);
                pieces.Add((lo, hi, value));
                scale += abs;
            }
        }
        if (!double.IsFinite(scale)) return (double.NaN, double.NaN);
        double tolerancePerWidth = RelativeTolerance * scale / (2 * Cutoff);

        double total = 0, totalAbs = 0;
        var stack = new Stack<(double A, double B, double I, int Depth)>();
        for (int i = pieces.Count - 1; i >= 0; i--) stack.Push((pieces[i].A, pieces[i].B, pieces[i].I, 0));
        // Depth-first bisection; the accepted pieces are summed in a fixed order, so the result is deterministic.
        int bisections = 0;
        while (stack.Count > 0)
        {
            var (a, b, whole, depth) = stack.Pop();
            double m = 0.5 * (a + b);
            var (left, leftAbs) = GaussLegendre.Apply(weighted, a, m);
            var (right, rightAbs) = GaussLegendre.Apply(weighted, m, b);
            double error = Math.Abs(left + right - whole);
            // The rounding floor (~64 eps of the piece's E|f| share) stops refinement that rounding cannot reward.
            double floor = 1.4e-14 * (leftAbs + rightAbs);
            if (error <= Math.Max(tolerancePerWidth * (b - a), floor) || depth >= MaxDepth || !double.IsFinite(error)
                || ++bisections > MaxBisections)
            {
                total += left + right;
                totalAbs += leftAbs + rightAbs;
                continue;
            }
            stack.Push((m, b, right, depth + 1));
            stack.Push((a, m, left, depth + 1));
        }
        // The truncation is safe when the weighted integrand has died out at the cut-off: for polynomial growth its
        // density there is ~1e-37 of E|f|. A density above 1e-12 of E|f| means E[f] diverges (growth like e^(x^2)) and
        // the truncated integral would be meaningless. Inner integrals of the bivariate case skip this: their mean
        // can sit far out, where the outer Gaussian weight makes them irrelevant.
        if (checkTails)
        {
            double edge = Math.Max(weighted(-Cutoff).Item2, weighted(Cutoff).Item2);
            if (!(edge <= 1e-12 * totalAbs)) return (double.NaN, double.NaN);
        }
        return (total, totalAbs);
    }

    private static double RequireFinite(double value, string name)
    {
        if (!double.IsFinite(value))
            throw new ArgumentException(
                $"the Gaussian expectation of {name} is not finite ({Guard.Fmt(value)}): the function returned NaN or infinity, or grows too fast.",
                name);
        return value;
    }
}
