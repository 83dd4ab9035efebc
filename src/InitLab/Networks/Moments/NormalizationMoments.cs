namespace InitLab.Networks;

/// <summary>
/// The moment rule shared by batch, layer, group and RMS norm. A normalization splits the elements into sets S (per channel over
/// batch and space; per token over features; per image and group), subtracts the set's mean mu_S (not RMS norm), divides by
/// sqrt(v_S + eps) and applies y = gamma xhat + beta.
/// </summary>
/// <remarks>
/// <para>A set holds n_a examples (B for batch norm, else 1), n_p positions and n_u units. An element is m(p) + A(p) Z_unit + r, with
/// the unit's offset Z and remainders covariant by R_b (two examples, one position), R_w (two positions of one example), R_x (two
/// examples, two positions); elements of different units are uncorrelated (fresh weights). Then, exactly for these second
/// moments: Var(mu_S) = mean(A)^2 / n_u + [mean Var(r) + R_w (n_p - 1) + (n_a - 1) (R_b + (n_p - 1) R_x)] / (n_a n_p n_u), and
/// Cov(x_p, mu_S) the same with A(p) mean(A) and Var(r_p); batch norm (n_u = 1) removes the channel's offset except its variation
/// over the positions, A(p) - mean(A);</para>
/// <para>E[v_S] = mean over S of Var(p) + the spread of the means over S - Var(mu_S) (the biased variance PyTorch divides by);</para>
/// <para>E[(x_p - mu_S)^2] = Var(p) - 2 Cov(x_p, mu_S) + Var(mu_S) + (m_p - mean m)^2, and E[xhat_p^2] = that / (E[v_S] + eps),
/// whose mean over the set is exactly E[v_S] / (E[v_S] + eps) to first order in the fluctuation of v_S (O(1/|S|)).</para>
/// <para>Covariances after normalizing: two elements of one set (C - Var(mu_S)) / (v + eps); of two sets that differ as the pair
/// does, C (1 - 1/n_u) / (v + eps) (each set's mean holds 1/n_u of the other's element). The affine parameters are independent
/// of x: E[y] = E[gamma] E[xhat] + E[beta], E[y^2] = E[gamma^2] E[xhat^2] + 2 E[gamma] E[beta] E[xhat] + E[beta^2].</para>
/// <para>Backward (gradient independence): dL/dx = (g - mean(g) - xhat mean(g xhat)) / sqrt(v + eps) with g = gamma dL/dy removes
/// two of |S| directions (one without centering), so E[(dL/dx)^2] = E[gamma^2] E[(dL/dy)^2] (1 - 2/|S|) / (v + eps).</para>
/// </remarks>
internal sealed class NormalizationMoments
{
    /// <summary>The feature axis the op's state is read in (0 for channels, the last for features).</summary>
    public required int FeatureAxis { get; init; }

    /// <summary>The axes of the state's shape the sets span (true = normalized over), the batch included or not.</summary>
    public required bool[] SetAxes { get; init; }
    public required bool AcrossBatch { get; init; }
    public required bool Center { get; init; }
    public required double Epsilon { get; init; }

    /// <summary>Units in one set when it holds only some of the feature axis (group norm: C / G); null: all of them or one.</summary>
    public int? UnitsPerSet { get; init; }

    /// <summary>The output state and, per position, 1/(v_S + eps), E[xhat^2] and the set's mean E[mu_S].</summary>
    public (MomentState State, double[] InvVar, double[] XhatSecond, double SetSize, double[] SetMean, double[] MeanShare) Forward(MomentState x, int self, int batch, ParameterLaw? gamma, ParameterLaw? beta)
    {
        var shape = x.Shape;
        int f = x.FeatureAxis, P = x.Positions;
        int nu = UnitsPerSet ?? (SetAxes[f] ? x.Units : 1), na = AcrossBatch ? batch : 1;
        // Group positions into sets by their coordinates on the field axes outside the sets.
        var fieldAxes = Enumerable.Range(0, shape.Rank).Where(a => a != f).ToArray();
        int np = 1;
        foreach (int a in fieldAxes) if (SetAxes[a]) np *= shape[a];
        var setOf = new int[P];
        {
            var index = new int[fieldAxes.Length];
            for (int p = 0; p < P; p++)
            {
                int s = 0;
                for (int k = 0; k < fieldAxes.Length; k++)
                    if (!SetAxes[fieldAxes[k]]) s = s * shape[fieldAxes[k]] + index[k];
                setOf[p] = s;
                for (int k = fieldAxes.Length - 1; k >= 0; k--)
                {
                    if (++index[k] < shape[fieldAxes[k]]) break;
                    index[k] = 0;
                }
            }
        }
        int sets = P / np;
        double setSize = (double)na * np * nu;
        double rb = x.ResidualExample, rw = x.ResidualPosition, rx = x.ResidualCross;
        // The covariance that every element of a set shares with the rest of it through the remainders.
        double correlated = rw * (np - 1) + (na - 1) * (rb + (np - 1) * rx);
        var meanS = new double[sets];
        var varS = new double[sets];
        var secondS = new double[sets];
        var meanSqS = new double[sets];
        var offS = new double[sets];
        var resS = new double[sets];
        for (int p = 0; p < P; p++)
        {
            int s = setOf[p];
            meanS[s] += x.Mean[p] / np;
            varS[s] += x.VarianceAt(p) / np;
            secondS[s] += x.Second[p] / np;
            meanSqS[s] += x.Mean[p] * x.Mean[p] / np;
            offS[s] += x.Offset[p] / np;
            resS[s] += Math.Max(0, x.VarianceAt(p) - x.Offset[p] * x.Offset[p]) / np;
        }
        var varMu = new double[sets];
        var v = new double[sets];
        double shared = 0;
        for (int s = 0; s < sets; s++)
        {
            // A set of one unit (batch norm) holds that unit's offset in its mean; a set of n_u units holds 1/n_u of each offset.
            varMu[s] = offS[s] * offS[s] / nu + (resS[s] + correlated) / setSize;
            v[s] = Center ? Math.Max(0, varS[s] + (meanSqS[s] - meanS[s] * meanS[s]) - varMu[s]) : secondS[s];
            shared = Math.Max(shared, (nu == 1 ? offS[s] * offS[s] : 0) + correlated / setSize);
        }
        double mg = gamma?.Mean ?? 1, sg = gamma?.Second ?? 1, vg = gamma?.Variance ?? 0, mb = beta?.Mean ?? 0, sb = beta?.Second ?? 0, vbeta = beta?.Variance ?? 0;
        var mean = new double[P];
        var second = new double[P];
        var offset = new double[P];
        var inv = new double[P];
        var xhat2 = new double[P];
        var setMean = new double[P];
        var meanShare = new double[P];
        for (int p = 0; p < P; p++)
        {
            int s = setOf[p];
            meanShare[p] = varS[s] > 0 ? Math.Min(1, varMu[s] / varS[s]) : 0;
            double denom = v[s] + Epsilon, e1, e2, a;
            if (Center)
            {
                double cov = x.Offset[p] * offS[s] / nu + (Math.Max(0, x.VarianceAt(p) - x.Offset[p] * x.Offset[p]) + correlated) / setSize;
                double d = x.Mean[p] - meanS[s];
                e1 = d / Math.Sqrt(denom);
                e2 = Math.Max(0, x.VarianceAt(p) - 2 * cov + varMu[s] + d * d) / denom;
                a = (x.Offset[p] - (nu == 1 ? offS[s] : 0)) / Math.Sqrt(denom);
                setMean[p] = meanS[s];
            }
            else
            {
                e1 = x.Mean[p] / Math.Sqrt(denom);
                e2 = x.Second[p] / denom;
                a = x.Offset[p] / Math.Sqrt(denom);
            }
            inv[p] = 1 / denom;
            xhat2[p] = e2;
            mean[p] = mg * e1 + mb;
            second[p] = sg * e2 + 2 * mg * mb * e1 + sb;
            // y = gamma_u xhat + beta_u: the unit's own gamma and beta are part of its offset.
            offset[p] = Math.Sign(a) * Math.Sqrt(sg * a * a + vg * e1 * e1 + vbeta);
        }
        double vBar = v.Average() + Epsilon, varRes = (resS.Average() + correlated) / setSize;
        // Remainders after the set's mean: two elements of one set (C - Var(mean of the remainders)) / (v + eps); of two sets that differ
        // as the pair does, C (1 - 1/n_u) / (v + eps) (each set's mean holds 1/n_u of the other's element).
        double Residual(double c, double sameSet, double gammas) => gammas * (Center
            ? (sameSet * (c - varRes) + (1 - sameSet) * c * (1 - 1.0 / nu)) / vBar
            : c / vBar);
        // gamma spans the normalized axes: two positions share its entry only when they agree on every normalized axis.
        double shareW = P > 1 ? (P / np - 1) / (double)(P - 1) : 1;
        double gammasW = shareW * sg + (1 - shareW) * mg * mg;
        double resB = Residual(rb, AcrossBatch ? 1 : 0, sg);
        double resW = P > 1 ? Residual(rw, (np - 1) / (double)(P - 1), gammasW) : 0;
        double resX = P > 1 ? Residual(rx, AcrossBatch ? (np - 1) / (double)(P - 1) : 0, gammasW) : resB;
        MomentLaw law;
        bool sameSets = Enumerable.Range(1, sets - 1).All(s => Math.Abs(meanS[s] - meanS[0]) <= 1e-12 * (1 + Math.Abs(meanS[0])) && Math.Abs(v[s] - v[0]) <= 1e-12 * (1 + v[0]));
        if (vg > 0 || vbeta > 0)
            law = MomentLaw.Other("a normalized input times random per-unit affine parameters (a scale mixture)");
        else if (x.Law.Kind != LawKind.Other && sameSets && shared <= 1e-9 * v.Average()
            && MomentRules.Affine(x.Law, mg * Math.Sqrt(inv[0]), mb - (Center ? meanS[0] : 0) * mg * Math.Sqrt(inv[0])) is { } affine)
        {
            // y = a x + b with a = gamma / sqrt(v + eps), b = beta - mu a: statistics that concentrate in the infinite-width limit.
            // (A set mean that carries a shared random part, as batch norm's per-channel mean does with the channel's offset, is no
            // constant: then the output is x minus that part, a Gaussian of its own when x is one.)
            law = affine;
        }
        else law = x.Law.IsGaussian ? MomentLaw.Gaussian(self) : x.Law.Kind == LawKind.Other ? x.Law
            : MomentLaw.Other("a non-Gaussian law, normalized by statistics that carry a shared random part");
        return (new MomentState(shape, f, mean, second, offset, resB, resW, resX, law), inv, xhat2, setSize, setMean, meanShare);
    }

    /// <summary>
    /// E[a y] per position for a node a of the input's shape: E[gamma] (E[a x] - E[a] E[mu_S] - Cov(a, mu_S)) / sqrt(v + eps) + E[a] E[beta],
    /// with Cov(a, mu_S) taken as Cov(a, x) times the share of x's variance that the set's mean carries (exact for a = x; 0 for
    /// an a independent of x).
    /// </summary>
    public static double[] Cross(MomentContext context, int other, int featureAxis, double[] inv, double[] setMean, double[] meanShare,
        ParameterLaw? gamma, ParameterLaw? beta)
    {
        var ax = context.CrossWithInput(other, 0, featureAxis);
        var a = context.StateOf(other).ToLayout(featureAxis);
        var x = context.Input(0, featureAxis);
        double mg = gamma?.Mean ?? 1, mb = beta?.Mean ?? 0;
        var r = new double[ax.Length];
        for (int p = 0; p < r.Length; p++)
        {
            double cov = ax[p] - a.Mean[p] * x.Mean[p];
            r[p] = mg * Math.Sqrt(inv[p]) * (ax[p] - a.Mean[p] * setMean[p] - cov * meanShare[p]) + a.Mean[p] * mb;
        }
        return r;
    }

    /// <summary>Adds the input gradient and the parameter gradients (gamma, beta present or not).</summary>
    public static void Backward(MomentContext context, MomentGradients gradients, int featureAxis, double[] inv, double[] xhat2, double setSize,
        bool center, ParameterLaw? gamma, bool hasBeta)
    {
        var g = gradients.Output;
        double sg = gamma?.Second ?? 1, keep = Math.Max(0, 1 - (center ? 2 : 1) / setSize);
        var dx = new double[g.Length];
        double units = context.Output.Units, b = context.Batch, dGamma = 0, dBeta = 0;
        for (int p = 0; p < g.Length; p++)
        {
            dx[p] = sg * g[p] * inv[p] * keep;
            dGamma += g[p] * xhat2[p];
            dBeta += g[p];
        }
        gradients.Add(0, dx, featureAxis);
        if (gamma is not null) gradients.AddParameter(b * units * dGamma);
        if (hasBeta) gradients.AddParameter(b * units * dBeta);
    }
}
