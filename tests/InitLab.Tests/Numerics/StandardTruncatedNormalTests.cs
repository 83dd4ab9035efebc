using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Numerics;

public class StandardTruncatedNormalTests
{
    // References: Reference/make_truncated_normal_reference.py (mpmath quadrature at 60 digits, central moments integrated
    // about the mean). Tolerances: mean within 8 ulp of max(|mean|, std) (the mean's natural scale is the std), std and
    // log-mass within 8 ulp, kurtosis within 100 ulp (its raw-moment form cancels by up to a factor 40 for a narrow
    // interval), CDF within 1e-14 absolute (the KS test needs absolute accuracy).
    private const double Ulp = 2.220446049250313e-16;

    [Theory]
[InlineData(-2, 2, 0.0, 0.87962566103423975041, 2.3655367171296495117, -0.046567912292390163548, -0.8796256610342398, 0.17473125257064213135, 0.0, 0.5, 0.8796256610342398, 0.82526874742935786865)]
[InlineData(0, double.PositiveInfinity, 0.79788456080286535588, 0.60281027498908697428, 3.8691773036059741167, -0.69314718055994530942, 0.1950742858137784, 0.15466520720687910323, 0.7978845608028654, 0.57506251631663802989, 1.4006948357919524, 0.83869465234974612607)]
[InlineData(double.NegativeInfinity, double.PositiveInfinity, 0.0, 1.0, 3.0, 0.0, -1.0, 0.15865525393145705141, 0.0, 0.5, 1.0, 0.84134474606854294859)]
[InlineData(8, 9, 8.1211889929797971226, 0.11894764723502567471, 7.6780634916842613545, -35.013618593437148117, 8.002241345744771, 0.01804382831011282506, 8.121188992979796, 0.62907938601318076702, 8.240136640214823, 0.86190271922905746339)]
[InlineData(9, 10, 9.108456288012408528, 0.10699909262062107845, 8.0733461105025076035, -43.628216632280822469, 9.001457195391787, 0.01318712740738423228, 9.108456288012409, 0.62983470966130552745, 9.21545538063303, 0.86273634986204735579)]
[InlineData(10, 11, 10.098068374933019144, 0.097060660941168616646, 8.3397181762020062567, -53.23131022558312486, 10.00100771399185, 0.010125141375786017434, 10.09806837493302, 0.63031718857819177756, 10.195129035874189, 0.86322930008253582203)]
[InlineData(double.NegativeInfinity, -30, -30.033259667433677037, 0.033223056931746828663, 8.947524020636317891, -454.32124395634319711, -30.066482724365425, 0.13548417097621238602, -30.033259667433676, 0.3680823012283081418, -30.00003661050193, 0.99890107088490556012)]
[InlineData(40, double.PositiveInfinity, 40.024968847207263723, 0.024953323998846101095, 8.9702735585368263402, -804.60844201375378817, 40.00001552320842, 0.0006211230769081934494, 40.02496884720726, 0.63200607874115132671, 40.04992217120611, 0.86458060460862846049)]
[InlineData(-0.001, 0.002, 0.00049999962500011251041, 0.00086602527388058355871, 1.8000003085718245712, -6.7280820235185500817, -0.000366025648880471, 0.21132483653766721649, 0.0004999996250001125, 0.50000006249995547567, 0.001366024898880696, 0.78867516346235151116)]
[InlineData(5, 5.001, 5.0004995832918543867, 0.00028867494932574857871, 1.8000041779707295804, -20.329192936978384058, 5.000210908342528, 0.2113246414965235058, 5.000499583291854, 0.50020835399822979569, 5.0007882582411805, 0.78867535822100839866)]
[InlineData(30, 30.00001, 30.000004999749999769, 2.8867513393388390781e-6, 1.8000000149177192505, -462.43201399447941862, 30.00000211299866, 0.21132486470536406192, 30.00000499975, 0.50001250009292647211, 30.00000788650134, 0.78867513547632713374)]
[InlineData(-3, -2.5, -2.6948722621772863258, 0.13737114118042761992, 2.113173000207370529, -5.3267647240790622482, -2.832243403357714, 0.19779432312066760167, -2.6948722621772863, 0.44670512899453313888, -2.5575011209968586, 0.80692400278634557999)]
[InlineData(1, double.PositiveInfinity, 1.5251352761609812091, 0.44620361447476956936, 4.9973567732993141913, -1.8410216450092635058, 1.0789316616862117, 0.11563535962241276281, 1.525135276160981, 0.59905090767547203861, 1.9713388906357507, 0.84656944987238920343)]
[InlineData(double.NegativeInfinity, -1, -1.5251352761609812091, 0.44620361447476956936, 4.9973567732993141913, -1.8410216450092635058, -1.9713388906357507, 0.15343055012761079657, -1.525135276160981, 0.40094909232452796139, -1.0789316616862117, 0.88436464037758723719)]
[InlineData(0.5, 0.6, 0.54954184251023175851, 0.028860521167566887942, 1.8008437735761547705, -3.3730642269427959099, 0.5206813213426649, 0.21126635031304612542, 0.5495418425102317, 0.50228965107705425681, 0.5784023636777986, 0.78873402849449304713)]
[InlineData(1000, 1001, 1000.00099999800001, 0.0009999970000204998025, 8.9999520007079875442, -500007.82669481218431, 1000.000000001, 9.9998992459700124573e-7, 1000.000999998, 0.63212037488548164624, 1000.001999995, 0.86466458142594998677)]
[InlineData(-8, 100, 5.0522710835368954309e-15, 0.99999999999997979092, 2.9999999999975344917, -6.2209605742717860585e-16, -0.9999999999999747, 0.15865525393146265304, 5.052271083536895e-15, 0.50000000000000170452, 0.9999999999999848, 0.8413447460685391695)]
[InlineData(37, 38, 37.026987686126990046, 0.026968094090563074507, 8.9653108940409246683, -689.03058557689059365, 37.00001959203642, 0.0007251712193470314388, 37.02698768612699, 0.6319868562648882004, 37.05395578021756, 0.86456650422129783465)]
[InlineData(2, 3, 2.3158213267437818381, 0.24803382748022490227, 2.7575863323156982948, -3.844353426334205621, 2.0677874992635568, 0.15981727652071362464, 2.315821326743782, 0.58252254867743917243, 2.5638551542240067, 0.82121977289699294285)]
[InlineData(-0.1, 5, 0.73532938490742097745, 0.62108269294479483588, 3.7616717229754955783, -0.61650554112070660326, 0.11424669196262614, 0.15802586863376554825, 0.735329384907421, 0.57195743112140153951, 1.3564120778522157, 0.83794128417536737333)]
[InlineData(double.NegativeInfinity, 0.3, -0.61722085361273445015, 0.65868973104318781574, 3.5598511863403227913, -0.48141016158848120517, -1.2759105846559222, 0.16344343358132668729, -0.6172208536127345, 0.43460036777227477535, 0.04146887743045337, 0.83594335627060834485)]
[InlineData(1000000.0, double.PositiveInfinity, 1000000.000001, 9.99999999997e-7, 8.999999999952, -500000000014.73444909, 1000000.000001, 0.63212336003401038727, 1000000.000001, 0.63212336003401038727, 1000000.000002, 0.86466677776746898927)]
    public void Moments_log_mass_and_cdf_match_60_digit_references(double alpha, double beta, double mean, double std, double kurtosis,
        double logMass, double x1, double f1, double x2, double f2, double x3, double f3)
    {
        var m = StandardTruncatedNormal.Moments(alpha, beta);
        Assert.True(Math.Abs(m.Mean - mean) <= 8 * Ulp * Math.Max(Math.Abs(mean), std), $"mean {m.Mean:R}, expected {mean:R}");
        Assert.True(Math.Abs(m.Std - std) <= 8 * Ulp * std, $"std {m.Std:R}, expected {std:R}");
        Assert.True(Math.Abs(m.Kurtosis - kurtosis) <= 100 * Ulp * kurtosis, $"kurtosis {m.Kurtosis:R}, expected {kurtosis:R}");
        Assert.True(Math.Abs(m.LogMass - logMass) <= 8 * Ulp * Math.Max(1, Math.Abs(logMass)), $"log mass {m.LogMass:R}, expected {logMass:R}");
        Assert.Equal(m.LogMass, StandardTruncatedNormal.LogMass(alpha, beta), 12);
        foreach (var (x, f) in new[] { (x1, f1), (x2, f2), (x3, f3) })
        {
            double cdf = StandardTruncatedNormal.Cdf(alpha, beta, x);
            Assert.True(Math.Abs(cdf - f) <= 1e-14, $"F({x:R}) = {cdf:R}, expected {f:R}");
        }
    }

    [Theory]
    [InlineData(-1.3, 0.4)]
    [InlineData(0.25, 3.5)]
    [InlineData(6.5, 6.9)]
    [InlineData(-12, -11.2)]
    public void Moments_match_an_independent_composite_simpson_quadrature(double alpha, double beta)
    {
        // Simpson's rule on 20000 panels of exp(-(z^2 - c^2) / 2), c the end nearest 0: error h^4 f''''/180 < 1e-15 here.
        double c = alpha > 0 ? alpha : beta < 0 ? beta : 0;
        const int n = 20000;
        double h = (beta - alpha) / n;
        double Integral(Func<double, double> g)
        {
            double s = 0;
            for (int i = 0; i <= n; i++)
            {
                double z = alpha + i * h;
                double weight = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
                s += weight * g(z) * Math.Exp(-0.5 * (z - c) * (z + c));
            }
            return s * h / 3;
        }
        double mass = Integral(_ => 1);
        double mean = Integral(z => z) / mass;
        double variance = Integral(z => (z - mean) * (z - mean)) / mass;
        double mu4 = Integral(z => Math.Pow(z - mean, 4)) / mass;
        var m = StandardTruncatedNormal.Moments(alpha, beta);
        Assert.Equal(mean, m.Mean, 1e-12);
        Assert.Equal(Math.Sqrt(variance), m.Std, 1e-12 * Math.Sqrt(variance));
        Assert.Equal(mu4 / (variance * variance), m.Kurtosis, 1e-10);
        Assert.Equal(Math.Log(mass) - 0.5 * c * c - 0.5 * Math.Log(2 * Math.PI), m.LogMass, 1e-12);
    }

    [Fact]
    public void Far_tail_limits_are_those_of_an_exponential()
    {
        // For alpha -> inf, Z - alpha is nearly exponential with rate alpha: std ~ 1 / alpha, kurtosis -> 9.
        var m = StandardTruncatedNormal.Moments(1e8, double.PositiveInfinity);
        Assert.Equal(1e8, m.Mean, 1e-6);
        Assert.Equal(1e-8, m.Std, 1e-20);
        Assert.Equal(9, m.Kurtosis, 1e-6);
        // ln Q(alpha) = -alpha^2/2 - ln(alpha sqrt(2 pi)) - 1/alpha^2 + ...; 1e-16 is below the ulp of 5e15 (= 1).
        Assert.Equal(-5e15 - Math.Log(1e8 * Math.Sqrt(2 * Math.PI)), m.LogMass, 2.0);
    }

    [Theory]
    [InlineData(30, 1e300, 30, double.PositiveInfinity)]
    [InlineData(-1e300, -30, double.NegativeInfinity, -30)]
    [InlineData(-1e300, 1e300, double.NegativeInfinity, double.PositiveInfinity)]
    [InlineData(-2, double.MaxValue, -2, double.PositiveInfinity)]
    [InlineData(0.5, 1e20, 0.5, double.PositiveInfinity)]
    [InlineData(8, 60, 8, double.PositiveInfinity)]
    public void A_far_finite_bound_gives_the_one_sided_laws_moments(double alpha, double beta, double alphaLimit, double betaLimit)
    {
        // The mass beyond 60 (or beyond 1e300) is below exp(-1800): it underflows, so the finite interval's moments, mass
        // and CDF are the one-sided interval's to the last bit. (The moments used to be NaN for a bound near 1e300:
        // w^k times an underflowed exp(-w^2/2) was inf * 0, and audit then failed every correct sample.)
        var finite = StandardTruncatedNormal.Moments(alpha, beta);
        var limit = StandardTruncatedNormal.Moments(alphaLimit, betaLimit);
        Assert.Equal(limit.Mean, finite.Mean);
        Assert.Equal(limit.Variance, finite.Variance);
        Assert.Equal(limit.FourthCentralMoment, finite.FourthCentralMoment);
        Assert.Equal(limit.LogMass, finite.LogMass);
        foreach (double z in new[] { limit.Mean - limit.Std, limit.Mean, limit.Mean + limit.Std })
            Assert.Equal(StandardTruncatedNormal.Cdf(alphaLimit, betaLimit, z), StandardTruncatedNormal.Cdf(alpha, beta, z), 15);
    }

    [Fact]
    public void Empty_or_undefined_intervals_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => StandardTruncatedNormal.Moments(1, 1));
        Assert.Throws<ArgumentException>(() => StandardTruncatedNormal.Moments(2, 1));
        Assert.Throws<ArgumentException>(() => StandardTruncatedNormal.Moments(double.NaN, 1));
        Assert.Throws<ArgumentException>(() => StandardTruncatedNormal.Cdf(double.PositiveInfinity, double.PositiveInfinity, 0));
        Assert.Throws<ArgumentException>(() => ElementDistribution.TruncatedNormal(0, 1, 0, double.NegativeInfinity));
    }

    [Theory]
    [InlineData(8.0, 9.0, 0.11894764723502567471)]
    [InlineData(9.0, 10.0, 0.10699909262062107845)]
    [InlineData(10.0, 11.0, 0.097060660941168616646)]
    [InlineData(40.0, double.PositiveInfinity, 0.024953323998846101095)]
    [InlineData(double.NegativeInfinity, -30.0, 0.033223056931746828663)]
    [InlineData(30.0, 1e300, 0.033223056931746828663)]
    public void Far_tail_samples_pass_the_audit_and_match_the_reference_std(double a, double b, double referenceStd)
    {
        // init and audit agree: the sample (float32 and float64) passes the KS, mean and std checks against the law,
        // whose std is the 60-digit reference (audit used to claim 2.04 for [8, 9], NaN for [9, 10]).
        var init = Init.TruncNormal(0, 1, a, b);
        var shape = new Shape(200, 100);
        Assert.Equal(referenceStd, init.TargetStd(shape), 14);
        var single = init.Create<float>(shape, new Generator(5));
        var report = InitializerAudit.Run(init, single.Data.Select(v => (double)v).ToArray(), shape, Math.Pow(2, -24));
        Assert.True(report.Passed, string.Join("; ", report.Checks.Select(c => c.ToString())));
        var wide = init.Create<double>(shape, new Generator(6));
        report = InitializerAudit.Run(init, wide.Data, shape, Math.Pow(2, -53));
        Assert.True(report.Passed, string.Join("; ", report.Checks.Select(c => c.ToString())));
        Assert.All(wide.Data, v => Assert.InRange(v, a, b));
    }
}
