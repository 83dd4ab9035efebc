using System.Globalization;
using InitLab.Initializers;
using InitLab.LinearAlgebra;
using InitLab.Numerics;
using InitLab.Tensors;

namespace InitLab.Inspection;

/// <summary>
/// "Which initialization is this, or is it trained?" for one tensor: moments, the spectral summary of the tensor as a
/// matrix, and a verdict.
/// <list type="number">
/// <item>Empty or non-finite tensors: unknown. All elements equal: constant (zeros, ones, constant). Running
/// statistics that are not constant: trained (they start at 0 and 1 and move only on data).</item>
/// <item>Exact structures: eye/identity, dirac, delta-orthogonal (structured); orthogonal with any gain and sparse
/// (init, p-value 1 resp. the KS p-value of the non-zeros).</item>
/// <item>Fewer than <see cref="MinElements"/> elements: unknown (no test has power).</item>
/// <item>Every candidate of <see cref="SchemeCatalogue"/> for the role, grouped by identical law at this shape, gets the
/// combined p-value of <see cref="GoodnessOfFit"/>. If any group has p &gt;= alpha the verdict is init, and the match
/// is the passing group with the largest likelihood (the most specific explanation; ties between groups cannot
/// happen, since their laws differ); within a group the first candidate in the catalogue's order of preference names
/// it and the others are listed as equivalents.</item>
/// <item>Otherwise trained when the tensor shows why: significant spikes above the Marchenko-Pastur edge for its own
/// variance, heavy tails (kurtosis above 3 by more than the upper-alpha normal quantile of its standard error
/// sqrt(24 / n)), or a bias or normalization parameter (scale, shift, running statistic) that fits none of its rules;
/// else unknown.</item>
/// </list>
/// Calibration: for a fresh draw of any catalogue scheme, the true scheme's combined p-value is below alpha with
/// probability at most alpha (Bonferroni), so the verdict is init with probability at least 1 - alpha (measured in the
/// tests over many seeds, shapes and schemes).
/// </summary>
public static class TensorInspector
{
    /// <summary>The fewest elements for which a law is tested (Stephens' KS p-value is accurate from about 35).</summary>
    public const int MinElements = 32;

    /// <summary>
    /// The largest short side whose full singular value spectrum is computed (a Gram matrix of that size and its
    /// eigenvalues); longer matrices get sigma_max by Lanczos on the whole matrix and their spikes counted on an evenly
    /// strided submatrix of at most this short side (the i.i.d. hypothesis holds for any fixed submatrix).
    /// </summary>
    public const int MaxSpectralDimension = 1024;

    /// <summary>Inspects a float tensor (unit roundoff 2^-24 unless the options say otherwise).</summary>
    /// <exception cref="ArgumentException">values.Length != shape.Size, alpha not in (0, 0.5], or unit roundoff not in (0, 0.01].</exception>
    public static TensorInspection Inspect(ReadOnlySpan<float> values, Shape shape, InspectionOptions? options = null)
    {
        var wide = new double[values.Length];
        for (int i = 0; i < wide.Length; i++) wide[i] = values[i];
        options ??= new InspectionOptions();
        return Inspect(wide, shape, options with { UnitRoundoff = options.UnitRoundoff ?? Math.Pow(2, -24) });
    }

    /// <summary>Inspects a tensor (unit roundoff 2^-53 unless the options say otherwise); see the type.</summary>
    /// <exception cref="ArgumentException">values.Length != shape.Size, alpha not in (0, 0.5], or unit roundoff not in (0, 0.01].</exception>
    public static TensorInspection Inspect(ReadOnlySpan<double> values, Shape shape, InspectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        options ??= new InspectionOptions();
        if (values.Length != shape.Size)
            throw new ArgumentException($"values has {values.Length} elements but shape {shape} needs {shape.Size}.", nameof(values));
        double alpha = options.Alpha, u = options.UnitRoundoff ?? Math.Pow(2, -53);
        if (!(alpha > 0 && alpha <= 0.5)) throw new ArgumentException($"alpha must be in (0, 0.5], got {Guard.Fmt(alpha)}.", nameof(options));
        if (!(u > 0 && u <= 0.01)) throw new ArgumentException($"UnitRoundoff must be in (0, 0.01], got {Guard.Fmt(u)}.", nameof(options));
        if (!Enum.IsDefined(options.Layout)) throw Names.Unknown("layout", options.Layout.ToString(), Names.Layouts);

        var role = options.Role;
        var layout = options.Layout;
        Fans? fans = shape.Rank >= 2 ? Fans.Of(shape, layout) : null;
        var moments = Moments.Of(values);
        long count = values.Length;
        TensorInspection Result(SpectralSummary? spectrum, Verdict verdict, SchemeMatch? best, string reason, IReadOnlyList<SchemeMatch>? matches = null) =>
            new(shape, role, fans, count, moments.NonFinite, moments.Mean, moments.Std, moments.Kurtosis, moments.MaxAbs,
                spectrum, verdict, best, reason, matches ?? []);

        if (values.Length == 0) return Result(null, Verdict.Unknown, null, "the tensor is empty");
        if (moments.NonFinite > 0) return Result(null, Verdict.Unknown, null, $"{moments.NonFinite} NaN or infinite elements");
        if (StructureDetector.Constant(values) is { } constant)
            return Result(null, Verdict.Constant, Exact(constant), "every element is the same number");
        if (options.IntegerValued)
            return Result(null, Verdict.Unknown, null, "an integer tensor: no initialization law applies");
        if (role is ParameterRole.RunningMean or ParameterRole.RunningVariance)
            return Result(null, Verdict.Trained, null, $"running statistics start at {(role == ParameterRole.RunningMean ? 0 : 1)}; these have moved, so the model has seen data");

        int rows = 0, cols = 0;
        SpectralSummary? spectrum = null;
        double[]? gram = null;
        double? lambdaMax = null;
        if (shape.Rank >= 2)
        {
            (rows, cols) = OrthogonalInitializer.Flatten(shape, layout);
            (spectrum, gram) = Spectrum(values, rows, cols, alpha);
            lambdaMax = spectrum.SigmaMax * spectrum.SigmaMax;
        }

        string? structure = StructureDetector.Eye(values, shape) ?? StructureDetector.Dirac(values, shape, layout)
            ?? StructureDetector.DeltaOrthogonal(values, shape, layout, u);
        if (structure is not null)
            return Result(spectrum, Verdict.Structured, Exact(structure), "an exact structure");
        if (gram is not null && StructureDetector.OrthogonalTolerance(rows, cols, u) is { } tol
            && StructureDetector.GainFromGram(gram, Math.Min(rows, cols), tol) is { } gain)
            return Result(spectrum, Verdict.Init, Exact($"orthogonal(gain={gain.ToString("G6", CultureInfo.InvariantCulture)})"),
                "the rows or columns are orthonormal times a gain");
        if (StructureDetector.Sparse(values, shape, alpha) is { } sparse)
            return Result(spectrum, Verdict.Init, new SchemeMatch(sparse.Name, sparse.PValue, [], null),
                "every column holds the same number of zeros and the non-zeros are normal");

        if (values.Length < MinElements)
            return Result(spectrum, Verdict.Unknown, null, $"{values.Length} elements are too few to tell a scheme (at least {MinElements} needed)");

        var sample = new TensorSample(values, u, rows, cols, lambdaMax);
        var matches = MatchLaws(sample, shape, layout, role, options.LayerFans, alpha);
        var passing = matches.Where(m => m.Match.PValue >= alpha).ToList();
        if (passing.Count > 0)
        {
            var ranked = passing.OrderByDescending(m => m.LogLikelihood).ThenBy(m => m.Order).ToList();
            var best = ranked[0].Match with { AlsoFits = ranked.Skip(1).Select(m => m.Match.Name).ToList() };
            return Result(spectrum, Verdict.Init, best,
                string.Create(CultureInfo.InvariantCulture, $"fits {best.Name} (p = {best.PValue:G3})"), matches.Select(m => m.Match).ToList());
        }

        var closest = matches.Count > 0 ? matches[0].Match : null;
        string noFit = closest is null
            ? "no catalogue scheme applies"
            : string.Create(CultureInfo.InvariantCulture, $"no scheme fits (closest {closest.Name}, p = {closest.PValue:G3}, decided by {closest.Components?.Weakest})");
        var evidence = new List<string>();
        if (spectrum is { SpikePValue: { } sp } && sp < alpha && spectrum.MpSpikes > 0)
            evidence.Add(string.Create(CultureInfo.InvariantCulture,
                $"{spectrum.MpSpikes} singular value{(spectrum.MpSpikes == 1 ? "" : "s")} above the Marchenko-Pastur edge (sigma_max = {spectrum.SigmaMax / spectrum.MpEdge:G3} x edge)"));
        double kurtosisZ = (moments.Kurtosis - 3) / Math.Sqrt(24.0 / values.Length);
        if (kurtosisZ > SpecialFunctions.NormalQuantile(1 - alpha))
            evidence.Add(string.Create(CultureInfo.InvariantCulture, $"heavy tails (kurtosis {moments.Kurtosis:G3}, normal 3)"));
        if (evidence.Count == 0 && role is ParameterRole.Bias or ParameterRole.NormScale or ParameterRole.NormShift
            or ParameterRole.RunningMean or ParameterRole.RunningVariance)
            evidence.Add(role == ParameterRole.Bias ? "a bias that is neither zero nor any bias rule" : "a normalization parameter that is neither its constant nor any rule");
        var all = matches.Select(m => m.Match).ToList();
        return evidence.Count > 0
            ? Result(spectrum, Verdict.Trained, closest, $"{noFit}; {string.Join("; ", evidence)}", all)
            : Result(spectrum, Verdict.Unknown, closest, $"{noFit}, and no sign of training (no spikes above the Marchenko-Pastur edge, no heavy tails)", all);
    }

    private static SchemeMatch Exact(string name) => new(name, 1, [], null);

    private sealed record LawMatch(SchemeMatch Match, double LogLikelihood, int Order, double Distance);

    /// <summary>
    /// Groups the candidates by law, tests each group, and returns the groups sorted by p-value, best first.
    /// </summary>
    private static List<LawMatch> MatchLaws(TensorSample sample, Shape shape, FanLayout layout, ParameterRole role, Fans? layerFans, double alpha)
    {
        var candidates = SchemeCatalogue.For(shape, layout, role, layerFans);
        var groups = new List<(string Key, List<SchemeCandidate> Members)>();
        foreach (var c in candidates)
        {
            string key = LawFunctions.Key(c.Law);
            int index = groups.FindIndex(g => g.Key == key);
            if (index < 0) groups.Add((key, [c]));
            else groups[index].Members.Add(c);
        }
        // KS only where the cheaper components leave a chance (it can only lower the combined p-value), and for the
        // closest group when none passes, so that the reported p-value of the closest scheme is complete.
        var fits = groups.Select(g => GoodnessOfFit.Test(g.Members[0].Law, sample, withKs: false)).ToArray();
        for (int i = 0; i < groups.Count; i++)
            if (fits[i].Combined >= alpha) fits[i] = GoodnessOfFit.Test(groups[i].Members[0].Law, sample);
        var result = Enumerable.Range(0, groups.Count).Select(i => Match(groups[i].Members, fits[i], sample, i)).ToList();
        result.Sort(Closeness);
        if (result.Count > 0 && result[0].Match.PValue < alpha && result[0].Match.Components?.Ks is null)
        {
            int i = result[0].Order;
            result[0] = Match(groups[i].Members, GoodnessOfFit.Test(groups[i].Members[0].Law, sample), sample, i);
            result.Sort(Closeness);
        }
        return result;
    }

    private static LawMatch Match(List<SchemeCandidate> members, FitComponents fit, TensorSample sample, int order)
    {
        var law = members[0].Law;
        var equivalents = members.Skip(1).Select(m => m.Name).Concat(members.SelectMany(m => m.Aliases)).ToList();
        double squares = sample.PowerSums(law.Location)[2];
        return new LawMatch(new SchemeMatch(members[0].Name, fit.Combined, equivalents, fit),
            LawFunctions.LogLikelihood(law, sample.Count, squares), order, RobustDistance(law, sample));
    }

    /// <summary>
    /// Best first: by combined p-value; among equal ones (all 0 when every law is far off, e.g. with outliers) the law
    /// whose quartiles are nearest the sample's (<see cref="RobustDistance"/>), then catalogue order.
    /// </summary>
    private static int Closeness(LawMatch a, LawMatch b)
    {
        int c = b.Match.PValue.CompareTo(a.Match.PValue);
        if (c == 0) c = a.Distance.CompareTo(b.Distance);
        return c != 0 ? c : a.Order.CompareTo(b.Order);
    }

    /// <summary>
    /// |ln(IQR_sample / IQR_law)| + |median_sample - median_law| / IQR_law: a distance between the sample and a law that a
    /// few outliers do not move (quartiles of the law by bisection on its CDF).
    /// </summary>
    private static double RobustDistance(ElementDistribution law, TensorSample sample)
    {
        var y = sample.SortedSample;
        double q1 = y[y.Length / 4], median = y[y.Length / 2], q3 = y[3 * y.Length / 4];
        double l1 = Quantile(law, 0.25), l2 = Quantile(law, 0.5), l3 = Quantile(law, 0.75);
        double iqr = l3 - l1;
        return Math.Abs(Math.Log(Math.Max(q3 - q1, 1e-300) / iqr)) + Math.Abs(median - l2) / iqr;
    }

    private static double Quantile(ElementDistribution law, double p)
    {
        double lo = double.IsFinite(law.Low) ? law.Low : law.Mean - 40 * law.Std;
        double hi = double.IsFinite(law.High) ? law.High : law.Mean + 40 * law.Std;
        for (int i = 0; i < 100; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (law.Cdf(mid) < p) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>
    /// The squared singular values (descending) of the row-major rows x cols matrix <paramref name="x"/> that the spectral
    /// summary counts: of the whole matrix when min(rows, cols) &lt;= <see cref="MaxSpectralDimension"/>, else of its
    /// evenly strided submatrix (every step-th row and column, step = ceil(min(rows, cols) / MaxSpectralDimension)),
    /// with that submatrix's dimensions. Compare them with <see cref="MarchenkoPastur.EigenvalueDensity"/> at the
    /// returned dimensions.
    /// </summary>
    /// <exception cref="ArgumentException">A dimension is below 1, x.Length != rows * cols, or x holds NaN or infinity.</exception>
    public static (double[] Eigenvalues, int Rows, int Cols) SampledSpectrum(ReadOnlySpan<double> x, int rows, int cols)
    {
        if (rows < 1 || cols < 1) throw new ArgumentException($"rows and cols must be >= 1, got {rows} x {cols}.", nameof(rows));
        Guard.Length(x.Length, (long)rows * cols, nameof(x));
        int n = Math.Min(rows, cols);
        if (n <= MaxSpectralDimension) return (SymmetricEigen.SquaredSingularValues(x, rows, cols), rows, cols);
        int step = (n + MaxSpectralDimension - 1) / MaxSpectralDimension;
        int sampledRows = (rows + step - 1) / step, sampledCols = (cols + step - 1) / step;
        var sub = new double[(long)sampledRows * sampledCols];
        for (int i = 0; i < sampledRows; i++)
            for (int j = 0; j < sampledCols; j++)
                sub[(long)i * sampledCols + j] = x[i * step * cols + j * step];
        return (SymmetricEigen.SquaredSingularValues(sub, sampledRows, sampledCols), sampledRows, sampledCols);
    }

    /// <summary>The spectral summary, and the Gram matrix when it was formed (short side at most <see cref="MaxSpectralDimension"/>).</summary>
    private static (SpectralSummary Summary, double[]? Gram) Spectrum(ReadOnlySpan<double> x, int rows, int cols, double alpha)
    {
        double frobenius2 = 0;
        foreach (double v in x) frobenius2 += v * v;
        int n = Math.Min(rows, cols);
        double[] eigenvalues;
        double[]? gram = null;
        int sampledRows = rows, sampledCols = cols;
        double lambdaMax;
        if (n <= MaxSpectralDimension)
        {
            gram = SymmetricEigen.Gram(x, rows, cols);
            eigenvalues = SymmetricEigen.Eigenvalues(gram, n);
            for (int i = 0; i < eigenvalues.Length; i++) eigenvalues[i] = Math.Max(eigenvalues[i], 0);
            lambdaMax = eigenvalues[0];
        }
        else
        {
            (eigenvalues, sampledRows, sampledCols) = SampledSpectrum(x, rows, cols);
            double sigma = SpectralNorm.Lanczos(x, rows, cols, new Random.Generator(0), 1e-10).Sigma;
            lambdaMax = sigma * sigma;
        }
        double variance = frobenius2 / ((double)rows * cols);
        double sigmaMax = Math.Sqrt(lambdaMax);
        double stableRank = lambdaMax > 0 ? frobenius2 / lambdaMax : 0;
        double edge = MarchenkoPastur.Edge(variance, rows, cols);
        int spikes = 0;
        double? spikeP = null;
        if (Math.Min(sampledRows, sampledCols) >= MarchenkoPastur.MinDimension && variance > 0)
        {
            double threshold = MarchenkoPastur.SpikeThreshold(variance, sampledRows, sampledCols, alpha);
            spikes = eigenvalues.Count(l => l > threshold);
            spikeP = MarchenkoPastur.LargestEigenvaluePValue(lambdaMax, variance, rows, cols);
        }
        return (new SpectralSummary(rows, cols, sigmaMax, stableRank, edge, spikes, spikeP, sampledRows, sampledCols), gram);
    }

    /// <summary>Mean, unbiased std, kurtosis m4 / m2^2 and max |x| in double (two passes; NaN and infinity counted, not summed).</summary>
    private readonly record struct Moments(long NonFinite, double Mean, double Std, double Kurtosis, double MaxAbs)
    {
        public static Moments Of(ReadOnlySpan<double> x)
        {
            long n = 0, nonFinite = 0;
            double sum = 0, maxAbs = 0;
            foreach (double v in x)
            {
                if (!double.IsFinite(v)) { nonFinite++; continue; }
                n++;
                sum += v;
                maxAbs = Math.Max(maxAbs, Math.Abs(v));
            }
            if (n == 0) return new Moments(nonFinite, double.NaN, double.NaN, double.NaN, double.NaN);
            double mean = sum / n, m2 = 0, m4 = 0;
            foreach (double v in x)
            {
                if (!double.IsFinite(v)) continue;
                double d = v - mean, d2 = d * d;
                m2 += d2;
                m4 += d2 * d2;
            }
            double std = n > 1 ? Math.Sqrt(m2 / (n - 1)) : double.NaN;
            double kurtosis = m2 > 0 ? m4 / n / (m2 / n * (m2 / n)) : double.NaN;
            return new Moments(nonFinite, mean, std, kurtosis, maxAbs);
        }
    }
}
