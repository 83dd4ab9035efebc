using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Experiments;

public static partial class ClassicExperiments
{
    /// <summary>What the deep loop saw, layer by layer.</summary>
    private sealed record LoopTrace(Stats Final, double FirstNaNStdLayer, double FirstNonFiniteLayer, double FirstAllZeroLayer,
        double FirstSumOverflowLayer, double Log10GrowthPerLayer, double Log10GrowthStandardError, float[] Matrix);

    /// <summary>
    /// x ~ N(0,1)^512, a = scale * N(0,1)^(512x512); for k = 1..100: x = a @ x. Layer k is the output of the k-th
    /// product (design.md). Layers that never happen are reported as NaN.
    /// </summary>
    private static LoopTrace DeepLoop(ExperimentDraws g, float scale, bool stopAtNaN)
    {
        const int n = Dimension;
        var x = new float[n];
        var a = new float[n * n];
        g.Normal(x);
        g.Normal(a);
        if (scale != 1.0f) TensorMath.Scale<float>(a, scale);

        var y = new float[n];
        var logStd = new List<double> { Math.Log10(Stats.Of(x).Std) };
        int firstNaN = -1, firstNonFinite = -1, firstAllZero = -1, firstSumOverflow = -1;
        Stats stats = Stats.Of(x);
        for (int layer = 1; layer <= Depth; layer++)
        {
            TensorMath.MatMulInto<float>(a, n, false, x, 1, false, y, n, 1, n, g.Threads);
            (x, y) = (y, x);
            stats = Stats.Of(x);
            if (firstNonFinite < 0 && !stats.AllFinite) firstNonFinite = layer;
            if (firstAllZero < 0 && stats.ZeroFraction == 1.0) firstAllZero = layer;
            // A float32 reduction (mean, std) as PyTorch computes it overflows once |sum x| passes FLT_MAX.
            if (firstSumOverflow < 0 && !(Math.Abs(stats.Mean * stats.Count) <= float.MaxValue)) firstSumOverflow = layer;
            if (g.StdIsNaN(x, stats))
            {
                if (firstNaN < 0) firstNaN = layer;
                if (stopAtNaN) break;
            }
            else if (firstNaN < 0 && stats.Std > 0)
            {
                logStd.Add(Math.Log10(stats.Std));
            }
        }
        var steps = new double[Math.Max(0, logStd.Count - 1)];
        for (int k = 1; k < logStd.Count; k++) steps[k - 1] = logStd[k] - logStd[k - 1];
        var stepStats = Stats.Of(steps);
        return new LoopTrace(stats, Layer(firstNaN), Layer(firstNonFinite), Layer(firstAllZero), Layer(firstSumOverflow),
            stepStats.Mean, stepStats.Std / Math.Sqrt(steps.Length), a);
    }

    /// <summary>std of x_k for k = 0..100 under x = a @ x with a shared matrix (NaN once the signal overflows).</summary>
    internal static double[] LoopStds(float[] a, float[] x0)
    {
        const int n = Dimension;
        var x = (float[])x0.Clone();
        var y = new float[n];
        var stds = new double[Depth + 1];
        stds[0] = Stats.Of(x).Std;
        for (int layer = 1; layer <= Depth; layer++)
        {
            TensorMath.MatMulInto<float>(a, n, false, x, 1, false, y, n, 1, n);
            (x, y) = (y, x);
            stds[layer] = Stats.Of(x).Std;
        }
        return stds;
    }

    /// <summary>A layer number, or NaN when the event never happened within the loop.</summary>
    private static double Layer(int k) => k < 0 ? double.NaN : k;

    /// <summary>The median of max_i |z_i| over n standard normals: (1 - 2 Q(t))^n = 1/2.</summary>
    internal static double MedianMaxAbsNormal(int n) =>
        -SpecialFunctions.NormalQuantile((1.0 - Math.Pow(0.5, 1.0 / n)) / 2.0);

    /// <summary>Per-trial mean(y) and mean(y^2) of y = [relu](scale * a @ x) with fresh a, x each trial.</summary>
    private static double[][] SampleMatVec(ExperimentDraws g, float scale, bool relu)
    {
        const int n = Dimension;
        var means = new double[MatVecTrials];
        var squares = new double[MatVecTrials];
        var x = new float[n];
        var a = new float[n * n];
        var y = new float[n];
        for (int t = 0; t < MatVecTrials; t++)
        {
            g.Normal(x);
            g.Normal(a);
            if (scale != 1.0f) TensorMath.Scale<float>(a, scale);
            TensorMath.MatMulInto<float>(a, n, false, x, 1, false, y, n, 1, n, g.Threads);
            if (relu) TensorMath.Relu<float>(y);
            var s = Stats.Of(y);
            means[t] = s.Mean;
            squares[t] = s.MeanSquare;
        }
        return [means, squares];
    }

    /// <summary>10000 scalar trials of y = [relu](a x): the values y and y^2.</summary>
    private static double[][] ScalarProductTrials(ExperimentDraws g, bool relu)
    {
        var a = new double[ScalarTrials];
        var x = new double[ScalarTrials];
        var fa = new float[ScalarTrials];
        var fx = new float[ScalarTrials];
        g.ScalarPairs(fx, fa);
        for (int i = 0; i < ScalarTrials; i++)
        {
            float y = fa[i] * fx[i];
            if (relu && y < 0) y = 0;
            a[i] = y;
            x[i] = (double)y * y;
        }
        return [a, x];
    }

    /// <summary>Per-trial forward and backward variances of a fan_in -> fan_out layer at two weight variances.</summary>
    private static double[][] FanTrials(ExperimentDraws g, int fanIn, int fanOut, double lecunVar, double glorotVar, int trials)
    {
        var result = new double[4][];
        for (int q = 0; q < 4; q++) result[q] = new double[trials];
        var w = new float[fanOut * fanIn];
        var ws = new float[w.Length];
        var x = new float[fanIn];
        var gy = new float[fanOut];
        var y = new float[fanOut];
        var gx = new float[fanIn];
        for (int t = 0; t < trials; t++)
        {
            g.Normal(w);
            g.Normal(x);
            g.Normal(gy);
            int q = 0;
            foreach (double variance in new[] { lecunVar, glorotVar })
            {
                w.CopyTo(ws, 0);
                TensorMath.Scale<float>(ws, (float)Math.Sqrt(variance));
                TensorMath.MatMulInto<float>(ws, fanIn, false, x, 1, false, y, fanOut, 1, fanIn, g.Threads);      // y = W x
                TensorMath.MatMulInto<float>(ws, fanIn, true, gy, 1, false, gx, fanIn, 1, fanOut, g.Threads);    // dL/dx = W^T dL/dy
                result[q++][t] = Stats.Of(y).MeanSquare;
                result[q++][t] = Stats.Of(gx).MeanSquare;
            }
        }
        // order of the quantities: forward_lecun, backward_lecun, forward_glorot, backward_glorot
        return result;
    }

    /// <summary>
    /// An experiment whose quantities are means over independent trials: measured = the mean, plus its standard
    /// error se = sd(trials) / sqrt(T); it agrees when |measured - predicted| &lt;= 5 se for every quantity.
    /// </summary>
    private static Experiment MomentExperiment(string id, string title, (string Key, double Predicted)[] quantities,
        Func<ExperimentDraws, double[][]> sample, double cost)
    {
        var predicted = quantities.ToDictionary(q => q.Key, q => q.Predicted);
        return new Experiment(
            id, title, predicted,
            g =>
            {
                var samples = sample(g);
                var measured = new Dictionary<string, double>();
                for (int q = 0; q < quantities.Length; q++)
                {
                    var s = Stats.Of(samples[q]);
                    measured[quantities[q].Key] = s.Mean;
                    measured[quantities[q].Key + "_se"] = s.Std / Math.Sqrt(s.Count);
                }
                return measured;
            },
            m => quantities.All(q => Math.Abs(m[q.Key] - q.Predicted) <= Sigmas * m[q.Key + "_se"]),
            $"|measured - predicted| <= {Sigmas} standard errors of the trial mean")
        { Cost = cost };
    }
}
