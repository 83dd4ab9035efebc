namespace InitLab.Numerics;

/// <summary>The moments of a truncated normal law.</summary>
/// <param name="Mean">E[X].</param>
/// <param name="Variance">E[(X - mean)^2].</param>
/// <param name="FourthCentralMoment">E[(X - mean)^4].</param>
/// <param name="LogMass">ln P(alpha &lt; Z &lt; beta) of the untruncated normal: finite for every non-empty interval, even
/// where the probability itself underflows (ln P = -804.6 for [40, inf)).</param>
public readonly record struct TruncatedNormalMoments(double Mean, double Variance, double FourthCentralMoment, double LogMass)
{
    /// <summary>sqrt(Variance).</summary>
    public double Std => Math.Sqrt(Variance);

    /// <summary>E[(X - mean)^4] / Var^2 (3 for a normal; 1.8 for a uniform, the limit of a narrow interval; 9 for an
    /// exponential, the limit of a far one-sided tail).</summary>
    public double Kurtosis => FourthCentralMoment / (Variance * Variance);
}

/// <summary>
/// The standard normal Z ~ N(0, 1) restricted to [alpha, beta] (either end may be infinite): its moments, CDF and
/// quantile, computed stably for every interval, including narrow ones and far tails ([8, 9], [40, inf), [-inf, -30])
/// where the textbook formulas (differences of Phi, 1 + alpha phi(alpha) / Z - mean^2) cancel to nothing.
/// </summary>
/// <remarks>
/// <para>Everything is written relative to the point c of [alpha, beta] nearest to 0 (c = 0 when the interval contains
/// 0), where the density exp(-z^2/2) is largest: with y = |z - c|, the pieces of the interval become integrals
/// I_k(a, w) = integral_0^w y^k exp(-a y - y^2/2) dy with a = |c| &gt;= 0, and every moment and every probability is a
/// ratio of such integrals, the common factor phi(c) cancelling (it survives only in the log-mass).</para>
/// <para>I_k(a, infinity) = J_k(a): J_0 = M(a), the Mills ratio, and a J_k + J_(k+1) = k J_(k-1) + [k = 0] (integration by
/// parts). For a &lt; 1 the recursion runs forward (it loses at most a factor 4); above, the ratios J_k / J_(k-1) =
/// k / (a + J_(k+1) / J_k) come from the continued fraction evaluated backward from 500 terms (Miller's algorithm), since
/// the forward recursion would cancel like a^2. A finite piece is I_k(a, w) = J_k(a) - d sum_j C(k, j) w^(k-j) J_j(a + w)
/// with d = exp(-w (a + w/2)): the subtracted term is the part of the integral beyond w, so the difference is stable
/// whenever that part is at most half, and otherwise (a narrow interval) the integrand varies little over [0, w] and
/// Gauss-Legendre quadrature integrates it to rounding.</para>
/// <para>The central moments come from the raw moments of y about c (two pieces: y and -y): for a far tail y is nearly
/// exponential and for a narrow interval nearly uniform, so the subtractions lose at most a factor 40 (mu4 of a
/// uniform) instead of the alpha^2 of moments about 0.</para>
/// </remarks>
public static class StandardTruncatedNormal
{
    private const double HalfLogTwoPi = 0.91893853320467274178;

    /// <summary>Mean, variance, fourth central moment and log-probability of Z restricted to [alpha, beta].</summary>
    /// <exception cref="ArgumentException">alpha or beta is NaN, or alpha &gt;= beta.</exception>
    public static TruncatedNormalMoments Moments(double alpha, double beta)
    {
        Check(alpha, beta);
        var (c, first, second) = Split(alpha, beta);
        Span<double> sum = stackalloc double[5];
        Span<double> i = stackalloc double[5];
        Piece[] pieces = second is { } p ? [first, p] : [first];
        foreach (var piece in pieces)
        {
            Integrals(piece.A, piece.W, i);
            for (int k = 0, sign = 1; k < 5; k++, sign *= piece.Sign) sum[k] += sign * i[k];
        }
        double m1 = sum[1] / sum[0], m2 = sum[2] / sum[0], m3 = sum[3] / sum[0], m4 = sum[4] / sum[0];
        double variance = Math.Max(m2 - m1 * m1, 0);
        double mu4 = Math.Max(m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1 * m1 * m1 * m1, 0);
        return new TruncatedNormalMoments(c + m1, variance, mu4, Math.Log(sum[0]) - 0.5 * c * c - HalfLogTwoPi);
    }

    /// <summary>ln P(alpha &lt; Z &lt; beta), finite for every non-empty interval.</summary>
    /// <exception cref="ArgumentException">alpha or beta is NaN, or alpha &gt;= beta.</exception>
    public static double LogMass(double alpha, double beta)
    {
        Check(alpha, beta);
        var (c, g) = ScaledMass(alpha, beta);
        return Math.Log(g) - 0.5 * c * c - HalfLogTwoPi;
    }

    /// <summary>P(Z &lt;= z | alpha &lt;= Z &lt;= beta): 0 below alpha, 1 above beta, a ratio of scaled masses in between
    /// (accurate where the untruncated probabilities underflow).</summary>
    /// <exception cref="ArgumentException">alpha or beta is NaN, or alpha &gt;= beta.</exception>
    public static double Cdf(double alpha, double beta, double z)
    {
        Check(alpha, beta);
        var (c, g) = ScaledMass(alpha, beta);
        return Cdf(alpha, beta, c, g, z);
    }

    /// <summary>The CDF with the interval's scaled mass (<see cref="ScaledMass"/>) computed once by the caller.</summary>
    internal static double Cdf(double alpha, double beta, double c, double g, double z)
    {
        if (double.IsNaN(z)) return z;
        if (z <= alpha) return 0;
        if (z >= beta) return 1;
        var (cz, gz) = ScaledMass(alpha, z);
        // P(alpha, z) / P(alpha, beta) = exp(-(cz^2 - c^2) / 2) gz / g, |cz| >= |c|.
        double f = Math.Exp(-0.5 * (cz - c) * (cz + c)) * gz / g;
        return Math.Clamp(f, 0.0, 1.0);
    }

    /// <summary>
    /// (c, G) with P(alpha &lt; Z &lt; beta) = phi(c) G: c the point of [alpha, beta] nearest 0 and
    /// G = integral over the interval of exp(-(z^2 - c^2) / 2), between 0 and sqrt(2 pi).
    /// </summary>
    internal static (double C, double G) ScaledMass(double alpha, double beta)
    {
        var (c, first, second) = Split(alpha, beta);
        double g = Integral0(first.A, first.W);
        if (second is { } p) g += Integral0(p.A, p.W);
        return (c, g);
    }

    /// <summary>
    /// The quantile of Z restricted to [alpha, beta] with alpha &gt;= 0 (callers reflect intervals below 0): the z with
    /// F(z) = u, u in (0, 1). With y = z - alpha it solves h(y) = y (alpha + y/2) - ln(M(alpha + y) / M(alpha)) = L,
    /// L = -ln(1 - u (1 - q)), q = P(Z &gt; beta) / P(Z &gt; alpha) (the log of the surviving fraction of the tail mass),
    /// by Newton's method from y0 = L M(alpha): h is increasing (h' = 1 / M(alpha + y)) and convex, so the tangent at 0
    /// starts to the right of the root and the iterates decrease monotonically onto it. Works for any alpha, where
    /// Phi(-alpha) underflows (alpha = 40) or the interval's mass does.
    /// </summary>
    internal static double UpperQuantile(double alpha, double beta, double u)
    {
        double w = beta - alpha;
        double ma = SpecialFunctions.MillsRatio(alpha);
        double q = double.IsPositiveInfinity(w) ? 0 : Math.Exp(-w * (alpha + 0.5 * w)) * SpecialFunctions.MillsRatio(beta) / ma;
        double level = -Math.Log((1 - u) + u * q);
        double y = level * ma;
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double m = SpecialFunctions.MillsRatio(alpha + y);
            double step = (y * (alpha + 0.5 * y) - Math.Log(m / ma) - level) * m;
            if (!(step > 1e-17 * (alpha + y))) break; // converged (or rounding made the residual negative)
            y -= step;
        }
        return alpha + Math.Clamp(y, 0, w);
    }

    private static void Check(double alpha, double beta)
    {
        if (!(alpha < beta))
            throw new ArgumentException($"the interval [alpha, beta] must satisfy alpha < beta, got alpha = {Guard.Fmt(alpha)} and beta = {Guard.Fmt(beta)}.", nameof(alpha));
    }

    /// <summary>integral_0^w y^k exp(-a y - y^2/2) dy; z = c + Sign y.</summary>
    private readonly record struct Piece(double A, double W, int Sign);

    private static (double C, Piece First, Piece? Second) Split(double alpha, double beta)
    {
        if (alpha >= 0) return (alpha, new Piece(alpha, beta - alpha, 1), null);
        if (beta <= 0) return (beta, new Piece(-beta, beta - alpha, -1), null);
        return (0, new Piece(0, beta, 1), new Piece(0, -alpha, -1));
    }

    /// <summary>I_0(a, w) alone (the CDF's need): M(a) - d M(a + w), or quadrature when the second term is over half.</summary>
    private static double Integral0(double a, double w)
    {
        double ja = SpecialFunctions.MillsRatio(a);
        if (double.IsPositiveInfinity(w)) return ja;
        double d = Math.Exp(-w * (a + 0.5 * w));
        double beyond = d * SpecialFunctions.MillsRatio(a + w);
        if (beyond <= 0.5 * ja) return ja - beyond;
        Span<double> i = stackalloc double[1];
        Quadrature(a, w, i);
        return i[0];
    }

    /// <summary>I_k(a, w) for k = 0 .. i.Length - 1 (at most 4).</summary>
    private static void Integrals(double a, double w, Span<double> i)
    {
        Span<double> ja = stackalloc double[5];
        OneSided(a, ja);
        double d = Math.Exp(-w * (a + 0.5 * w)); // 0 for w = infinity
        if (d == 0)
        {
            // The mass beyond w underflows (w above about 38.6): the piece is the one-sided integral. Going on would form
            // w^k times 0, which is NaN once w^k overflows (a bound near 1e300).
            ja[..i.Length].CopyTo(i);
            return;
        }
        Span<double> jb = stackalloc double[5];
        OneSided(a + w, jb);
        for (int k = 0; k < i.Length; k++)
        {
            // integral_w^inf y^k e^(-a y - y^2/2) dy = d integral_0^inf (y + w)^k e^(-(a + w) y - y^2/2) dy.
            double beyond = 0, binomial = 1;
            for (int j = k; j >= 0; j--)
            {
                beyond += binomial * Math.Pow(w, k - j) * jb[j];
                binomial = binomial * j / (k - j + 1);
            }
            beyond *= d;
            if (!(beyond <= 0.5 * ja[k]))
            {
                Quadrature(a, w, i);
                return;
            }
            i[k] = ja[k] - beyond;
        }
    }

    /// <summary>J_k(a) = integral_0^inf y^k exp(-a y - y^2/2) dy for k = 0..4, a &gt;= 0.</summary>
    private static void OneSided(double a, Span<double> j)
    {
        j[0] = SpecialFunctions.MillsRatio(a);
        if (a < 1)
        {
            j[1] = 1 - a * j[0];
            for (int k = 1; k < 4; k++) j[k + 1] = k * j[k - 1] - a * j[k];
            return;
        }
        Span<double> ratio = stackalloc double[5];
        double rho = 0;
        for (int k = 500; k >= 1; k--)
        {
            rho = k / (a + rho);
            if (k <= 4) ratio[k] = rho;
        }
        for (int k = 1; k < 5; k++) j[k] = j[k - 1] * ratio[k];
    }

    /// <summary>
    /// I_k(a, w) by Gauss-Legendre quadrature on panels of [0, w] over each of which the exponent a y + y^2/2 changes by
    /// at most 2: the integrand is then a polynomial times an entire function of small variation, integrated to rounding
    /// by 20 nodes per panel. Used only when [0, w] holds more than half of a piece's mass, so w is small on the scale
    /// of the integrand.
    /// </summary>
    private static void Quadrature(double a, double w, Span<double> i)
    {
        i.Clear();
        double span = w * (a + 0.5 * w);
        int panels = (int)Math.Clamp(Math.Ceiling(span / 2), 1, 256);
        double h = w / panels;
        var nodes = Theory.GaussLegendre.Nodes;
        var weights = Theory.GaussLegendre.Weights;
        for (int p = 0; p < panels; p++)
        {
            double mid = (p + 0.5) * h, half = 0.5 * h;
            for (int n = 0; n < nodes.Length; n++)
            {
                double y = mid + half * nodes[n];
                double f = half * weights[n] * Math.Exp(-y * (a + 0.5 * y));
                for (int k = 0; k < i.Length; k++, f *= y) i[k] += f;
            }
        }
    }
}
