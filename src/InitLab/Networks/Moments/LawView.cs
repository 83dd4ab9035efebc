using InitLab.Activations;
using InitLab.Numerics;
using InitLab.Theory;

namespace InitLab.Networks;

/// <summary>
/// Expectations of element-wise functions of a node's elements under the law the engine tracks: a Gaussian (closed forms or
/// quadrature), a map f(g) of a Gaussian origin g (one-dimensional quadrature over g), either plus an independent Gaussian G
/// (the inner expectation over G in closed form for identity, relu and leaky_relu: the truncated-normal moments), or a Gauss
/// rule for a non-Gaussian part plus G. A law the engine does not track is taken as a Gaussian with the node's moments, and the
/// node that asked records it.
/// </summary>
internal sealed class LawView
{
    private readonly MomentState _x;
    private readonly MomentState? _origin;
    private readonly MomentLaw _law;
    private readonly bool _gaussian;

    /// <summary>phi and the weights at the quadrature points of N(y, s^2), by the bits of (y, s), for this view's activation
    /// (a view serves one node's rule: one phi).</summary>
    private sealed class PointCache : System.Collections.Concurrent.ConcurrentDictionary<(long, long), (double[] F, double[] W)>;

    private readonly PointCache _points = new();
    private Activation? _pointsPhi;

    private LawView(MomentState x, MomentState? origin, MomentLaw law, bool gaussian, bool approximate)
    {
        _x = x;
        _origin = origin;
        _law = law;
        _gaussian = gaussian;
        Approximate = approximate;
    }

    /// <summary>True when the law was replaced by a Gaussian with the node's moments.</summary>
    public bool Approximate { get; }

    /// <summary>True when the elements are Gaussian (or taken so).</summary>
    public bool IsGaussian => _gaussian;

    /// <summary>The per-position fields every expectation at position p reads (null entries: not read): positions whose values are
    /// bitwise equal in all of them get the same numbers (<see cref="PositionClasses"/>).</summary>
    public double[]?[] Fields =>
        [_x.Mean, _x.Second, _law.NoiseMean, _law.NoiseVariance, _law.PartMean, _law.PartStd, _origin?.Mean, _origin?.Second];

    /// <summary>The law's view for node state <paramref name="x"/>; <paramref name="what"/> names the asking op in an assumption.</summary>
    public static LawView Of(MomentContext context, MomentState x, string what)
    {
        var law = x.Law;
        if (law.IsGaussian || law.Kind == LawKind.Quadrature && law.Rule is not null && law.PartMean is not null && law.PartStd is not null)
            return new LawView(x, null, law, law.IsGaussian, false);
        if (law.Kind == LawKind.Mapped && law.Map is not null && law.Origin >= 0)
        {
            var origin = context.StateOf(law.Origin);
            if (origin.Shape == x.Shape) return new LawView(x, origin.ToLayout(x.FeatureAxis), law, false, false);
        }
        context.Assume($"{what}: its input is {law.Note ?? "not Gaussian"}, taken as a Gaussian with the same mean and variance");
        return new LawView(x, null, law, true, true);
    }

    /// <summary>E[phi(x)^r] for r = 0..maxPower at position p (phi null: the identity).</summary>
    public double[] Powers(int p, Activation? phi, int maxPower)
    {
        if (_gaussian) return Smooth(phi, _x.Mean[p], _x.VarianceAt(p), maxPower);
        var result = new double[maxPower + 1];
        if (_law.Kind == LawKind.Quadrature)
        {
            Powers(p, phi, result);
            return result;
        }
        double noiseMean = _law.NoiseMean?[p] ?? 0, noiseVar = _law.NoiseVariance?[p] ?? 0;
        var map = _law.Map!;
        var (xs, ws) = GaussianRule.Points(_origin!.Mean[p], Math.Sqrt(_origin.VarianceAt(p)), map.Kinks);
        for (int i = 0; i < xs.Length; i++)
            Accumulate(result, ws[i], Smooth(phi, map.F(xs[i]) + noiseMean, noiseVar, maxPower));
        return result;
    }

    /// <summary><see cref="Powers(int, Activation?, int)"/> into <paramref name="result"/> (r = 0..result.Length - 1), allocating
    /// nothing for a Gauss-rule law (the per-position loop of an activation's rule).</summary>
    public void Powers(int p, Activation? phi, Span<double> result)
    {
        if (_gaussian || _law.Kind != LawKind.Quadrature)
        {
            Powers(p, phi, result.Length - 1).CopyTo(result);
            return;
        }
        result.Clear();
        double noiseMean = _law.NoiseMean?[p] ?? 0, noiseVar = _law.NoiseVariance?[p] ?? 0;
        var (z, w) = _law.Rule!.Value;
        Span<double> point = stackalloc double[result.Length];
        var cache = phi is not null && ReferenceEquals(_pointsPhi ??= phi, phi) ? _points : null;
        for (int k = 0; k < z.Length; k++)
        {
            Smooth(phi, _law.PartMean![p] + _law.PartStd![p] * z[k] + noiseMean, noiseVar, point, cache);
            Accumulate(result, w[k], point);
        }
    }

    /// <summary>E[h(x)] at position p for any function h (kinks of h where it is not smooth).</summary>
    public double Expect(int p, Func<double, double> h, IReadOnlyList<double> kinks)
    {
        if (_gaussian) return ActivationMoments.Expect(h, _x.Mean[p], _x.VarianceAt(p), kinks);
        double noiseMean = _law.NoiseMean?[p] ?? 0, noiseVar = _law.NoiseVariance?[p] ?? 0;
        double Inner(double y) => noiseVar > 0 ? ActivationMoments.Expect(h, y + noiseMean, noiseVar, kinks) : h(y + noiseMean);
        if (_law.Kind == LawKind.Quadrature)
        {
            var (z, w) = _law.Rule!.Value;
            double s = 0;
            for (int k = 0; k < z.Length; k++) s += w[k] * Inner(_law.PartMean![p] + _law.PartStd![p] * z[k]);
            return s;
        }
        var map = _law.Map!;
        var (xs, ws) = GaussianRule.Points(_origin!.Mean[p], Math.Sqrt(_origin.VarianceAt(p)), map.Kinks);
        double sum = 0;
        for (int i = 0; i < xs.Length; i++) sum += ws[i] * Inner(map.F(xs[i]));
        return sum;
    }

    /// <summary>E[phi'(x)^2] at position p.</summary>
    public double DerivativeSquare(int p, Activation phi)
    {
        if (_gaussian) return ActivationMoments.DerivativeSquare(phi, _x.Mean[p], _x.VarianceAt(p));
        if (phi.Name is not ("identity" or "relu" or "leaky_relu"))
            return Expect(p, y => { double d = phi.Derivative(y); return d * d; }, phi.Kinks);
        // phi'^2 is a step: E[phi'(y + G)^2] = ActivationMoments.DerivativeSquare at N(y, noise) (closed form).
        double noiseMean = _law.NoiseMean?[p] ?? 0, noiseVar = _law.NoiseVariance?[p] ?? 0, sum = 0;
        if (_law.Kind == LawKind.Quadrature)
        {
            var (z, w) = _law.Rule!.Value;
            for (int k = 0; k < z.Length; k++)
                sum += w[k] * ActivationMoments.DerivativeSquare(phi, _law.PartMean![p] + _law.PartStd![p] * z[k] + noiseMean, noiseVar);
            return sum;
        }
        var map = _law.Map!;
        var (xs, ws) = GaussianRule.Points(_origin!.Mean[p], Math.Sqrt(_origin.VarianceAt(p)), map.Kinks);
        for (int i = 0; i < xs.Length; i++) sum += ws[i] * ActivationMoments.DerivativeSquare(phi, map.F(xs[i]) + noiseMean, noiseVar);
        return sum;
    }

    /// <summary>
    /// The standardized moments E[((y - E y) / sd y)^r], r = 0..maxPower, of y = phi(x) at position p (the shape a Gauss rule keeps),
    /// and y's mean and standard deviation.
    /// </summary>
    public (double[] Standardized, double Mean, double Std) StandardizedPowers(int p, Activation? phi, int maxPower)
    {
        var raw = Powers(p, phi, maxPower);
        return Standardize(raw);
    }

    /// <summary>Raw moments E[y^r] to standardized ones.</summary>
    public static (double[] Standardized, double Mean, double Std) Standardize(double[] raw)
    {
        int n = raw.Length - 1;
        double mean = raw[1] / raw[0], variance = Math.Max(0, raw[2] / raw[0] - mean * mean), sd = Math.Sqrt(variance);
        var central = new double[n + 1];
        for (int r = 0; r <= n; r++)
        {
            // E[(y - mean)^r] = sum_j C(r, j) E[y^j] (-mean)^(r - j).
            double s = 0, c = 1;
            for (int j = 0; j <= r; j++)
            {
                s += c * raw[j] / raw[0] * Math.Pow(-mean, r - j);
                c = c * (r - j) / (j + 1);
            }
            central[r] = sd > 0 ? s / Math.Pow(sd, r) : (r == 0 ? 1 : 0);
        }
        return (central, mean, sd);
    }

    /// <summary>E[phi(y + G)^r], G ~ N(0, variance), r = 0..maxPower: closed forms for identity, relu and leaky_relu.</summary>
    private static double[] Smooth(Activation? phi, double y, double variance, int maxPower)
    {
        var result = new double[maxPower + 1];
        Smooth(phi, y, variance, result);
        return result;
    }

    /// <summary>
    /// <see cref="Smooth(Activation?, double, double, int)"/> into <paramref name="result"/> (r = 0..result.Length - 1). For an
    /// activation without a closed form, the quadrature's weights and phi at its points depend on (phi, y, variance) alone: with
    /// <paramref name="points"/> they are computed once per view and law (the moments to order 2 and to order 15 of one position,
    /// a Gauss rule's atoms shared by positions) and reused, the same numbers in the same order, so the same bits.
    /// </summary>
    private static void Smooth(Activation? phi, double y, double variance, Span<double> result, PointCache? points = null)
    {
        int maxPower = result.Length - 1;
        result.Clear();
        double s = Math.Sqrt(Math.Max(0, variance));
        string name = phi?.Name ?? "identity";
        if (s == 0)
        {
            double v = phi is null ? y : phi.Forward(y);
            for (int r = 0; r <= maxPower; r++) result[r] = Math.Pow(v, r);
            return;
        }
        switch (name)
        {
            case "identity":
                GaussianPowers(y, s, maxPower).CopyTo(result);
                return;
            case "relu":
                MomentQuadrature.PositivePartMoments(y, s, result);
                return;
            case "leaky_relu":
                {
                    double a = phi!.Parameter ?? 0.01;
                    var all = GaussianPowers(y, s, maxPower);
                    var pos = MomentQuadrature.PositivePartMoments(y, s, maxPower);
                    for (int r = 0; r <= maxPower; r++) result[r] = pos[r] + Math.Pow(a, r) * (all[r] - pos[r]);
                    return;
                }
        }
        var (fs, ws) = points is null ? Evaluate(phi!, y, s) : points.GetOrAdd((BitConverter.DoubleToInt64Bits(y), BitConverter.DoubleToInt64Bits(s)), _ => Evaluate(phi!, y, s));
        for (int i = 0; i < fs.Length; i++)
        {
            double v = fs[i], t = ws[i];
            for (int r = 0; r <= maxPower; r++)
            {
                result[r] += t;
                t *= v;
            }
        }
    }

    /// <summary>phi at the points of the Gaussian rule for N(y, s^2), and the rule's weights.</summary>
    private static (double[] F, double[] W) Evaluate(Activation phi, double y, double s)
    {
        var (xs, ws) = GaussianRule.Points(y, s, phi.Kinks);
        var fs = new double[xs.Length];
        for (int i = 0; i < xs.Length; i++) fs[i] = phi.Forward(xs[i]);
        return (fs, ws);
    }

    /// <summary>E[Y^r] for Y ~ N(y, s^2): M_r = y M_(r-1) + (r - 1) s^2 M_(r-2).</summary>
    private static double[] GaussianPowers(double y, double s, int maxPower)
    {
        var m = new double[maxPower + 1];
        m[0] = 1;
        if (maxPower >= 1) m[1] = y;
        for (int r = 2; r <= maxPower; r++) m[r] = y * m[r - 1] + (r - 1) * s * s * m[r - 2];
        return m;
    }

    private static void Accumulate(Span<double> into, double weight, ReadOnlySpan<double> values)
    {
        for (int r = 0; r < into.Length; r++) into[r] += weight * values[r];
    }
}
