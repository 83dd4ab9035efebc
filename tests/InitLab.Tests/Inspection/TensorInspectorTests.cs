using InitLab.Initializers;
using InitLab.Inspection;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Inspection;

public sealed class TensorInspectorTests
{
    private static TensorInspection Inspect(double[] x, params int[] dims) => TensorInspector.Inspect(x, new Shape(dims));

    // ---- reported numbers -------------------------------------------------------------------------------------------

    [Fact]
    public void Moments_are_the_sample_mean_unbiased_std_kurtosis_and_largest_magnitude()
    {
        // x = 1, 2, 3, -4: mean 0.5; deviations 0.5, 1.5, 2.5, -4.5; m2 = 29 / 4; m4 = (0.0625 + 5.0625 + 39.0625 + 410.0625) / 4.
        var r = TensorInspector.Inspect(new double[] { 1, 2, 3, -4 }, new Shape(4), new InspectionOptions { Role = ParameterRole.Other });
        Assert.Equal(0.5, r.Mean, 15);
        Assert.Equal(Math.Sqrt(29.0 / 3), r.Std, 14);
        Assert.Equal(454.25 / 4 / Math.Pow(29.0 / 4, 2), r.Kurtosis, 13);
        Assert.Equal(4, r.MaxAbs);
        Assert.Equal(Verdict.Unknown, r.Verdict); // 4 elements are too few
        Assert.Null(r.Spectrum);
        Assert.Null(r.Fans);
    }

    [Fact]
    public void The_spectrum_of_a_diagonal_matrix_is_its_diagonal()
    {
        // W = diag(10, 1, ..., 1), 16 x 16: sigma_max = 10, ||W||_F^2 = 115, stable rank 1.15; mean square s^2 = 115 / 256,
        // edge s (4 + 4). Spike threshold s^2 (mu + sigma q) with Ma's mu, sigma for N = P = 16 and q the 5e-4 TW1 quantile
        // (about 3.6): 38 lies between 1 and 100, so exactly one spike.
        var w = new double[256];
        for (int i = 0; i < 16; i++) w[i * 16 + i] = i == 0 ? 10 : 1;
        var s = Inspect(w, 16, 16).Spectrum!;
        Assert.Equal(10, s.SigmaMax, 12);
        Assert.Equal(1.15, s.StableRank, 12);
        Assert.Equal(Math.Sqrt(115.0 / 256) * 8, s.MpEdge, 12);
        double a = 2 * Math.Sqrt(15.5), threshold = 115.0 / 256 * (a * a + a * Math.Cbrt(2 / Math.Sqrt(15.5)) * 3.6);
        Assert.InRange(threshold, 30, 45);
        Assert.Equal(1, s.MpSpikes);
        Assert.Equal((16, 16, 16, 16), (s.Rows, s.Cols, s.SampledRows, s.SampledCols));
    }

    [Fact]
    public void A_conv_kernel_is_analysed_as_the_out_by_in_times_k_matrix_in_either_layout()
    {
        // W[o, i, h, w] = a_o b_(i,h,w) is rank one: sigma_max = |a| |b|, stable rank 1.
        double[] a = [1, -2, 2, 0.5];
        var b = Enumerable.Range(0, 18).Select(k => Math.Cos(k + 0.3)).ToArray();
        var torch = new double[4 * 18];
        var keras = new double[18 * 4]; // (3, 3, 2, 4): [h, w, i, o]
        for (int o = 0; o < 4; o++)
            for (int i = 0; i < 2; i++)
                for (int h = 0; h < 3; h++)
                    for (int x = 0; x < 3; x++)
                    {
                        double v = a[o] * b[i * 9 + h * 3 + x];
                        torch[((o * 2 + i) * 3 + h) * 3 + x] = v;
                        keras[((h * 3 + x) * 2 + i) * 4 + o] = v;
                    }
        double expected = Math.Sqrt(a.Sum(v => v * v)) * Math.Sqrt(b.Sum(v => v * v));
        var t = TensorInspector.Inspect(torch, new Shape(4, 2, 3, 3));
        var k = TensorInspector.Inspect(keras, new Shape(3, 3, 2, 4), new InspectionOptions { Layout = FanLayout.Keras });
        Assert.Equal((4, 18), (t.Spectrum!.Rows, t.Spectrum.Cols));
        Assert.Equal((18, 4), (k.Spectrum!.Rows, k.Spectrum.Cols));
        Assert.Equal(expected, t.Spectrum.SigmaMax, 12);
        Assert.Equal(expected, k.Spectrum.SigmaMax, 12);
        Assert.Equal(1, t.Spectrum.StableRank, 12);
        Assert.Equal(new Fans(18, 36, 9), t.Fans);
        Assert.Equal(new Fans(18, 36, 9), k.Fans);
    }

    [Fact]
    public void A_long_matrix_counts_its_spikes_on_a_strided_submatrix_and_gets_sigma_max_from_the_whole()
    {
        // 1030 x 1030 N(0, 1) plus a rank-one spike of 3 x the edge: the submatrix (step 2: 515 x 515) still shows it.
        const int n = 1030;
        var w = new double[n * n];
        var g = new Generator(4);
        g.Normal(w);
        double theta = 3 * 2 * Math.Sqrt(n);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) w[i * n + j] += theta * ((i % 2 == 0 ? 1 : -1) / Math.Sqrt(n)) / Math.Sqrt(n);
        var s = Inspect(w, n, n).Spectrum!;
        Assert.Equal((515, 515), (s.SampledRows, s.SampledCols));
        Assert.Equal(1, s.MpSpikes);
        // The outlier of a rank-one perturbation theta u v^T of an n x n matrix of unit-variance entries sits at
        // sqrt(n) (theta / sqrt(n) + sqrt(n) / theta) (Benaych-Georges & Nadakuditi 2012).
        double outlier = Math.Sqrt(n) * (theta / Math.Sqrt(n) + Math.Sqrt(n) / theta);
        Assert.True(Math.Abs(s.SigmaMax - outlier) <= 0.02 * outlier, $"sigma_max {s.SigmaMax}, predicted {outlier}");
    }

    // ---- structures ---------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0.0, "zeros")]
    [InlineData(1.0, "ones")]
    [InlineData(0.25, "constant(value=0.25)")]
    public void Constants_are_named(double value, string name)
    {
        var r = Inspect(Enumerable.Repeat(value, 64).ToArray(), 8, 8);
        Assert.Equal(Verdict.Constant, r.Verdict);
        Assert.Equal(name, r.BestScheme!.Name);
        Assert.Equal(1, r.BestScheme.PValue);
    }

    [Fact]
    public void Eye_identity_dirac_and_delta_orthogonal_are_structured()
    {
        Assert.Equal("eye", StructureOf(Init.Eye(), [6, 9]));
        Assert.Equal("identity(gain=2.5)", StructureOf(Init.Identity(2.5), [9, 6]));
        Assert.Equal("dirac(groups=1)", StructureOf(Init.Dirac(), [8, 8, 3, 3]));
        Assert.Equal("dirac(groups=2)", StructureOf(Init.Dirac(2), [8, 6, 3]));
        Assert.Equal("dirac(groups=1)", StructureOf(Init.Dirac(1, FanLayout.Keras), [3, 3, 4, 8], FanLayout.Keras));
        Assert.Equal("delta_orthogonal(scale=1.5)", StructureOf(Init.DeltaOrthogonal(1.5), [16, 8, 3, 3]));
        Assert.Equal("delta_orthogonal(scale=1)", StructureOf(Init.DeltaOrthogonal(1, FanLayout.Keras), [3, 3, 8, 16], FanLayout.Keras));
    }

    private static string StructureOf(Initializer init, int[] dims, FanLayout layout = FanLayout.Torch)
    {
        var shape = new Shape(dims);
        var r = TensorInspector.Inspect(init.Create<float>(shape, new Generator(1)).Data, shape, new InspectionOptions { Layout = layout });
        Assert.Equal(Verdict.Structured, r.Verdict);
        return r.BestScheme!.Name;
    }

    [Theory]
    [InlineData(new[] { 64, 32 }, FanLayout.Torch, 1.0)]
    [InlineData(new[] { 32, 64 }, FanLayout.Torch, 1.4142135623730951)]
    [InlineData(new[] { 16, 8, 3, 3 }, FanLayout.Torch, 0.5)]
    [InlineData(new[] { 3, 3, 8, 16 }, FanLayout.Keras, 2.0)]
    public void Orthogonal_matrices_are_init_with_their_gain(int[] dims, FanLayout layout, double gain)
    {
        var shape = new Shape(dims);
        var r = TensorInspector.Inspect(Init.Orthogonal(gain, layout).Create<float>(shape, new Generator(2)).Data, shape,
            new InspectionOptions { Layout = layout });
        Assert.Equal(Verdict.Init, r.Verdict);
        Assert.Equal($"orthogonal(gain={gain.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)})", r.BestScheme!.Name);
    }

    [Fact]
    public void A_normal_matrix_with_the_std_of_an_orthogonal_one_is_not_called_orthogonal()
    {
        var shape = new Shape(64, 64);
        var r = TensorInspector.Inspect(Init.Normal(0, 1 / 8.0).Create<float>(shape, new Generator(2)).Data, shape);
        Assert.DoesNotContain("orthogonal", r.BestScheme?.Name ?? "");
    }

    [Fact]
    public void Sparse_tensors_are_init_with_their_sparsity()
    {
        var shape = new Shape(100, 40);
        var r = TensorInspector.Inspect(Init.Sparse(0.1).Create<float>(shape, new Generator(3)).Data, shape);
        Assert.Equal(Verdict.Init, r.Verdict);
        Assert.Equal("sparse(sparsity=0.1)", r.BestScheme!.Name);
    }

    // ---- scheme recognition ------------------------------------------------------------------------------------------

    [Fact]
    public void A_Keras_conv_kernel_made_by_glorot_uniform_is_recognized_with_its_aliases()
    {
        var shape = new Shape(3, 3, 32, 64);
        var r = TensorInspector.Inspect(Init.GlorotUniform(1, FanLayout.Keras).Create<float>(shape, new Generator(5)).Data, shape,
            new InspectionOptions { Layout = FanLayout.Keras });
        Assert.Equal(Verdict.Init, r.Verdict);
        Assert.Equal("xavier_uniform", r.BestScheme!.Name);
        Assert.Contains("glorot_uniform", r.BestScheme.Equivalents);
        Assert.True(r.BestScheme.PValue >= 1e-3);
    }

    [Fact]
    public void Laws_that_coincide_at_a_shape_are_one_match_named_by_preference()
    {
        // (64, 32): fan_out = 2 fan_in, so kaiming_uniform(mode=fan_out) (2 / fan_out) and lecun_uniform (1 / fan_in) are
        // the same law; a square matrix makes xavier and lecun the same.
        var shape = new Shape(64, 32);
        var r = TensorInspector.Inspect(Init.LecunUniform().Create<float>(shape, new Generator(6)).Data, shape);
        var names = r.BestScheme!.Equivalents.Append(r.BestScheme.Name).ToList();
        Assert.Contains("lecun_uniform", names);
        Assert.Contains("kaiming_uniform(mode=fan_out)", names);
        Assert.Equal("kaiming_uniform(mode=fan_out)", r.BestScheme.Name); // earlier in the catalogue's order
    }

    [Fact]
    public void Trunc_normal_with_absolute_bounds_at_100_sigma_is_the_normal_law()
    {
        var shape = new Shape(256, 128);
        var r = TensorInspector.Inspect(Init.TruncNormal(0, 0.02).Create<float>(shape, new Generator(7)).Data, shape);
        Assert.Equal("normal(std=0.02)", r.BestScheme!.Name);
        Assert.Contains("trunc_normal(std=0.02)", r.BestScheme.Equivalents);
    }

    [Fact]
    public void A_bfloat16_checkpoint_is_recognized_when_its_rounding_is_declared()
    {
        var shape = new Shape(512, 256);
        var w = Init.KaimingNormal().Create<float>(shape, new Generator(8)).Data.Select(GoodnessOfFitTests.RoundToBFloat16).ToArray();
        var r = TensorInspector.Inspect(w, shape, new InspectionOptions { UnitRoundoff = Math.Pow(2, -8) });
        Assert.Equal(Verdict.Init, r.Verdict);
        Assert.Equal("kaiming_normal", r.BestScheme!.Name);
    }

    [Fact]
    public void Biases_norms_and_embeddings_are_compared_with_their_own_rules()
    {
        var weightFans = Fans.Of(new Shape(128, 64));
        var bias = Init.Uniform(-1 / 8.0, 1 / 8.0).Create<float>(new Shape(128), new Generator(9)).Data;
        var b = TensorInspector.Inspect(bias, new Shape(128), new InspectionOptions { Role = ParameterRole.Bias, LayerFans = weightFans });
        Assert.Equal((Verdict.Init, "torch_default_bias"), (b.Verdict, b.BestScheme!.Name));

        var trainedBias = Init.Normal(0.3, 0.1).Create<float>(new Shape(128), new Generator(9)).Data;
        var tb = TensorInspector.Inspect(trainedBias, new Shape(128), new InspectionOptions { Role = ParameterRole.Bias, LayerFans = weightFans });
        Assert.Equal(Verdict.Trained, tb.Verdict);

        var gamma = Init.Normal(1, 0.02).Create<float>(new Shape(256), new Generator(10)).Data;
        var g = TensorInspector.Inspect(gamma, new Shape(256), new InspectionOptions { Role = ParameterRole.NormScale });
        Assert.Equal((Verdict.Init, "normal(mean=1, std=0.02)"), (g.Verdict, g.BestScheme!.Name));

        var embedding = Init.Normal(0, 1).Create<float>(new Shape(1000, 16), new Generator(11)).Data;
        var e = TensorInspector.Inspect(embedding, new Shape(1000, 16), new InspectionOptions { Role = ParameterRole.Embedding });
        Assert.Equal((Verdict.Init, "normal(std=1)"), (e.Verdict, e.BestScheme!.Name));
    }

    // ---- trained-like tensors ---------------------------------------------------------------------------------------

    [Fact]
    public void A_low_rank_spike_on_an_init_is_trained_and_the_spectrum_says_why()
    {
        // kaiming_normal (256 x 128) plus three rank-one directions at 2 x the bulk edge: the top three singular values
        // leave the bulk, and the reason says so.
        const int rows = 256, cols = 128;
        var shape = new Shape(rows, cols);
        var w = Init.KaimingNormal().Create<double>(shape, new Generator(12)).Data;
        double s = Math.Sqrt(2.0 / cols), edge = s * (Math.Sqrt(rows) + Math.Sqrt(cols));
        var g = new Generator(13);
        for (int k = 0; k < 3; k++)
        {
            var u = Unit(g, rows);
            var v = Unit(g, cols);
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) w[i * cols + j] += 2 * edge * u[i] * v[j];
        }
        var r = TensorInspector.Inspect(w, shape);
        Assert.Equal(Verdict.Trained, r.Verdict);
        Assert.Equal(3, r.Spectrum!.MpSpikes);
        Assert.Contains("3 singular values above the Marchenko-Pastur edge", r.Reason);
    }

    [Fact]
    public void A_heavy_tailed_matrix_is_trained()
    {
        // Student t with 3 degrees of freedom, scaled to the kaiming_normal std: same variance, kurtosis far above 3.
        const int rows = 128, cols = 64;
        var g = new Generator(14);
        var z = new double[rows * cols * 4];
        g.Normal(z);
        var w = new double[rows * cols];
        for (int i = 0; i < w.Length; i++)
        {
            double chi2 = z[4 * i + 1] * z[4 * i + 1] + z[4 * i + 2] * z[4 * i + 2] + z[4 * i + 3] * z[4 * i + 3];
            w[i] = z[4 * i] / Math.Sqrt(chi2 / 3) / Math.Sqrt(3) * Math.Sqrt(2.0 / cols); // Var t_3 = 3
        }
        var r = Inspect(w, rows, cols);
        Assert.Equal(Verdict.Trained, r.Verdict);
        Assert.Contains("heavy tails", r.Reason);
        Assert.True(r.Kurtosis > 5);
    }

    [Fact]
    public void Outliers_left_by_a_broken_trunc_normal_are_not_an_init()
    {
        var shape = new Shape(256, 256);
        var w = Init.Normal(0, 0.02).Create<double>(shape, new Generator(15)).Data;
        for (int i = 0; i < 5; i++) w[i * 9001] = 2.0;
        var r = TensorInspector.Inspect(w, shape);
        Assert.NotEqual(Verdict.Init, r.Verdict);
        var closest = r.BestScheme!;
        Assert.Equal("normal(std=0.02)", closest.Name);
        Assert.True(closest.Components!.Ks > 1e-3, $"KS alone would pass: {closest.Components}");
        Assert.True(closest.Components.Extremes < 1e-100);
    }

    [Fact]
    public void An_iid_tensor_of_an_unlisted_scale_is_unknown_not_trained()
    {
        var shape = new Shape(128, 128);
        var r = TensorInspector.Inspect(Init.Normal(0, 0.037).Create<float>(shape, new Generator(16)).Data, shape);
        Assert.Equal(Verdict.Unknown, r.Verdict);
        Assert.Contains("no sign of training", r.Reason);
    }

    // ---- bad input -------------------------------------------------------------------------------------------------

    [Fact]
    public void Bad_input_is_an_argument_error_and_non_finite_tensors_are_unknown()
    {
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => Inspect(new double[5], 2, 3)).ParamName);
        Assert.Throws<ArgumentException>(() => TensorInspector.Inspect(new double[6], new Shape(2, 3), new InspectionOptions { Alpha = 0 }));
        Assert.Throws<ArgumentException>(() => TensorInspector.Inspect(new double[6], new Shape(2, 3), new InspectionOptions { UnitRoundoff = 0.5 }));
        var x = new double[64];
        x[3] = double.NaN;
        var r = Inspect(x, 8, 8);
        Assert.Equal((Verdict.Unknown, 1L), (r.Verdict, r.NonFinite));
        Assert.Equal(Verdict.Unknown, Inspect([], 0, 4).Verdict);
    }

    private static double[] Unit(Generator g, int n)
    {
        var v = new double[n];
        g.Normal(v);
        double norm = Math.Sqrt(v.Sum(a => a * a));
        for (int i = 0; i < n; i++) v[i] /= norm;
        return v;
    }

    [Fact]
    public void The_spike_p_value_is_the_Tracy_Widom_tail_of_sigma_max_at_the_own_variance()
    {
        var shape = new Shape(96, 48);
        var w = Init.KaimingNormal().Create<double>(shape, new Generator(17)).Data;
        var s = TensorInspector.Inspect(w, shape).Spectrum!;
        double variance = w.Sum(v => v * v) / w.Length;
        double n = 95.5, p = 47.5, a = Math.Sqrt(n) + Math.Sqrt(p);
        double statistic = (s.SigmaMax * s.SigmaMax / variance - a * a) / (a * Math.Cbrt(1 / Math.Sqrt(n) + 1 / Math.Sqrt(p)));
        Assert.Equal(Math.Min(1, 2 * TracyWidom.UpperTail(statistic)), s.SpikePValue!.Value, 12);
        Assert.Equal(0, s.MpSpikes);
    }
}
