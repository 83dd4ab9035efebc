using InitLab.LinearAlgebra;
using InitLab.Random;

namespace InitLab.Cli;

/// <summary>
/// One timed workload of <c>initlab bench</c>: <see cref="Prepare"/> allocates and fills inputs (untimed) and returns
/// the action to time, which calls exactly the library kernel a user's code calls.
/// </summary>
/// <param name="Name">The workload name on the command line.</param>
/// <param name="DefaultSize">The size used when --size is not given.</param>
/// <param name="Unit">The unit of the throughput.</param>
/// <param name="Work">Units of work per run for a size (elements, floating-point operations, matrices).</param>
/// <param name="Prepare">Builds the inputs for (size, threads) and returns the action to time, which runs the kernel on
/// that many threads.</param>
/// <param name="Estimate">Peak memory and work of one run for a size, estimated before anything is allocated; memory that
/// grows with the size is the part "size".</param>
internal sealed record BenchWorkload(string Name, int DefaultSize, string Unit, Func<int, double> Work, Func<int, int, Action> Prepare,
    Func<int, InitLab.Propagation.ResourceEstimate> Estimate)
{
    /// <summary>Every workload, in the order of design.md.</summary>
    public static IReadOnlyList<BenchWorkload> All { get; } =
    [
        Fill("normal", (g, x, t) => g.Normal(x, t)),
        Fill("uniform", (g, x, t) => g.Uniform(x, t)),
        Fill("trunc_normal", (g, x, t) => g.TruncatedNormal(x, 0f, 1f, -2f, 2f, t)),
        new("gemm", 2048, "flop/s", n => 2.0 * n * n * n, (n, threads) =>
        {
            var a = new float[(long)n * n];
            var b = new float[(long)n * n];
            var c = new float[(long)n * n];
            var g = new Generator(1);
            g.Normal(a);
            g.Normal(b);
            return () => Gemm.Multiply(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n, threads);
        }, n => Square(n, matrices: 3, flops: 2.0 * n * n * n)),
        // The explicit engine's layer product y = x W^T: a batch of 64 rows against an n x n weight matrix (the thin shape).
        new("linear", 4096, "flop/s", n => 2.0 * 64 * n * n, (n, threads) =>
        {
            var x = new float[64L * n];
            var w = new float[(long)n * n];
            var y = new float[64L * n];
            var g = new Generator(1);
            g.Normal(x);
            g.Normal(w);
            return () => Gemm.Multiply(false, true, 64, n, n, 1f, x, n, w, n, 0f, y, n, threads);
        }, n => new([("size", 4.0 * n * n + 2 * 4.0 * 64 * n)], 2.0 * 64 * n * n)),
        new("orthogonal", 2048, "matrices/s", _ => 1, (n, threads) =>
        {
            var q = new float[(long)n * n];
            var g = new Generator(1);
            return () => Orthogonal.Sample(g, q, n, n, threads);
        }, n => Square(n, matrices: 4, flops: 4.0 * n * n * n)),
        new("spectral", 2048, "matrices/s", _ => 1, (n, threads) =>
        {
            var a = new float[(long)n * n];
            new Generator(1).Normal(a);
            var g = new Generator(2);
            return () => SpectralNorm.Lanczos(a, n, n, g, relativeTolerance: 1e-4, threads: threads);
        }, n => Square(n, matrices: 2, flops: 400.0 * n * n)),
        Propagate(100, 64, InitLab.Propagation.Engine.Explicit),
        Network("resnet", "resnet:blocks=8,width=64,size=56", 8, "images/s"),
        Network("transformer", "transformer:layers=12,dim=512,heads=8,tokens=256,ln=pre", 4, "sequences/s"),
        Moments("moments_resnet", "resnet", "blocks"),
        Moments("moments_transformer", "transformer", "layers"),
        // The machine's limits, for the fraction of them a kernel reaches (benchmarks/compare.sh).
        new("peak", 2_000_000, "flop/s", n => 2.0 * MachineLimits.Accumulators * MachineLimits.FloatLanes * n, (n, threads) =>
            () => MachineLimits.FmaLoop(n, threads), n => new([("size", 0)], 2.0 * MachineLimits.Accumulators * MachineLimits.FloatLanes * n)),
        new("bandwidth", 100_000_000, "bytes/s", n => 4.0 * n, (n, threads) =>
        {
            var x = new float[n];
            return () => MachineLimits.StoreLoop(x, 1.5f, threads);
        }, n => new([("size", 4.0 * n)], 4.0 * n)),
        TrainStep(100, 64),
    ];

    /// <summary>
    /// The explicit engine at init on a network of issue 10 (size = batch): draw every parameter, run forward and measure every
    /// node, as <c>propagate --model</c> does; throughput in examples per second. benchmarks/peer.py times PyTorch's forward
    /// of the same network.
    /// </summary>
    public static BenchWorkload Network(string name, string model, int batch, string unit) =>
        new(name, batch, unit, n => n, (n, threads) =>
        {
            var graph = InitLab.Networks.Families.ModelFamilies.Build(model);
            ulong seed = 0;
            return () => InitLab.Networks.ExplicitGraphEngine.Run(graph, new InitLab.Networks.ExplicitOptions { Batch = n, Seed = seed++, Threads = threads });
        }, n =>
        {
            var e = InitLab.Networks.GraphResources.Estimate(InitLab.Networks.Families.ModelFamilies.Build(model), n, backward: false);
            return e with { Parts = [.. e.Parts.Select(p => (p.Setting == "batch" ? "size" : p.Setting, p.Bytes))] };
        });

    /// <summary>
    /// The analytic moment engine alone (<c>propagate --engine moments</c> without the start-up, the graph's construction or the
    /// rendering) on the family's default network with size = its depth (default 1000, issue 11's "a 1000-block ResNet or a
    /// 1000-layer transformer in under 1 s"); throughput in blocks or layers per second. The graph is built once, untimed.
    /// </summary>
    public static BenchWorkload Moments(string name, string family, string depth) =>
        new(name, 1000, $"{depth}/s", n => n, (n, threads) =>
        {
            var graph = InitLab.Networks.Families.ModelFamilies.Build($"{family}:{depth}={n.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            return () => InitLab.Networks.MomentEngine.Run(graph, new InitLab.Networks.MomentOptions { Threads = threads });
        }, n =>
        {
            // Three fields (mean, second moment, offset) of 8 bytes per position, about ten nodes per block, 32 x 32 positions
            // (the ResNet's default image; a transformer's 64 tokens need less); work: about 100 flops per position and node.
            double perBlock = 10 * 1024 * 3 * 8.0;
            return new([("size", perBlock * n)], 100.0 * 10 * 1024 * n);
        });

    /// <summary>
    /// The propagation lab's workload: fresh Kaiming weights N(0, 2/n) at every layer, relu, a batch of Gaussian inputs,
    /// per-layer statistics and diagnosis, on <paramref name="engine"/>; size = width n; throughput in layers per second.
    /// </summary>
    public static BenchWorkload Propagate(int depth, int batch, InitLab.Propagation.Engine engine) =>
        new("propagate", 4096, "layers/s", _ => depth, (n, threads) =>
        {
            var spec = new InitLab.Propagation.NetworkSpec(n, depth, InitLab.Activations.Activation.Relu,
                InitLab.Propagation.WeightDistribution.Gaussian.WithSigmaW(Math.Sqrt(2))) { Batch = batch };
            ulong seed = 0;
            return () => InitLab.Propagation.Propagator.Run(spec, engine, seed++, threads: threads);
        }, n => PropagateEstimate(n, depth, batch, engine));

    // The library's estimate, with the width part named after the option that sets it here (--size or --width).
    private static InitLab.Propagation.ResourceEstimate PropagateEstimate(int width, int depth, int batch, InitLab.Propagation.Engine engine)
    {
        var e = InitLab.Propagation.NetworkSpec.EstimateResources(width, width, depth, batch, engine);
        return e with { Parts = [.. e.Parts.Select(p => (p.Setting == "width" ? "size" : p.Setting, p.Bytes))] };
    }

    /// <summary>
    /// One training step of the lab's classifier: a batch of B Fashion-MNIST-shaped inputs (784 Gaussian features,
    /// 10 classes) through <paramref name="depth"/> tanh layers of width n (sigma_w 1.5, sigma_b 0.05) and a softmax
    /// readout, forward, backward and an SGD-momentum update (lr 1e-3); size = width n; throughput in steps per second.
    /// </summary>
    public static BenchWorkload TrainStep(int depth, int batch) =>
        new("train_step", 256, "steps/s", _ => 1, (n, threads) =>
        {
            const int features = 784, classes = 10, examples = 4096;
            var x = new float[examples * features];
            new Generator(1).Normal(x);
            var labels = new int[examples];
            for (int i = 0; i < examples; i++) labels[i] = i % classes;
            var data = new InitLab.Training.Dataset(x, features, labels, classes);
            var spec = new InitLab.Propagation.NetworkSpec([features, .. Enumerable.Repeat(n, depth)], InitLab.Activations.Activation.Tanh,
                InitLab.Propagation.WeightDistribution.Gaussian.WithSigmaW(1.5)) { SigmaB = 0.05 };
            var model = InitLab.Training.MlpClassifier.Create(spec, classes, 1);
            var session = new InitLab.Training.TrainingSession(model, data,
                new InitLab.Training.TrainingOptions(1, Math.Min(batch, examples), new InitLab.Training.Optimizer.Sgd(1e-3)), 1, threads);
            return () => session.Step();
        }, n =>
        {
            // One step's memory and work; the width part is named after the option that sets it here.
            var e = InitLab.Training.MlpClassifier.EstimateTraining(784, n, depth, 10, batch, 1, 4096, 0);
            return e with { Parts = [.. e.Parts.Select(p => (p.Setting == "width" ? "size" : p.Setting, p.Bytes))] };
        });

    /// <summary>The workload called <paramref name="name"/>, or null.</summary>
    public static BenchWorkload? Find(string name) => All.FirstOrDefault(w => w.Name == name);

    private static BenchWorkload Fill(string name, Action<Generator, float[], int> fill) =>
        new(name, 100_000_000, "elements/s", n => n, (n, threads) =>
        {
            var x = new float[n];
            var g = new Generator(1);
            return () => fill(g, x, threads);
        }, n => new([("size", 4.0 * n)], 10.0 * n));

    // n x n float32 matrices (the inputs, the output, the work space).
    private static InitLab.Propagation.ResourceEstimate Square(int n, int matrices, double flops) => new([("size", matrices * 4.0 * n * n)], flops);
}
