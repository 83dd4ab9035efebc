using InitLab.Activations;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Networks.Families;
using InitLab.Networks.Ops;
using InitLab.Numerics;
using InitLab.Theory;

namespace InitLab.Tests.Networks;

/// <summary>
/// The moment engine's fast paths (positions grouped by their laws' bits, the exact tails of erfc, the allocation-free
/// positive-part moments, the Hermite rule of gelu's cross moments, Owen's T in vector lanes) give the numbers a straightforward
/// evaluation at every position gives: to the last bit where the arithmetic is the same, else within the stated bound.
/// </summary>
public class MomentSpeedTests
{
    [Fact]
    public void Position_classes_group_bitwise_equal_positions_and_keep_first_representatives()
    {
        double[] a = [1, 2, 1, 0.0, -0.0, double.NaN, 1, 2];
        double[] b = [5, 5, 5, 5, 5, 5, 6, 5];
        var c = PositionClasses.Of(8, a, null, b);
        // (1,5) (2,5) (0,5) (-0,5) (NaN,5) (1,6): -0.0 and 0.0 differ in bits, so they are two classes.
        Assert.Equal([0, 1, 3, 4, 5, 6], c.Representatives);
        Assert.Equal([0, 1, 0, 2, 3, 4, 5, 1], c.ClassOf);
        Assert.Equal([10.0, 20, 10, 30, 40, 50, 60, 20], c.Scatter([10.0, 20, 30, 40, 50, 60]));
        Assert.Throws<ArgumentException>(() => PositionClasses.Of(9, a));
    }

    [Fact]
    public void Near_classes_ignore_only_the_last_mantissa_bits()
    {
        // 1 and 1 + 255 ulp share their leading 44 mantissa bits (one class with 8 bits dropped); 1 + 256 ulp does not; 1 - 1 ulp
        // has another exponent (a cut, not a tolerance: its own class); a second field separates what the first joins.
        double ulp = Math.ScaleB(1.0, -52);
        double[] a = [1, 1 + 255 * ulp, 1 + 256 * ulp, 1 - ulp / 2, 1 + 3 * ulp, -1];
        double[] b = [2, 2, 2, 2, 3, 2];
        var near = PositionClasses.Near(6, 8, a);
        Assert.Equal([0, 2, 3, 5], near.Representatives);
        Assert.Equal([0, 0, 1, 2, 0, 3], near.ClassOf);
        var two = PositionClasses.Near(6, 8, a, b);
        Assert.Equal([0, 0, 1, 2, 3, 4], two.ClassOf);
        Assert.Equal(PositionClasses.Of(6, a).ClassOf, PositionClasses.Near(6, 0, a).ClassOf);
        Assert.Equal(6, PositionClasses.Of(6, a).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => PositionClasses.Near(6, 53, a));
    }

    [Fact]
    public void Cdf_and_pdf_from_one_exponential_agree_with_the_reference()
    {
        // Phi(x) = erfc(-x / sqrt 2) / 2 by the reference erfc, phi(x) by its definition. Against the reference: the bound the
        // table's erfc is held to (ActivationMomentsTests: 1e-14 (1 + z^2) relative, z = x / sqrt 2). Against Cdf(x) (e^(-z^2)
        // times the same polynomial): the exponent rounded differently, up to (x^2/2) 2^-52 relatively on each side, and the
        // products an ulp or two: (4 + x^2) 2^-52.
        for (double x = -37; x <= 37; x += 0.0191) // Phi(-37) ~ 1e-300: normal numbers, where relative errors mean ulp
        {
            double cdf = FastNormal.Cdf(x, out double pdf);
            double reference = 0.5 * SpecialFunctions.Erfc(-x / Math.Sqrt(2)), apart = FastNormal.Cdf(x);
            Assert.True(Math.Abs(cdf - reference) <= 1e-14 * (1 + x * x / 2) * reference, $"Phi({x}): {cdf} vs {reference}");
            Assert.True(Math.Abs(cdf - apart) <= (4 + x * x) * Math.ScaleB(1.0, -52) * apart, $"Phi({x}): {cdf} vs {apart}");
            Assert.Equal(BitConverter.DoubleToInt64Bits(FastNormal.Pdf(x)), BitConverter.DoubleToInt64Bits(pdf));
            Assert.True(Math.Abs(pdf - Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI)) <= 4 * Math.ScaleB(1.0, -52) * pdf);
        }
        Assert.Equal(1.0, FastNormal.Cdf(12, out _));
        Assert.Equal(0.0, FastNormal.Cdf(-40, out _));
        Assert.True(double.IsNaN(FastNormal.Cdf(double.NaN, out double nanPdf)) && double.IsNaN(nanPdf));
    }

    [Fact]
    public void Erfc_tails_are_the_reference_bits()
    {
        // Beyond 8 the fast erfc returns 0 (from 28) or 2 (below -8) directly: the reference gives exactly these bits there.
        for (double x = 8; x <= 60; x += 0.0173)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(SpecialFunctions.Erfc(x)), BitConverter.DoubleToInt64Bits(FastNormal.Erfc(x)));
            Assert.Equal(BitConverter.DoubleToInt64Bits(SpecialFunctions.Erfc(-x)), BitConverter.DoubleToInt64Bits(FastNormal.Erfc(-x)));
        }
        foreach (double x in new[] { 27.99, 28, 28.0000001, 1e3, 1e300, double.PositiveInfinity })
        {
            Assert.Equal(SpecialFunctions.Erfc(x), FastNormal.Erfc(x));
            Assert.Equal(SpecialFunctions.Erfc(-x), FastNormal.Erfc(-x));
        }
        Assert.Equal(0.0, FastNormal.Erfc(28));
        Assert.Equal(2.0, FastNormal.Erfc(-8));
        Assert.True(SpecialFunctions.Erfc(27.2) > 0); // the shortcut starts where the reference has underflowed, not before
    }

    [Fact]
    public void Positive_part_moments_into_a_span_equal_the_array_version()
    {
        Span<double> into = stackalloc double[4];
        foreach (var (mu, sigma) in new[] { (0.3, 1.2), (-5.0, 0.1), (40.0, 0.5), (1.0, 0.0), (-1.0, 0.0) })
        {
            MomentQuadrature.PositivePartMoments(mu, sigma, into);
            Assert.Equal(MomentQuadrature.PositivePartMoments(mu, sigma, 3), into.ToArray());
        }
    }

    [Theory]
    [InlineData("resnet:blocks=3,width=8,size=7")]
    [InlineData("resnet:blocks=2,width=8,size=20")]
    [InlineData("resnet:blocks=2,width=8,size=6,norm=none")]
    [InlineData("resnet:blocks=12,width=8,size=9")]
    public void Activation_rules_equal_a_straightforward_evaluation_at_every_position(string model)
    {
        // Each relu's mean and second moment at every position, evaluated alone from its input's law: a Gaussian through
        // the closed form, a Gauss-rule part plus a Gaussian noise through the truncated-normal moments at each of the rule's
        // points (written here). The engine computes them once per class of positions whose laws agree to 2^-44 relative (the
        // first position's numbers for all: 1e-12 bounds what that moves) and copies them.
        var graph = ModelFamilies.Build(model).WithScheme(Init.KaimingNormal());
        var states = MomentEngine.States(graph);
        int checkedGaussian = 0, checkedRule = 0, fewerClasses = 0;
        var kinds = new List<string>();
        foreach (var node in graph.Nodes.Where(n => n.Op is ActivationOp { Activation.Name: "relu" }))
        {
            var x = states[node.InputIndices[0]];
            var y = states[node.Index];
            var law = x.Law;
            kinds.Add($"{node.Name}:{law.Kind}:{law.Rule is not null}:{law.NoiseVariance is not null}");
            if (PositionClasses.Of(x.Positions, x.Mean, x.Second, law.PartMean, law.PartStd, law.NoiseMean, law.NoiseVariance).Count < x.Positions)
                fewerClasses++;
            for (int p = 0; p < x.Positions; p++)
            {
                double mean, second;
                if (law.IsGaussian)
                {
                    (mean, second) = ActivationMoments.Of(Activation.Relu, x.Mean[p], x.VarianceAt(p));
                    checkedGaussian++;
                }
                else if (law.Kind == LawKind.Quadrature && law.Rule is { } rule)
                {
                    (mean, second) = (0, 0);
                    double nm = law.NoiseMean?[p] ?? 0, s = Math.Sqrt(Math.Max(0, law.NoiseVariance?[p] ?? 0));
                    for (int k = 0; k < rule.Nodes.Length; k++)
                    {
                        double u = law.PartMean![p] + law.PartStd![p] * rule.Nodes[k] + nm;
                        var (m1, m2) = s == 0 ? (Math.Max(u, 0), Math.Max(u, 0) * Math.Max(u, 0)) : TruncatedMoments(u, s);
                        mean += rule.Weights[k] * m1;
                        second += rule.Weights[k] * m2;
                    }
                    checkedRule++;
                }
                else continue;
                Assert.True(Math.Abs(y.Mean[p] - mean) <= 1e-12 * Math.Sqrt(second) + 1e-300, $"{node.Name} mean at {p}: {y.Mean[p]} vs {mean}");
                Assert.True(Math.Abs(y.Second[p] - second) <= 1e-12 * second + 1e-300, $"{node.Name} second moment at {p}: {y.Second[p]} vs {second}");
            }
        }
        Assert.True(checkedGaussian > 0, "no relu of a Gaussian was checked");
        Assert.True(fewerClasses > 0, "no relu had positions with equal laws: the grouping was not exercised");
        if (!model.Contains("norm=none", StringComparison.Ordinal)) Assert.True(checkedRule > 0, $"no relu of a Gauss-rule law was checked: {string.Join(", ", kinds)}");
    }

    /// <summary>E[relu(Y)] and E[relu(Y)^2] for Y ~ N(u, s^2): u Phi(a) + s phi(a) and (u^2 + s^2) Phi(a) + u s phi(a), a = u / s
    /// (Phi through the reference erfc, not the engine's table).</summary>
    private static (double, double) TruncatedMoments(double u, double s)
    {
        double a = u / s, cdf = 0.5 * SpecialFunctions.Erfc(-a / Math.Sqrt(2)), pdf = Math.Exp(-0.5 * a * a) / Math.Sqrt(2 * Math.PI);
        return (u * cdf + s * pdf, (u * u + s * s) * cdf + u * s * pdf);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(40)]
    [InlineData(64)]
    public void Hermite_rules_integrate_the_normal_moments_exactly(int n)
    {
        // sum w_i z_i^k = E[Z^k] = (k - 1)!! for even k, 0 for odd k, for every k <= 2n - 1 (checked to 2n - 1 or 40); the
        // moment's own size bounds the rounding of the sum (|w_i z_i^k| summed is E|Z|^k-sized).
        var (z, w) = GaussianRule.Hermite(n);
        Assert.Equal(n, z.Length);
        for (int i = 0; i + 1 < n; i++) Assert.True(z[i] < z[i + 1], $"nodes not ascending at {i}");
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(-z[i], z[n - 1 - i], 1e-13);
            Assert.Equal(w[i], w[n - 1 - i], 1e-15);
            Assert.True(w[i] > 0);
        }
        double doubleFactorial = 1;
        for (int k = 0; k <= Math.Min(2 * n - 1, 40); k++)
        {
            if (k >= 2 && k % 2 == 0) doubleFactorial *= k - 1;
            double sum = 0, size = 0;
            for (int i = 0; i < n; i++)
            {
                sum += w[i] * Math.Pow(z[i], k);
                size += w[i] * Math.Abs(Math.Pow(z[i], k));
            }
            double expected = k % 2 == 1 ? 0 : doubleFactorial;
            Assert.True(Math.Abs(sum - expected) <= 1e-13 * Math.Max(size, 1), $"E[Z^{k}] by {n} points: {sum} vs {expected}");
        }
        Assert.Same(GaussianRule.Hermite(n).Z, z); // computed once
    }

    [Fact]
    public void Gelu_cross_moments_by_the_hermite_rule_equal_the_composite_rule()
    {
        // The engine's gelu cross moment E[phi(X1) phi(X2)] uses a Gauss-Hermite outer rule up to variance 1; the public Cross
        // integrates with the composite Gauss-Legendre rule of ~300 points (an independent evaluation, accurate to ~1e-13 of
        // E|f|). Over the means, variances and correlations the engine meets (and beyond), they agree within 1e-13 of E[phi^2].
        var gelu = Activation.Gelu;
        int hermite = 0;
        foreach (double v in new[] { 1e-4, 0.01, 0.1, 0.3, 0.45, 0.5, 0.51, 0.7, 0.9, 1.0, 1.01, 2.0 })
            foreach (double m in new[] { -4.0, -2.5, -1, -0.3, 0, 0.2, 0.8, 1.5, 3 })
                foreach (double c in new[] { -0.9999, -0.7, -0.2, 0.05, 0.4, 0.8, 0.97, 0.99999 })
                {
                    var rule = ActivationMoments.CrossRule(gelu, m, v);
                    if (rule.X.Length < 100) hermite++;
                    double fast = ActivationMoments.Cross(gelu, m, v, c * v, () => rule);
                    double composite = ActivationMoments.Cross(gelu, m, v, c * v);
                    double scale = ActivationMoments.Of(gelu, m, v).Second;
                    Assert.True(Math.Abs(fast - composite) <= 1e-13 * scale, $"m {m}, v {v}, c {c}: {fast} vs {composite} (scale {scale})");
                }
        Assert.Equal(10 * 9 * 8, hermite); // the ten variances up to 1 took the Hermite rule, 1.01 and 2 the composite one
        Assert.Equal(40, ActivationMoments.CrossHermiteOrder(gelu, 0.5));
        Assert.Equal(64, ActivationMoments.CrossHermiteOrder(gelu, 0.75));
        Assert.Equal(0, ActivationMoments.CrossHermiteOrder(gelu, 1.5));
        Assert.Equal(0, ActivationMoments.CrossHermiteOrder(Activation.Tanh, 0.3));
    }

    [Fact]
    public void Owens_t_is_the_same_bits_in_every_lane_width_and_agrees_with_a_plain_sum()
    {
        // The 20 Gauss-Legendre terms w_i exp(-h^2 u_i / 2) / u_i in vector lanes (DoubleLaneMath.Exp, within 1 ulp) against
        // the same rule written plainly with Math.Exp: each term within 2 ulp, the positive sum within 4e-16 relative.
        foreach (double h in new[] { 0.0, 0.1, -0.7, 1.3, 2.9, 6.0, 12.0, 38.0 })
            foreach (double q in new[] { 0.0, 0.01, 0.3, 0.77, 1.0 })
            {
                double plain = 0;
                if (q > 0)
                {
                    for (int i = 0; i < GaussLegendre.Order; i++)
                    {
                        double x = 0.5 * q * (1 + GaussLegendre.Nodes[i]), u = 1 + x * x;
                        plain += GaussLegendre.Weights[i] * Math.Exp(-0.5 * h * h * u) / u;
                    }
                    plain *= 0.5 * q / (2 * Math.PI);
                }
                double t = ActivationMoments.OwenT(h, q);
                Assert.True(Math.Abs(t - plain) <= 4e-16 * plain, $"T({h}, {q}): {t} vs {plain}");
                foreach (var width in new[] { LaneWidth.Scalar, LaneWidth.V128, LaneWidth.V256, LaneWidth.V512 })
                    Assert.Equal(BitConverter.DoubleToInt64Bits(t), BitConverter.DoubleToInt64Bits(ActivationMoments.OwenT(h, q, width)));
            }
    }
}
