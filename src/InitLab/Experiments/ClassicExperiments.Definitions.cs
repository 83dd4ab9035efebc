using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Experiments;

public static partial class ClassicExperiments
{
    private const double Sigmas = 5.0; // agreement band of the moment experiments, in standard errors

    private static Experiment[] BuildAll() =>
    [
        Explosion(),
        FirstNaN(),
        Vanishing(),
        Xavier(),
        MatVecMoments(),
        ProductMoments(),
        ReluProductMoments(),
        ReluMatVecMoments(),
        Kaiming(),
        FanAverage(),
        Strategies(),
    ];

    // ---- the deep loops ---------------------------------------------------------------------------

    private static Experiment Explosion() => new(
        "explosion",
        "x ~ N(0,1)^512, a ~ N(0,1)^(512x512), x = a @ x 100 times: the signal overflows float32",
        new Dictionary<string, double> { ["mean"] = double.NaN, ["std"] = double.NaN },
        g =>
        {
            var trace = DeepLoop(g, scale: 1.0f, stopAtNaN: false);
            return new Dictionary<string, double>
            {
                ["mean"] = trace.Final.Mean,
                ["std"] = trace.Final.Std,
                ["first_nonfinite_layer"] = trace.FirstNonFiniteLayer,
            };
        },
        m => double.IsNaN(m["mean"]) && double.IsNaN(m["std"]),
        "final mean and std are NaN") { Cost = 5 };

    private static Experiment FirstNaN()
    {
        // std_k = sqrt(512)^k, so log10 std grows by log10(sqrt(512)) per layer. The first Inf entry appears when the
        // largest of the 512 entries, about q * std_k (q = median of max|z| over 512 normals), passes FLT_MAX; a float32
        // reduction such as PyTorch's x.std() already overflows when |sum x| ~ sqrt(512) * 0.674 * std_k does.
        double growth = Math.Log10(Math.Sqrt(Dimension));
        double entry = (Log10FloatMax - Math.Log10(MedianMaxAbsNormal(Dimension))) / growth;
        double sum = (Log10FloatMax - Math.Log10(Math.Sqrt(Dimension) * MedianAbsNormal)) / growth;
        return new(
            "first-nan",
            "the same loop, stopped at the first layer whose std is NaN",
            new Dictionary<string, double>
            {
                ["layer"] = Math.Ceiling(entry),
                ["layer_crossing"] = entry,
                ["layer_float32_sum_overflow"] = Math.Ceiling(sum),
                ["log10_growth_per_layer"] = growth,
            },
            g =>
            {
                var trace = DeepLoop(g, scale: 1.0f, stopAtNaN: true);
                return new Dictionary<string, double>
                {
                    ["layer"] = trace.FirstNaNStdLayer,
                    ["layer_float32_sum_overflow"] = trace.FirstSumOverflowLayer,
                    ["log10_growth_per_layer"] = trace.Log10GrowthPerLayer,
                    ["log10_growth_se"] = trace.Log10GrowthStandardError,
                };
            },
            m => Within(m["log10_growth_per_layer"], growth, 1)
                 && Math.Abs(m["layer"] - entry) <= LayerBand
                 && Math.Abs(m["layer_float32_sum_overflow"] - sum) <= LayerBand,
            $"growth within the shared-matrix band [{SharedMatrixLog10GrowthBand().Low:+0.000;-0.000}, {SharedMatrixLog10GrowthBand().High:+0.000;-0.000}] of log10 sqrt(512) (Rider 2003); each layer within {LayerBand} of its continuous crossing")
        { Cost = 2 };
    }

    private static Experiment Vanishing()
    {
        // Each layer multiplies the std by 0.01 * sqrt(512) = 0.226 (-0.645 decades); after 100 layers 10^-64.5, far
        // below the smallest float32 subnormal (1.4e-45), so everything rounds to exactly 0. The output is all zero
        // once every product a_ij x_j rounds to 0: max|a| * max|x_(k-1)| < 2^-150 (half the smallest subnormal).
        double growth = Math.Log10(0.01 * Math.Sqrt(Dimension));
        double maxA = 0.01 * MedianMaxAbsNormal(Dimension * Dimension);
        double zeroLayer = 1 + (Math.Log10(Math.Pow(2, -150)) - Math.Log10(MedianMaxAbsNormal(Dimension) * maxA)) / growth;
        return new(
            "vanishing",
            "a scaled by 0.01: the signal underflows to exactly 0 in float32",
            new Dictionary<string, double> { ["mean"] = 0, ["std"] = 0, ["all_zero_layer"] = Math.Ceiling(zeroLayer), ["all_zero_crossing"] = zeroLayer },
            g =>
            {
                var trace = DeepLoop(g, scale: 0.01f, stopAtNaN: false);
                return new Dictionary<string, double>
                {
                    ["mean"] = trace.Final.Mean,
                    ["std"] = trace.Final.Std,
                    ["all_zero_layer"] = trace.FirstAllZeroLayer,
                };
            },
            m => m["mean"] == 0 && m["std"] == 0,
            "final mean and std exactly 0 (the all-zero layer is reported: a shared matrix's spectral radius moves it by a few layers)")
        { Cost = 5 };
    }

    private static Experiment Xavier() => new(
        "xavier",
        "a scaled by 1/sqrt(512) (Xavier/LeCun): std 1 for fresh matrices; one shared matrix scales it by its own power, checked exactly",
        new Dictionary<string, double> { ["std_fresh_matrices"] = 1.0 },
        g =>
        {
            var trace = DeepLoop(g, scale: g.InverseSqrt(Dimension), stopAtNaN: false);
            var law = g.Defer(() => LawOfSharedMatrixPower(trace.Matrix, threads: g.Threads)).Result;
            double squaredNorm = trace.Final.MeanSquare * Dimension;
            return new Dictionary<string, double>
            {
                ["mean"] = trace.Final.Mean,
                ["std"] = trace.Final.Std,
                ["mean_square"] = squaredNorm / Dimension,
                ["mean_square_expected"] = law.Mean / Dimension,
                ["mean_square_sd"] = law.Sd / Dimension,
                ["mean_square_band_low"] = law.Low / Dimension,
                ["mean_square_band_high"] = law.High / Dimension,
            };
        },
        m => m["mean_square"] >= m["mean_square_band_low"] && m["mean_square"] <= m["mean_square_band_high"],
        "mean square of x_100 within the exact law of |B x|^2 / n for the seed's own B = a^100 (E = |B|_F^2 / n, sd = sqrt(2) |B^T B|_F / n; "
        + "Laurent-Massart band at 5.7e-7): a shared matrix does not keep the scale at 1, it scales it by |B|_F / sqrt(n)")
    { Cost = 70 }; // the law (65 of the 70 ms) goes to a free worker when there is one

    /// <summary>Is <paramref name="value"/> within <paramref name="layers"/> times the shared-matrix growth band of <paramref name="expected"/>?</summary>
    private static bool Within(double value, double expected, int layers)
    {
        var (low, high) = SharedMatrixLog10GrowthBand();
        return value >= expected + layers * low && value <= expected + layers * high;
    }

    // ---- the moment experiments ---------------------------------------------------------------------

    private static Experiment MatVecMoments() => MomentExperiment(
        "matvec-moments",
        "100 trials of fresh x ~ N(0,1)^512, a ~ N(0,1)^(512x512), y = a @ x: E[y] = 0, E[y^2] = 512",
        [("mean", 0.0), ("mean_square", Dimension)],
        g => SampleMatVec(g, scale: 1.0f, relu: false), cost: 29);

    private static Experiment ProductMoments() => MomentExperiment(
        "product-moments",
        "10000 trials of scalars a, x ~ N(0,1): E[a x] = 0, E[(a x)^2] = 1",
        [("mean", 0.0), ("mean_square", 1.0)],
        g => ScalarProductTrials(g, relu: false), cost: 0.5);

    private static Experiment ReluProductMoments() => MomentExperiment(
        "relu-product-moments",
        "relu(a x) over 10000 trials: E = E|a| E|x| / 2 = 1/pi, E[relu^2] = 1/2",
        [("mean", 1.0 / Math.PI), ("mean_square", 0.5)],
        g => ScalarProductTrials(g, relu: true), cost: 0.5);

    private static Experiment ReluMatVecMoments() => MomentExperiment(
        "relu-matvec-moments",
        "relu(a @ x) over 100 trials: E = sqrt(512 / (2 pi)), E[relu^2] = 512 / 2",
        [("mean", Math.Sqrt(Dimension / (2 * Math.PI))), ("mean_square", Dimension / 2.0)],
        g => SampleMatVec(g, scale: 1.0f, relu: true), cost: 30);

    private static Experiment Kaiming() => MomentExperiment(
        "kaiming",
        "a scaled by sqrt(2/512) (Kaiming/He), relu(a @ x): E = 1/sqrt(pi) = 0.564, E[relu^2] = 1",
        [("mean", 1.0 / Math.Sqrt(Math.PI)), ("mean_square", 1.0)],
        g => SampleMatVec(g, scale: MathF.Sqrt(2.0f / Dimension), relu: true), cost: 34);

    private static Experiment FanAverage()
    {
        const int fanIn = Dimension, fanOut = 4 * Dimension, trials = 20;
        double lecun = 1.0 / fanIn, glorot = 2.0 / (fanIn + fanOut);
        return MomentExperiment(
            "fan-avg",
            $"a {fanIn} -> {fanOut} layer: forward var = fan_in var(w), backward var = fan_out var(w), for var(w) = 1/fan_in (LeCun) and 2/(fan_in+fan_out) (Glorot)",
            [("forward_var_lecun", fanIn * lecun), ("backward_var_lecun", fanOut * lecun),
             ("forward_var_glorot", fanIn * glorot), ("backward_var_glorot", fanOut * glorot)],
            g => FanTrials(g, fanIn, fanOut, lecun, glorot, trials), cost: 39);
    }

    private static Experiment Strategies()
    {
        // One shared 512 x 512 matrix applied 100 times, three ways to set its scale.
        // Xavier: log10 of the norm ratio stays within the shared-matrix band around 0 (spectral radius ~ 1).
        // Orthogonal: ||Q x|| = ||x|| exactly, so only rounding moves the ratio: at most 100 gamma_n = 100 n 2^-24.
        // Spectral: a / sigma_max has norm 1, so ||x|| can only shrink; it shrinks like (rho / sigma_max)^100 with
        // rho ~ sqrt(n) (spectral radius) and sigma_max ~ 2 sqrt(n) (Marchenko-Pastur edge): 100 log10(1/2) = -30.1.
        double roundingBound = Depth * Dimension * Math.Pow(2, -24);
        double spectralPrediction = Depth * Math.Log10(0.5);
        // Power iteration stops at relative tolerance 1e-6 (underestimating sigma), so the normalized norm is <= 1 + 1e-6.
        double spectralCeiling = Depth * (Math.Log10(1 + 1e-6) + Math.Log10(1 + Dimension * Math.Pow(2, -24)));
        return new(
            "strategies",
            "one shared matrix, 100 layers: Xavier scaling, an orthogonal matrix (norm preserved) and a spectrally normalized matrix (norm can only shrink)",
            new Dictionary<string, double>
            {
                ["xavier_log10_norm_ratio"] = 0,
                ["orthogonal_norm_ratio"] = 1,
                ["spectral_log10_norm_ratio"] = spectralPrediction,
            },
            g =>
            {
                const int n = Dimension;
                var x0 = new float[n];
                g.Normal(x0);
                var a = new float[n * n];
                g.Normal(a);
                TensorMath.Scale<float>(a, g.InverseSqrt(n));
                // The law draws nothing: a free worker computes it while this one goes on with the draws below.
                var law = g.Defer(() => LawOfSharedMatrixPower(a, threads: g.Threads));
                double xavier = NormRatio(a, x0, g.Threads);
                double x0Squared = Stats.Of(x0).MeanSquare * n;
                var q = new float[n * n];
                g.Orthogonal(q, n);
                double orthogonal = NormRatio(q, x0, g.Threads);
                var s = new float[n * n];
                g.Normal(s);
                var estimate = LinearAlgebra.SpectralNorm.NormalizeInPlace(s, n, n, 1.0, g.PowerIteration, relativeTolerance: 1e-6, threads: g.Threads);
                double spectral = NormRatio(s, x0, g.Threads);
                return new Dictionary<string, double>
                {
                    ["xavier_log10_norm_ratio"] = Math.Log10(xavier),
                    ["xavier_in_exact_band"] = law.Result.Holds(xavier * xavier * x0Squared) ? 1 : 0,
                    ["xavier_log10_norm_ratio_expected"] = 0.5 * Math.Log10(law.Result.Mean / n),
                    ["orthogonal_norm_ratio"] = orthogonal,
                    ["spectral_log10_norm_ratio"] = Math.Log10(spectral),
                    ["spectral_power_iterations"] = estimate.Iterations,
                };
            },
            m => m["xavier_in_exact_band"] == 1
                 && Math.Abs(m["orthogonal_norm_ratio"] - 1) <= roundingBound
                 && m["spectral_log10_norm_ratio"] <= spectralCeiling
                 && Within(m["spectral_log10_norm_ratio"], spectralPrediction, Depth),
            $"Xavier: |a^100 x|^2 within the exact law for the seed's matrix (as the xavier experiment); spectral within the shared-matrix band; orthogonal within 100 n 2^-24 = {roundingBound:G3} of 1; spectral never above 1 (up to the power-iteration tolerance)")
        { Cost = 125 }; // the law (65 ms of it) goes to a free worker when there is one
    }

    /// <summary>||a^100 x|| / ||x|| in float32, the classic loop (products on up to <paramref name="threads"/> threads).</summary>
    private static double NormRatio(float[] a, float[] x0, int threads)
    {
        const int n = Dimension;
        var x = (float[])x0.Clone();
        var y = new float[n];
        for (int layer = 0; layer < Depth; layer++)
        {
            TensorMath.MatMulInto<float>(a, n, false, x, 1, false, y, n, 1, n, threads);
            (x, y) = (y, x);
        }
        return Math.Sqrt(Stats.Of(x).MeanSquare / Stats.Of(x0).MeanSquare);
    }
}
