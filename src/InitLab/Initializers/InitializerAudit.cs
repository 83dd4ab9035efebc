using InitLab.Tensors;

namespace InitLab.Initializers;

/// <summary>
/// Tests a tensor (made by any framework) against what an initializer claims: for i.i.d. schemes a one-sample KS test
/// against the exact law, the mean within 5 standard errors, the std within 5 standard errors (delta method with the
/// law's fourth moment), and every element inside the support; for structured schemes the structure itself
/// (orthogonal: Gram = gain^2 I; eye, identity, dirac, constant: exact values; sparse: zeros per column and normal
/// non-zeros; delta_orthogonal: zero off-centre taps and an orthogonal centre).
/// </summary>
public static class InitializerAudit
{
    /// <summary>Audits <paramref name="values"/> (row-major, <paramref name="shape"/>) against <paramref name="initializer"/>.</summary>
    /// <param name="initializer">The claimed scheme.</param>
    /// <param name="values">The elements, widened to double.</param>
    /// <param name="shape">Their shape.</param>
    /// <param name="unitRoundoff">Unit roundoff of the type the values were stored in (2^-24 for float32), which the exact checks allow for.</param>
    /// <param name="alpha">Significance level of the KS tests.</param>
    /// <exception cref="ArgumentException">values.Length != shape.Size, the shape does not suit the scheme, unitRoundoff or alpha out of range.</exception>
    public static AuditReport Run(Initializer initializer, ReadOnlySpan<double> values, Shape shape, double unitRoundoff, double alpha = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        ArgumentNullException.ThrowIfNull(shape);
        if (values.Length != shape.Size)
            throw new ArgumentException($"values has {values.Length} elements but shape {shape} needs {shape.Size}.", nameof(values));
        if (!(unitRoundoff > 0 && unitRoundoff < 0.01))
            throw new ArgumentException($"unitRoundoff must be in (0, 0.01), got {unitRoundoff}.", nameof(unitRoundoff));
        if (!(alpha > 0 && alpha < 1))
            throw new ArgumentException($"alpha must be in (0, 1), got {alpha}.", nameof(alpha));
        var law = initializer.DistributionOf(shape);
        var stats = Stats.Of(values);
        var checks = new List<AuditCheck>
        {
            new("finite", stats.NaNCount + stats.InfCount, 0, 0, stats.AllFinite, "number of NaN or infinite elements"),
        };
        if (!stats.AllFinite || values.Length == 0)
            return new AuditReport(initializer.Name, law?.ToString() ?? initializer.ToString(), shape, values.Length, checks, null,
                stats.Std, initializer.TargetStd(shape), null);
        return law is not null
            ? AuditLaw(initializer, law, values, shape, stats, unitRoundoff, alpha, checks)
            : AuditStructure(initializer, values, shape, stats, unitRoundoff, alpha, checks);
    }

    private static AuditReport AuditLaw(Initializer init, ElementDistribution law, ReadOnlySpan<double> x, Shape shape, Stats stats,
        double u, double alpha, List<AuditCheck> checks)
    {
        long n = x.Length;
        if (law.Kind == DistributionKind.PointMass)
        {
            double worst = 0;
            foreach (double v in x) worst = Math.Max(worst, Math.Abs(v - law.Location));
            double tol = u * Math.Abs(law.Location);
            checks.Add(new("constant", worst, 0, tol, worst <= tol, "max |x - value|"));
            return new AuditReport(init.Name, law.ToString(), shape, n, checks, null, stats.Std, 0, null);
        }

        if (double.IsFinite(law.Low) || double.IsFinite(law.High))
        {
            // Support (one-sided truncated normals included): the bounds themselves may be rounded to the stored type.
            double lowTol = double.IsFinite(law.Low) ? Math.Abs(law.Low) * 2 * u : 0;
            double highTol = double.IsFinite(law.High) ? Math.Abs(law.High) * 2 * u : 0;
            long outside = 0;
            foreach (double v in x) if (v < law.Low - lowTol || v > law.High + highTol) outside++;
            checks.Add(new("support", outside, 0, 0, outside == 0, $"elements outside [{law.Low:G6}, {law.High:G6}]"));
        }

        double meanSe = law.Std / Math.Sqrt(n);
        double meanTol = 5 * meanSe + Math.Abs(law.Mean) * u;
        checks.Add(new("mean", stats.Mean, law.Mean, meanTol, Math.Abs(stats.Mean - law.Mean) <= meanTol, "sample mean within 5 standard errors"));

        double stdTol = 5 * law.StdStandardError(n) + law.Std * u;
        checks.Add(new("std", stats.Std, law.Std, stdTol, Math.Abs(stats.Std - law.Std) <= stdTol, "sample std within 5 standard errors"));

        var ks = KolmogorovSmirnov.Test(x, law.Cdf);
        checks.Add(new("ks", ks.PValue, alpha, 0, ks.Passes(alpha), $"Kolmogorov-Smirnov p-value (D = {ks.Statistic:G4}) at least alpha"));

        double? boundRatio = null;
        if (double.IsFinite(law.Low) && double.IsFinite(law.High))
        {
            double centre = (law.Low + law.High) / 2, half = (law.High - law.Low) / 2, worst = 0;
            foreach (double v in x) worst = Math.Max(worst, Math.Abs(v - centre));
            boundRatio = worst / half;
        }
        return new AuditReport(init.Name, law.ToString(), shape, n, checks, ks.PValue, stats.Std, law.Std, boundRatio);
    }

    private static AuditReport AuditStructure(Initializer init, ReadOnlySpan<double> x, Shape shape, Stats stats, double u, double alpha,
        List<AuditCheck> checks)
    {
        double? ksP = null;
        string claim;
        switch (init)
        {
            case OrthogonalInitializer o:
            {
                var (rows, cols) = o.MatrixShape(shape);
                double error = GramError(x, rows, cols, o.Gain, 0, cols);
                double tol = GramTolerance(u, Math.Max(rows, cols));
                checks.Add(new("gram", error, 0, tol, error <= tol, "max |Gram / gain^2 - I| of the flattened matrix"));
                claim = $"Orthogonal(gain = {o.Gain:G6}) over ({rows}, {cols})";
                break;
            }
            case DeltaOrthogonalInitializer d:
            {
                var (outC, inC, centre, offCentreNonZero) = SplitCentre(x, shape, d.Layout);
                checks.Add(new("off_centre_zeros", offCentreNonZero, 0, 0, offCentreNonZero == 0, "non-zero elements outside the centre tap"));
                double error = GramError(centre, outC, inC, d.Scale, 0, inC);
                double tol = GramTolerance(u, outC);
                checks.Add(new("gram", error, 0, tol, error <= tol, "max |Gram / scale^2 - I| of the centre tap (out x in)"));
                claim = $"DeltaOrthogonal(scale = {d.Scale:G6})";
                break;
            }
            case SparseInitializer s:
            {
                int rows = shape[0], cols = shape[1], expected = s.ZerosPerColumn(rows);
                long badColumns = 0;
                var nonZeros = new List<double>(x.Length);
                for (int j = 0; j < cols; j++)
                {
                    int zeros = 0;
                    for (int i = 0; i < rows; i++)
                    {
                        double v = x[i * cols + j];
                        if (v == 0) zeros++;
                        else nonZeros.Add(v);
                    }
                    if (zeros != expected) badColumns++;
                }
                checks.Add(new("zeros_per_column", badColumns, 0, 0, badColumns == 0, $"columns without exactly {expected} zeros"));
                if (nonZeros.Count > 0 && s.Std > 0)
                {
                    var ks = KolmogorovSmirnov.Test(nonZeros.ToArray(), KolmogorovSmirnov.NormalCdf(0, s.Std));
                    ksP = ks.PValue;
                    checks.Add(new("ks", ks.PValue, alpha, 0, ks.Passes(alpha), $"KS p-value of the non-zeros against N(0, {s.Std:G4}^2)"));
                }
                claim = $"Sparse(sparsity = {s.Sparsity:G4}, std = {s.Std:G4})";
                break;
            }
            default:
            {
                // Deterministic schemes (eye, identity, dirac): compare with the tensor the scheme makes.
                var expected = init.Create<double>(shape, new Random.Generator(0));
                double worst = 0;
                for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs(x[i] - expected.Data[i]) - u * Math.Abs(expected.Data[i]));
                checks.Add(new("exact", Math.Max(worst, 0), 0, 0, worst <= 0, "max |x - expected| beyond the stored type's rounding"));
                claim = init.ToString();
                break;
            }
        }
        return new AuditReport(init.Name, claim, shape, x.Length, checks, ksP, stats.Std, init.TargetStd(shape), null);
    }

    // Float32 rounding of a Haar matrix perturbs each Gram entry by about sqrt(m) u; 16 sqrt(m) u leaves room.
    private static double GramTolerance(double u, int m) => 16 * Math.Sqrt(Math.Max(m, 1)) * u + 1e-13;

    private static double GramError(ReadOnlySpan<double> q, int rows, int cols, double gain, int offset, int stride)
    {
        if (rows == 0 || cols == 0) return 0;
        bool tall = rows >= cols;
        int n = tall ? cols : rows, m = tall ? rows : cols;
        double g2 = gain * gain, worst = 0;
        if (g2 == 0)
        {
            foreach (double v in q) worst = Math.Max(worst, Math.Abs(v));
            return worst;
        }
        for (int a = 0; a < n; a++)
            for (int b = a; b < n; b++)
            {
                double s = 0;
                for (int k = 0; k < m; k++)
                {
                    double va = tall ? q[offset + k * stride + a] : q[offset + a * stride + k];
                    double vb = tall ? q[offset + k * stride + b] : q[offset + b * stride + k];
                    s += va * vb;
                }
                worst = Math.Max(worst, Math.Abs(s / g2 - (a == b ? 1 : 0)));
            }
        return worst;
    }

    private static (int Out, int In, double[] Centre, long OffCentreNonZero) SplitCentre(ReadOnlySpan<double> x, Shape shape, FanLayout layout)
    {
        int rank = shape.Rank;
        int outC = layout == FanLayout.Torch ? shape[0] : shape[rank - 1];
        int inC = layout == FanLayout.Torch ? shape[1] : shape[rank - 2];
        var centre = new double[outC * inC];
        long offCentre = 0;
        var index = new int[rank];
        for (int flat = 0; flat < x.Length; flat++)
        {
            int rem = flat;
            for (int k = rank - 1; k >= 0; k--) { index[k] = rem % shape[k]; rem /= shape[k]; }
            int first = layout == FanLayout.Torch ? 2 : 0, last = layout == FanLayout.Torch ? rank : rank - 2;
            bool isCentre = true;
            for (int k = first; k < last; k++) isCentre &= index[k] == (shape[k] - 1) / 2;
            int o = layout == FanLayout.Torch ? index[0] : index[rank - 1];
            int i = layout == FanLayout.Torch ? index[1] : index[rank - 2];
            if (isCentre) centre[o * inC + i] = x[flat];
            else if (x[flat] != 0) offCentre++;
        }
        return (outC, inC, centre, offCentre);
    }
}
