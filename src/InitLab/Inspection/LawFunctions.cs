using InitLab.Initializers;
using InitLab.Numerics;

namespace InitLab.Inspection;

/// <summary>
/// What the goodness-of-fit tests need from an element law beyond its CDF: the standardized central moments up to
/// order 12 (for the moment tests' variance and skewness), the survival function with its relative accuracy in the
/// upper tail (for the extremes test), and the log-likelihood from power sums (for choosing among laws that fit).
/// </summary>
internal static class LawFunctions
{
    public const int MaxMoment = 12;

    /// <summary>
    /// c[j] = E[((X - mean) / std)^j] for j = 0..12. Normal: (j - 1)!! for even j. Uniform: the standardized law is
    /// U(-sqrt 3, sqrt 3) with c[j] = 3^(j/2) / (j + 1) for even j. Truncated normal: raw moments of the standardized
    /// truncated Z on [alpha, beta] by m_k = (k - 1) m_(k-2) + (alpha^(k-1) phi(alpha) - beta^(k-1) phi(beta)) / P
    /// (Johnson, Kotz &amp; Balakrishnan, vol. 1, ch. 13), then binomial re-centering. Point mass: only c[0] = 1.
    /// </summary>
    public static double[] StandardizedMoments(ElementDistribution law)
    {
        var c = new double[MaxMoment + 1];
        c[0] = 1;
        switch (law.Kind)
        {
            case DistributionKind.PointMass:
                return c;
            case DistributionKind.Normal:
                for (int j = 2; j <= MaxMoment; j += 2) c[j] = c[j - 2] * (j - 1);
                return c;
            case DistributionKind.Uniform:
                for (int j = 2; j <= MaxMoment; j += 2) c[j] = Math.Pow(3, j / 2) / (j + 1);
                return c;
            default:
            {
                double alpha = (law.Low - law.Location) / law.Scale, beta = (law.High - law.Location) / law.Scale;
                double mass = Mass(alpha, beta);
                var m = new double[MaxMoment + 1];
                m[0] = 1;
                double pa = SpecialFunctions.NormalPdf(alpha), pb = SpecialFunctions.NormalPdf(beta);
                for (int k = 1; k <= MaxMoment; k++)
                {
                    double ta = pa == 0 ? 0 : Math.Pow(alpha, k - 1) * pa, tb = pb == 0 ? 0 : Math.Pow(beta, k - 1) * pb;
                    m[k] = (k >= 2 ? (k - 1) * m[k - 2] : 0) + (ta - tb) / mass;
                }
                double mean = m[1], variance = 0;
                var central = new double[MaxMoment + 1];
                for (int j = 0; j <= MaxMoment; j++)
                {
                    double s = 0, binomial = 1;
                    for (int i = 0; i <= j; i++)
                    {
                        s += binomial * m[i] * Math.Pow(-mean, j - i);
                        binomial = binomial * (j - i) / (i + 1);
                    }
                    central[j] = s;
                }
                variance = central[2];
                double sd = Math.Sqrt(variance);
                for (int j = 0; j <= MaxMoment; j++) c[j] = central[j] / Math.Pow(sd, j);
                c[1] = 0;
                c[2] = 1;
                return c;
            }
        }
    }

    /// <summary>P(alpha &lt;= Z &lt;= beta) for standard normal Z, on the side of 0 where Phi keeps its relative precision.</summary>
    public static double Mass(double alpha, double beta) => alpha > 0
        ? SpecialFunctions.NormalCdf(-alpha) - SpecialFunctions.NormalCdf(-beta)
        : SpecialFunctions.NormalCdf(beta) - SpecialFunctions.NormalCdf(alpha);

    /// <summary>
    /// P(X &lt;= x) to full absolute (not relative) accuracy, through Phi(z) = (1 + erf(z / sqrt 2)) / 2, whose series
    /// is several times cheaper than the continued fraction that relative tail accuracy needs: what the KS test evaluates
    /// once per element (truncated normals keep the exact CDF: their KS test is rarer).
    /// </summary>
    public static double Cdf(ElementDistribution law, double x)
    {
        switch (law.Kind)
        {
            case DistributionKind.Normal: return Phi((x - law.Location) / law.Scale);
            default: return law.Cdf(x);
        }
    }

    private static double Phi(double z) => 0.5 + 0.5 * SpecialFunctions.Erf(z / Math.Sqrt(2));

    /// <summary>P(X &gt; x), accurate in relative terms in the upper tail.</summary>
    public static double Survival(ElementDistribution law, double x)
    {
        switch (law.Kind)
        {
            case DistributionKind.PointMass: return x < law.Location ? 1 : 0;
            case DistributionKind.Normal: return SpecialFunctions.NormalCdf(-(x - law.Location) / law.Scale);
            case DistributionKind.Uniform: return x <= law.Low ? 1 : x >= law.High ? 0 : (law.High - x) / law.Scale;
            default:
            {
                if (x <= law.Low) return 1;
                if (x >= law.High) return 0;
                double z = (x - law.Location) / law.Scale;
                double alpha = (law.Low - law.Location) / law.Scale, beta = (law.High - law.Location) / law.Scale;
                return Mass(z, beta) / Mass(alpha, beta);
            }
        }
    }

    /// <summary>P(X &lt; x), accurate in relative terms in the lower tail: the survival function of -X at -x.</summary>
    public static double LowerTail(ElementDistribution law, double x) => Survival(Reflect(law), -x);

    /// <summary>The law of -X.</summary>
    private static ElementDistribution Reflect(ElementDistribution law) => law.Kind switch
    {
        DistributionKind.PointMass => ElementDistribution.PointMass(-law.Location),
        DistributionKind.Normal => ElementDistribution.Normal(-law.Location, law.Scale),
        DistributionKind.Uniform => ElementDistribution.Uniform(-law.High, -law.Low),
        _ => ElementDistribution.TruncatedNormal(-law.Location, law.Scale, -law.High, -law.Low),
    };

    /// <summary>
    /// The log-likelihood sum_i ln f(x_i) of n elements with sum_i (x_i - law.Location)^2 = <paramref name="squares"/>
    /// (every element inside the support, which the extremes test has checked): normal and truncated normal
    /// -n ln(scale sqrt(2 pi) P) - squares / (2 scale^2) (P = 1 untruncated); uniform -n ln(width).
    /// </summary>
    public static double LogLikelihood(ElementDistribution law, long n, double squares) => law.Kind switch
    {
        DistributionKind.Normal => -n * Math.Log(law.Scale * Math.Sqrt(2 * Math.PI)) - squares / (2 * law.Scale * law.Scale),
        DistributionKind.Uniform => -n * Math.Log(law.Scale),
        DistributionKind.TruncatedNormal => -n * Math.Log(law.Scale * Math.Sqrt(2 * Math.PI)
            * Mass((law.Low - law.Location) / law.Scale, (law.High - law.Location) / law.Scale)) - squares / (2 * law.Scale * law.Scale),
        _ => double.NegativeInfinity,
    };

    /// <summary>
    /// A key that is equal for two laws exactly when they are the same distribution to 1e-12 relative: a truncated
    /// normal whose bounds lie beyond 38 std (no double-precision mass outside) is keyed as the normal it equals
    /// (PyTorch's <c>trunc_normal_(std=0.02)</c> with absolute bounds -2, 2 is N(0, 0.02^2)).
    /// </summary>
    public static string Key(ElementDistribution law)
    {
        static string F(double v) => v.ToString("G12", System.Globalization.CultureInfo.InvariantCulture);
        switch (law.Kind)
        {
            case DistributionKind.TruncatedNormal:
                double alpha = (law.Low - law.Location) / law.Scale, beta = (law.High - law.Location) / law.Scale;
                if (alpha < -38 && beta > 38) return $"normal {F(law.Location)} {F(law.Scale)}";
                return $"truncated_normal {F(law.Location)} {F(law.Scale)} {F(law.Low)} {F(law.High)}";
            case DistributionKind.Normal:
                return $"normal {F(law.Location)} {F(law.Scale)}";
            case DistributionKind.Uniform:
                return $"uniform {F(law.Low)} {F(law.High)}";
            default:
                return $"constant {F(law.Location)}";
        }
    }
}
