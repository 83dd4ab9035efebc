using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Experiments;

/// <summary>
/// The classic initialization experiments ("why you need a good init"): a 512-wide vector pushed through
/// 100 products with random matrices at different scales, and the moment calculations behind Xavier
/// (Glorot &amp; Bengio 2010) and Kaiming (He et al. 2015) initialization. Every prediction comes from a
/// formula; every check uses a tolerance derived from the number of trials.
/// </summary>
public static partial class ClassicExperiments
{
    /// <summary>Width of the vectors and matrices (512).</summary>
    public const int Dimension = 512;

    /// <summary>Number of matrix products in the deep loops (100).</summary>
    public const int Depth = 100;

    /// <summary>Number of trials of the matrix-vector moment experiments (100).</summary>
    public const int MatVecTrials = 100;

    /// <summary>Number of trials of the scalar moment experiments (10000).</summary>
    public const int ScalarTrials = 10000;

    /// <summary>log10 of the largest finite float, 3.4028235e38.</summary>
    public static readonly double Log10FloatMax = Math.Log10(float.MaxValue);

    private static readonly Experiment[] All = BuildAll();

    /// <summary>The experiment identifiers, in order.</summary>
    public static IReadOnlyList<string> Ids { get; } = All.Select(e => e.Id).ToArray();

    /// <summary>
    /// Runs every experiment. With <paramref name="seeds"/> = K &gt; 1 each experiment runs with seeds
    /// seed, seed+1, ..., seed+K-1 and every measured key is reported as key_min, key_median and key_max;
    /// it agrees when every seed's run agrees.
    /// </summary>
    /// <param name="seed">The first seed.</param>
    /// <param name="seeds">How many consecutive seeds (K &gt;= 1).</param>
    /// <param name="onExperimentDone">Called with each experiment's id when it has finished, in completion order, one
    /// call at a time (possibly from a worker thread).</param>
    /// <param name="generator">Where the random numbers come from.</param>
    /// <param name="threads">Experiments run side by side on up to this many threads (0: all cores). The results do not
    /// depend on it: each experiment draws from its own stream (or its own seeded PyTorch generator) and every kernel it
    /// calls is thread-invariant.</param>
    /// <exception cref="ArgumentException">seeds &lt; 1.</exception>
    /// <remarks>
    /// With <paramref name="generator"/> = <see cref="GeneratorKind.Torch"/> each experiment starts from
    /// <c>torch.manual_seed(seed)</c> and draws x and a as the notebook does (<c>x = torch.randn(512); a = torch.randn(512, 512)</c>,
    /// per trial for the moment experiments), so it multiplies exactly PyTorch's tensors; the products themselves are
    /// InitLab's (PyTorch leaves their summation order to its BLAS).
    /// </remarks>
    public static IReadOnlyList<ExperimentResult> RunAll(ulong seed, int seeds = 1, Action<string>? onExperimentDone = null,
        GeneratorKind generator = GeneratorKind.Philox, int threads = 0)
    {
        Guard.Positive(seeds);
        Guard.Threads(threads);
        var results = new ExperimentResult[All.Length];
        var gate = new object();
        int workers = Math.Min(threads <= 0 ? Parallelism.MaxThreads : threads, All.Length);
        // The experiments are independent and of very different cost (the two shared-matrix laws and the moment trials
        // dominate): side by side, the costliest first, each law handed to a free worker as a job of its own, and every
        // kernel inside serial (the workers already use the cores; a 512 x 512 matrix-vector product costs less than a
        // hand-off to another thread). One worker runs them in id order.
        int[] order = Enumerable.Range(0, All.Length).ToArray();
        if (workers > 1) order = [.. order.OrderByDescending(i => All[i].Cost)];
        ExperimentJobs.Run(order, workers, (i, jobs) =>
        {
            results[i] = Run(All[i], seed, seeds, generator, workers > 1 ? 1 : 0, jobs);
            if (onExperimentDone is not null)
                lock (gate) onExperimentDone(All[i].Id);
        });
        return results;
    }

    /// <summary>
    /// Runs the kernels that every experiment starts with (the normal fill at this machine's widest lanes, the 512-wide
    /// matrix-vector products plain and transposed, scale, relu, statistics) once on small inputs of its own, so that a
    /// caller with a spare core (the CLI, while it builds its command tree) has them compiled before <see cref="RunAll"/>
    /// needs them: at the start both workers otherwise wait on the same compilations. Touches no experiment's state.
    /// </summary>
    internal static void WarmUp()
    {
        const int n = 64;
        var g = ExperimentDraws.Create(GeneratorKind.Philox, seed: 0, stream: 0, threads: 1);
        var a = new float[n * n];
        var x = new float[n];
        var y = new float[n];
        g.Normal(a);
        g.Normal(x);
        TensorMath.Scale<float>(a, 0.5f);
        TensorMath.MatMulInto<float>(a, n, false, x, 1, false, y, n, 1, n, threads: 1);
        TensorMath.MatMulInto<float>(a, n, true, y, 1, false, x, n, 1, n, threads: 1);
        TensorMath.Relu<float>(y);
        _ = Stats.Of(x);
        _ = Stats.Of(Array.ConvertAll(y, v => (double)v));
    }

    /// <summary>Runs one experiment by id (see <see cref="Ids"/>).</summary>
    /// <exception cref="ArgumentException">Unknown id (the message lists the valid ones), or seeds &lt; 1.</exception>
    public static ExperimentResult Run(string id, ulong seed, int seeds = 1, GeneratorKind generator = GeneratorKind.Philox)
    {
        Guard.Positive(seeds);
        var e = All.FirstOrDefault(x => x.Id == id)
            ?? throw new ArgumentException($"unknown experiment '{id}'; valid ids: {string.Join(", ", Ids)}.", nameof(id));
        return Run(e, seed, seeds, generator, threads: 0, jobs: null);
    }

    /// <summary>
    /// The std of x after each of the 100 products of the classic loop, for one shared 512 x 512 matrix scaled five ways:
    /// N(0,1) (explodes to Inf/NaN near layer 28), 0.01 N(0,1) (vanishes to 0), N(0,1)/sqrt(512) (Xavier/LeCun), Haar
    /// orthogonal (norm preserved) and spectrally normalized (sigma_max = 1: the norm can only shrink). Index k = layer k.
    /// </summary>
    public static IReadOnlyList<(string Label, double[] Std)> LoopCurves(ulong seed, GeneratorKind generator = GeneratorKind.Philox)
    {
        const int n = Dimension;
        var g = ExperimentDraws.Create(generator, seed, stream: 1000);
        var x0 = new float[n];
        g.Normal(x0);
        var a = new float[n * n];
        g.Normal(a);
        var curves = new List<(string, double[])> { ("N(0,1)", LoopStds(a, x0)) };
        var scaled = (float[])a.Clone();
        TensorMath.Scale<float>(scaled, 0.01f);
        curves.Add(("0.01 N(0,1)", LoopStds(scaled, x0)));
        scaled = (float[])a.Clone();
        TensorMath.Scale<float>(scaled, g.InverseSqrt(n));
        curves.Add(("N(0,1)/sqrt(512) (Xavier)", LoopStds(scaled, x0)));
        var q = new float[n * n];
        g.Orthogonal(q, n);
        curves.Add(("orthogonal", LoopStds(q, x0)));
        scaled = (float[])a.Clone();
        LinearAlgebra.SpectralNorm.NormalizeInPlace(scaled, n, n, 1.0, g.PowerIteration, relativeTolerance: 1e-6);
        curves.Add(("spectral norm 1", LoopStds(scaled, x0)));
        return curves;
    }

    private static ExperimentResult Run(Experiment e, ulong seed, int seeds, GeneratorKind generator, int threads, ExperimentJobs? jobs)
    {
        int index = Array.IndexOf(All, e);
        var runs = new List<IReadOnlyDictionary<string, double>>(seeds);
        bool agrees = true;
        for (int s = 0; s < seeds; s++)
        {
            // Each experiment draws from its own stream (Philox) or its own manual_seed (PyTorch), so adding or reordering
            // experiments changes no other.
            var g = ExperimentDraws.Create(generator, seed + (ulong)s, stream: (ulong)index, threads, jobs);
            var measured = e.Measure(g);
            agrees &= e.Agrees(measured);
            runs.Add(measured);
        }
        var report = seeds == 1 ? runs[0] : Spread(runs);
        return new ExperimentResult(e.Id, e.Title, e.Predicted, report, agrees, e.Check);
    }

    private static Dictionary<string, double> Spread(List<IReadOnlyDictionary<string, double>> runs)
    {
        var result = new Dictionary<string, double>();
        foreach (var key in runs[0].Keys)
        {
            // NaN sorts first and is reported as such: a NaN minimum means some seed measured NaN.
            var values = runs.Select(r => r[key]).OrderBy(v => v).ToArray();
            result[key + "_min"] = values[0];
            result[key + "_median"] = Median(values);
            result[key + "_max"] = values[^1];
        }
        return result;
    }

    private static double Median(double[] sorted)
    {
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /// <summary>One experiment: its prediction, its measurement from a generator, and its agreement test.</summary>
    private sealed record Experiment(
        string Id,
        string Title,
        IReadOnlyDictionary<string, double> Predicted,
        Func<ExperimentDraws, IReadOnlyDictionary<string, double>> Measure,
        Func<IReadOnlyDictionary<string, double>, bool> Agrees,
        string Check)
    {
        /// <summary>Rough cost in milliseconds on one core (measured), used only to start the costliest first.</summary>
        public double Cost { get; init; } = 1;
    }
}
