using InitLab.Initializers;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Experiments;

/// <summary>
/// Where a classic experiment's random numbers come from: one Philox stream per experiment, or PyTorch's generator
/// seeded at the top of the experiment as the notebook cell is (<c>torch.manual_seed(seed)</c>), drawing x and a in the
/// notebook's order so that the experiment sees exactly the tensors PyTorch draws. It also says how the experiment may use
/// threads: <see cref="Threads"/> for its kernels, <see cref="Defer{T}"/> for a side computation (results never depend on either).
/// </summary>
internal abstract class ExperimentDraws
{
    /// <summary>Threads the experiment's kernels may use (0: all cores; 1 when experiments already run side by side).</summary>
    public int Threads { get; private init; }

    private ExperimentJobs? jobs;

    /// <summary>Hands <paramref name="work"/> (no random numbers in it) to a free worker when experiments run side by side;
    /// otherwise it runs when its result is first asked for.</summary>
    public Deferred<T> Defer<T>(Func<T> work) => jobs is null ? Deferred<T>.Inline(work) : jobs.Defer(work);

    /// <summary><c>torch.randn(n)</c> (or <c>torch.randn(r, c)</c>, row-major).</summary>
    public abstract void Normal(Span<float> x);

    /// <summary>The scalar trials' x_t and a_t (the notebook: <c>x = torch.randn(1); a = torch.randn(1)</c> per trial).</summary>
    public abstract void ScalarPairs(Span<float> x, Span<float> a);

    /// <summary>An n x n Haar-orthogonal matrix (PyTorch: <c>torch.nn.init.orthogonal_(torch.empty(n, n))</c>).</summary>
    public abstract void Orthogonal(Span<float> q, int n);

    /// <summary>The Philox generator for power-iteration start vectors, which set only how fast the estimate converges.</summary>
    public abstract Generator PowerIteration { get; }

    /// <summary>
    /// Whether the loop's <c>x.std()</c> is NaN: InitLab's std (in double) is NaN once x holds an infinity; PyTorch's
    /// float32 <c>x.std()</c> already is once the float32 sum behind its mean overflows (<see cref="TorchFloatSum"/>:
    /// it then subtracts an infinite mean and turns the infinite variance into NaN), usually a layer earlier.
    /// </summary>
    public abstract bool StdIsNaN(ReadOnlySpan<float> x, Stats stats);

    /// <summary>The float the notebook multiplies by for 1 / sqrt(n) (Philox: 1f / MathF.Sqrt(n); PyTorch: math.sqrt(1. / n) rounded to float).</summary>
    public abstract float InverseSqrt(int n);

    public static ExperimentDraws Create(GeneratorKind kind, ulong seed, ulong stream, int threads = 0, ExperimentJobs? jobs = null)
    {
        ExperimentDraws draws = kind switch
        {
            GeneratorKind.Philox => new Philox(new Generator(seed, stream)) { Threads = threads },
            GeneratorKind.Torch => new Torch(new TorchGenerator(seed), seed, stream) { Threads = threads },
            _ => throw new ArgumentException($"unknown generator {kind}.", nameof(kind)),
        };
        draws.jobs = jobs;
        return draws;
    }

    private sealed class Philox(Generator g) : ExperimentDraws
    {
        public override void Normal(Span<float> x) => g.Normal(x, Threads);

        // The Philox experiments draw all a, then all x.
        public override void ScalarPairs(Span<float> x, Span<float> a)
        {
            g.Normal(a, Threads);
            g.Normal(x, Threads);
        }

        public override void Orthogonal(Span<float> q, int n) => LinearAlgebra.Orthogonal.Sample(g, q, n, n, Threads);

        public override Generator PowerIteration => g;

        public override float InverseSqrt(int n) => 1f / MathF.Sqrt(n);

        public override bool StdIsNaN(ReadOnlySpan<float> x, Stats stats) => double.IsNaN(stats.Std);
    }

    private sealed class Torch(TorchGenerator g, ulong seed, ulong stream) : ExperimentDraws
    {
        public override void Normal(Span<float> x) => g.Normal(x);

        public override void ScalarPairs(Span<float> x, Span<float> a)
        {
            for (int t = 0; t < x.Length; t++)
            {
                g.Normal(x.Slice(t, 1));
                g.Normal(a.Slice(t, 1));
            }
        }

        public override void Orthogonal(Span<float> q, int n) => TorchInit.Orthogonal(q, new Shape(n, n), g);

        public override Generator PowerIteration { get; } = new(seed, stream);

        public override float InverseSqrt(int n) => (float)Math.Sqrt(1.0 / n);

        public override bool StdIsNaN(ReadOnlySpan<float> x, Stats stats) => !float.IsFinite(TorchFloatSum.Of(x));
    }
}
