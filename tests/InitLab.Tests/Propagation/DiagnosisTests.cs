using InitLab.Activations;
using InitLab.Propagation;

namespace InitLab.Tests.Propagation;

public class DiagnosisTests
{
    [Fact]
    public void Standard_normal_weights_explode_at_the_predicted_rate()
    {
        // relu(h) with W ~ N(0, 1): q grows by N / 2 per layer, so the std by sqrt(N / 2) = 16 at N = 512.
        const int n = 512;
        var spec = new NetworkSpec(n, 20, Activation.Relu, new WeightDistribution.Gaussian("normal", (_, _) => 1.0)) { Batch = 16 };
        var trace = EnsembleEngine.Run(spec, 11);
        var d = trace.Diagnosis;
        Assert.Equal(Verdict.Exploding, d.Verdict);
        // Per-layer log10 growth: fluctuation of log10 q over N B = 8192 entries is ~ sqrt(2 / 8192) / ln 10 = 0.007 per
        // layer, and the fit over 20 layers averages it down; 5 sigma of one layer's noise bounds the slope error.
        Assert.Equal(Math.Log10(Math.Sqrt(n / 2.0)), d.Log10GrowthPerLayer, 0.035);
        Assert.Contains("kaiming_normal", d.Advice);
        Assert.Contains("1.414", d.Advice);
        // float16 overflows once the largest entry (a few std) passes 65504: 16^k * (max/std) > 65504, k about 3.4.
        var float16 = d.Limits.Single(l => l.Format == "float16").Layer!.Value;
        Assert.InRange(float16, Math.Ceiling(Math.Log10(65504 / 8.0) / Math.Log10(16.0)), Math.Ceiling(Math.Log10(65504) / Math.Log10(16.0)));
    }

    [Fact]
    public void Weights_scaled_by_0_01_vanish()
    {
        var spec = new NetworkSpec(512, 50, Activation.Identity, new WeightDistribution.Gaussian("0.01 normal", (_, _) => 0.01)) { Batch = 4 };
        var d = ExplicitEngine.Run(spec, 2).Diagnosis;
        Assert.Equal(Verdict.Vanishing, d.Verdict);
        // Identity activation, fresh N(0, 0.01^2) weights: |h_r|^2 = 0.01^2 |x_r|^2 chi2(n) / n per row, so the std ratio
        // per layer is 0.01 sqrt(n) = 0.2263 with relative sd sqrt(2 / n) / 2 per row, sqrt(1 / (2 n B)) = 0.0156 over the
        // B = 4 rows; the fit over 50 layers only averages it down: 5 of those standard errors.
        double ratio = 0.01 * Math.Sqrt(512);
        Assert.Equal(ratio, d.GrowthPerLayer, 5 * ratio * Math.Sqrt(1.0 / (2 * 512 * 4)));
    }

    [Fact]
    public void Kaiming_with_relu_is_stable_over_1000_layers()
    {
        var spec = new NetworkSpec(512, 1000, Activation.Relu, WeightDistribution.Gaussian.WithSigmaW(Math.Sqrt(2))) { Batch = 16 };
        var trace = EnsembleEngine.Run(spec, 5);
        Assert.Null(trace.FirstNonFiniteLayer);
        Assert.Equal(1000, trace.Layers.Count);
        Assert.Equal(Verdict.Stable, trace.Diagnosis.Verdict);
        Assert.Equal("", trace.Diagnosis.Advice);
    }

    [Fact]
    public void A_non_finite_layer_is_reported_as_the_first_non_finite_layer_and_the_engine_stops()
    {
        var spec = new NetworkSpec(512, 100, Activation.Identity, new WeightDistribution.Gaussian("normal", (_, _) => 1.0)) { Batch = 1 };
        var trace = ExplicitEngine.Run(spec, 0);
        Assert.NotNull(trace.FirstNonFiniteLayer);
        // std_l = sqrt(512)^l (fresh N(0, 1) weights, identity): the largest of 512 entries, about 3 std, passes FLT_MAX
        // at l = (log10 FLT_MAX - log10 3) / log10 sqrt(512) = 28.1. log10 std_l spreads by sqrt(l / (2 n)) / ln 10 = 0.07
        // decades and log10 max|z| over 512 draws by under 0.3, a layer being 1.35 decades: layer 29, give or take one.
        double crossing = (Math.Log10(float.MaxValue) - Math.Log10(3)) / Math.Log10(Math.Sqrt(512));
        Assert.InRange(trace.FirstNonFiniteLayer!.Value, Math.Ceiling(crossing) - 1, Math.Ceiling(crossing) + 1);
        Assert.Equal(trace.FirstNonFiniteLayer, trace.Layers.Count);
        Assert.Equal(Verdict.Exploding, trace.Diagnosis.Verdict);
        // The float32 limit extrapolated from the largest entry lands within a layer of the actual overflow.
        var float32 = trace.Diagnosis.Limits.Single(l => l.Format == "float32").Layer!.Value;
        Assert.InRange(float32, trace.FirstNonFiniteLayer!.Value - 1, trace.FirstNonFiniteLayer!.Value + 1);
    }

    [Fact]
    public void The_growth_rate_is_the_least_squares_slope_of_log10_std_per_layer()
    {
        // Mean field, identity activation, sigma_w = 2, no bias: std_l = 2^l exactly, so log10 std is a line of slope log10 2.
        var spec = new NetworkSpec(16, 4, Activation.Identity, WeightDistribution.Gaussian.WithSigmaW(2));
        var d = MeanFieldEngine.Run(spec).Diagnosis;
        Assert.Equal(Math.Log10(2), d.Log10GrowthPerLayer, 12);
        Assert.Equal(2.0, d.GrowthPerLayer, 12);
        var shrinking = MeanFieldEngine.Run(new NetworkSpec(16, 3, Activation.Identity, WeightDistribution.Gaussian.WithSigmaW(0.5))).Diagnosis;
        Assert.Equal(Math.Log10(0.5), shrinking.Log10GrowthPerLayer, 12);
    }
}

public class FiniteWidthDiagnosisTests
{
    private static NetworkSpec Relu(double sigmaW, int width = 64, int depth = 200, int batch = 16) =>
        new(width, depth, Activation.Relu, sigmaW == Math.Sqrt(2)
            ? new WeightDistribution.Gaussian("kaiming_normal", (fanIn, _) => Math.Sqrt(2.0 / fanIn))
            : WeightDistribution.Gaussian.WithSigmaW(sigmaW)) { Batch = batch };

    // A critical relu network (kaiming) at width 64 and depth 200: log std is a random walk with per-layer variance 5 / 64,
    // so its fitted change has mean -1.7 and sd 0.94 decades and most seeds change by more than a factor of 10. The band's
    // alpha is 0.01: over 200 seeds a correct band gives at most 8 false alarms except with probability 2.4e-4
    // (P(Binomial(200, 0.01) >= 9)). The old factor-10 rule called most of these seeds vanishing.
    [Fact]
    public void A_critical_relu_network_is_stable_for_all_but_alpha_of_the_seeds()
    {
        var spec = Relu(Math.Sqrt(2));
        int falseAlarms = 0, drift = 0;
        for (ulong seed = 0; seed < 200; seed++)
        {
            var d = ExplicitEngine.Run(spec, seed).Diagnosis;
            Assert.Equal(0.01, d.Band!.Alpha);
            if (d.Verdict != Verdict.Stable) falseAlarms++;
            if (d.FiniteWidthDriftDominates)
            {
                drift++;
                Assert.Contains("finite-width drift", d.Advice);
                Assert.Contains("wider layers", d.Advice);
                Assert.DoesNotContain("use kaiming_normal", d.Advice);
            }
        }
        Assert.InRange(falseAlarms, 0, 8);
        Assert.True(drift >= 50, $"only {drift} of 200 seeds changed by more than 10x: the test does not exercise the band");
    }

    [Fact]
    public void The_lead_example_at_batch_64_is_stable()
    {
        // propagate --act relu --width 64 --depth 200 --init kaiming_normal (batch 64): 50 seeds, at most 4 alarms
        // (P(Binomial(50, 0.01) >= 5) = 1.4e-4).
        var spec = Relu(Math.Sqrt(2), batch: 64);
        int alarms = Enumerable.Range(0, 50).Count(s => ExplicitEngine.Run(spec, (ulong)s).Diagnosis.Verdict != Verdict.Stable);
        Assert.InRange(alarms, 0, 4);
    }

    // sigma_w = 1.25 and 1.6 move log10 std by 200 log10(sigma_w / sqrt 2) = -10.7 and +10.7 decades: far outside the band
    // [-4.1, +2.4] (5 sd from it), so every seed must be flagged, with advice naming the right scale.
    [Theory]
    [InlineData(1.25, Verdict.Vanishing)]
    [InlineData(1.6, Verdict.Exploding)]
    public void Off_critical_relu_networks_are_still_flagged(double sigmaW, Verdict expected)
    {
        var spec = Relu(sigmaW);
        for (ulong seed = 0; seed < 10; seed++)
        {
            var d = ExplicitEngine.Run(spec, seed).Diagnosis;
            Assert.Equal(expected, d.Verdict);
            Assert.False(d.FiniteWidthDriftDominates);
            Assert.Contains("sigma_w = 1.414", d.Advice);
        }
    }

    [Fact]
    public void A_vanishing_tanh_network_is_flagged_at_any_width()
    {
        var spec = new NetworkSpec(64, 40, Activation.Tanh, WeightDistribution.Gaussian.WithSigmaW(0.5)) { Batch = 16 };
        Assert.Equal(Verdict.Vanishing, ExplicitEngine.Run(spec, 1).Diagnosis.Verdict);
    }

    [Fact]
    public void The_initialization_in_use_is_never_advised()
    {
        // relu with kaiming weights on residual branches x + relu(h): the scale grows at infinite width too (mean field
        // predicts it), so the verdict is exploding, but kaiming is already in use: the advice must say where the growth
        // comes from instead of repeating it.
        var spec = Relu(Math.Sqrt(2), width: 128, depth: 60) with { ResidualAlpha = 1.0 };
        var d = ExplicitEngine.Run(spec, 3).Diagnosis;
        Assert.Equal(Verdict.Exploding, d.Verdict);
        Assert.DoesNotContain("use kaiming_normal", d.Advice);
        Assert.Contains("already has the recommended sigma_w = 1.414", d.Advice);
        Assert.NotNull(d.MeanFieldLog10Change);
        Assert.True(d.MeanFieldLog10Change > 1, $"mean field predicts {d.MeanFieldLog10Change}");
    }

    [Fact]
    public void The_mean_field_engine_has_no_finite_width_band()
    {
        var d = MeanFieldEngine.Run(Relu(1.25)).Diagnosis;
        Assert.Equal(Verdict.Vanishing, d.Verdict);
        Assert.Equal(0, d.Band!.Sd);
        Assert.Equal(d.Log10Change, d.MeanFieldLog10Change!.Value, 12);
    }
}
