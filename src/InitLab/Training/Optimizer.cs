using System.Numerics;
using InitLab.Numerics;

namespace InitLab.Training;

/// <summary>
/// How parameters move along their gradients. An optimizer is a setting (a record); <see cref="CreateState"/> gives the
/// per-parameter state (momentum buffers, moment estimates) that one training run updates. Updates are element-wise
/// and run serially in element order, so they give the same bits on any thread count.
/// </summary>
public abstract record Optimizer
{
    private protected Optimizer() { }

    /// <summary>The step size eta.</summary>
    public abstract double LearningRate { get; }

    /// <summary>The lower-case name used on the command line and in JSON (sgd, adam).</summary>
    public abstract string Name { get; }

    /// <summary>Fresh state for parameter arrays of the given lengths.</summary>
    public abstract OptimizerState CreateState(IReadOnlyList<int> lengths);

    /// <summary>SGD with momentum; see <see cref="SgdState"/>.</summary>
    /// <param name="LearningRate">eta &gt; 0.</param>
    /// <param name="Momentum">mu in [0, 1): 0 is plain SGD.</param>
    public sealed record Sgd(double LearningRate, double Momentum = 0.9) : Optimizer
    {
        /// <inheritdoc/>
        public override double LearningRate { get; } = Checked(LearningRate, Momentum).LearningRate;

        /// <inheritdoc/>
        public override string Name => "sgd";

        /// <inheritdoc/>
        public override OptimizerState CreateState(IReadOnlyList<int> lengths) => new SgdState(this, lengths);

        private static (double LearningRate, double Momentum) Checked(double learningRate, double momentum)
        {
            Guard.Positive(learningRate, "learning rate");
            if (!(momentum >= 0 && momentum < 1))
                throw new ArgumentException($"momentum must be in [0, 1), got {Guard.Fmt(momentum)}.", nameof(momentum));
            return (learningRate, momentum);
        }
    }

    /// <summary>Adam (Kingma &amp; Ba 2015, Algorithm 1); see <see cref="AdamState"/>.</summary>
    /// <param name="LearningRate">eta &gt; 0 (the paper's alpha; 1e-3 is its default).</param>
    /// <param name="Beta1">Decay of the first moment, in [0, 1).</param>
    /// <param name="Beta2">Decay of the second moment, in [0, 1).</param>
    /// <param name="Epsilon">Added to sqrt(v_hat), &gt; 0.</param>
    public sealed record Adam(double LearningRate, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8) : Optimizer
    {
        /// <inheritdoc/>
        public override double LearningRate { get; } = Checked(LearningRate, Beta1, Beta2, Epsilon);

        /// <inheritdoc/>
        public override string Name => "adam";

        /// <inheritdoc/>
        public override OptimizerState CreateState(IReadOnlyList<int> lengths) => new AdamState(this, lengths);

        private static double Checked(double learningRate, double beta1, double beta2, double epsilon)
        {
            Guard.Positive(learningRate, "learning rate");
            if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentException($"beta1 must be in [0, 1), got {Guard.Fmt(beta1)}.", nameof(beta1));
            if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentException($"beta2 must be in [0, 1), got {Guard.Fmt(beta2)}.", nameof(beta2));
            Guard.Positive(epsilon, "epsilon");
            return learningRate;
        }
    }
}

/// <summary>The state of one optimizer over a fixed list of parameter arrays.</summary>
public abstract class OptimizerState
{
    private readonly int[] _lengths;

    private protected OptimizerState(IReadOnlyList<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        _lengths = lengths.ToArray();
    }

    /// <summary>Number of updates applied so far.</summary>
    public long Steps { get; private set; }

    /// <summary>Moves every parameter array along its gradient (parameters[i] and gradients[i] have the lengths the state was made for).</summary>
    /// <exception cref="ArgumentException">The arrays do not match the lengths the state was created for.</exception>
    public void Update(IReadOnlyList<float[]> parameters, IReadOnlyList<float[]> gradients)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        if (parameters.Count != _lengths.Length || gradients.Count != _lengths.Length)
            throw new ArgumentException($"expected {_lengths.Length} parameter and gradient arrays, got {parameters.Count} and {gradients.Count}.", nameof(parameters));
        for (int i = 0; i < _lengths.Length; i++)
            if (parameters[i].Length != _lengths[i] || gradients[i].Length != _lengths[i])
                throw new ArgumentException($"array {i} has {parameters[i].Length} parameters and {gradients[i].Length} gradients, expected {_lengths[i]}.", nameof(parameters));
        Steps++;
        for (int i = 0; i < _lengths.Length; i++) Apply(i, parameters[i], gradients[i]);
    }

    /// <summary>Updates array <paramref name="index"/> at step <see cref="Steps"/> (1-based).</summary>
    private protected abstract void Apply(int index, Span<float> p, ReadOnlySpan<float> g);
}

/// <summary>
/// SGD with momentum in PyTorch's form (torch.optim.SGD, dampening 0): <c>v = mu v + g; p = p - eta v</c>, v starting at 0.
/// </summary>
public sealed class SgdState : OptimizerState
{
    private readonly float[][] _velocity;
    private readonly float _eta, _mu;

    internal SgdState(Optimizer.Sgd settings, IReadOnlyList<int> lengths) : base(lengths)
    {
        _eta = (float)settings.LearningRate;
        _mu = (float)settings.Momentum;
        _velocity = lengths.Select(n => new float[n]).ToArray();
    }

    private protected override void Apply(int index, Span<float> p, ReadOnlySpan<float> g)
    {
        var v = _velocity[index].AsSpan();
        // Separate multiplies and adds (never fused), so the vector body and the scalar tail round alike: the same bits at
        // any SIMD width.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var mu = new Vector<float>(_mu);
            var eta = new Vector<float>(_eta);
            for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vi = mu * new Vector<float>(v[i..]) + new Vector<float>(g[i..]);
                vi.CopyTo(v[i..]);
                (new Vector<float>(p[i..]) - eta * vi).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            v[i] = _mu * v[i] + g[i];
            p[i] -= _eta * v[i];
        }
    }
}

/// <summary>
/// Adam: <c>m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p = p - eta m_hat / (sqrt(v_hat) + eps)</c> with the bias
/// corrections <c>m_hat = m / (1 - b1^t)</c>, <c>v_hat = v / (1 - b2^t)</c> at step t (Kingma &amp; Ba 2015; torch.optim.Adam).
/// </summary>
public sealed class AdamState : OptimizerState
{
    private readonly float[][] _m, _v;
    private readonly Optimizer.Adam _settings;

    internal AdamState(Optimizer.Adam settings, IReadOnlyList<int> lengths) : base(lengths)
    {
        _settings = settings;
        _m = lengths.Select(n => new float[n]).ToArray();
        _v = lengths.Select(n => new float[n]).ToArray();
    }

    private protected override void Apply(int index, Span<float> p, ReadOnlySpan<float> g)
    {
        var m = _m[index];
        var v = _v[index];
        float b1 = (float)_settings.Beta1, b2 = (float)_settings.Beta2, eps = (float)_settings.Epsilon;
        // Corrections in double, then one float each: the same per element whatever the array length.
        float c1 = (float)(1 / (1 - Math.Pow(_settings.Beta1, Steps)));
        float c2 = (float)(1 / (1 - Math.Pow(_settings.Beta2, Steps)));
        float eta = (float)_settings.LearningRate;
        var mSpan = m.AsSpan();
        var vSpan = v.AsSpan();
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> vb1 = new(b1), vb2 = new(b2), vc1 = new(c1), vc2 = new(c2), veta = new(eta), veps = new(eps);
            Vector<float> one1 = new(1 - b1), one2 = new(1 - b2);
            for (; i <= p.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = new Vector<float>(g[i..]);
                var mi = vb1 * new Vector<float>(mSpan[i..]) + one1 * gi;
                var vi = vb2 * new Vector<float>(vSpan[i..]) + one2 * gi * gi;
                mi.CopyTo(mSpan[i..]);
                vi.CopyTo(vSpan[i..]);
                (new Vector<float>(p[i..]) - veta * (mi * vc1) / (Vector.SquareRoot(vi * vc2) + veps)).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            p[i] -= eta * (m[i] * c1) / (MathF.Sqrt(v[i] * c2) + eps);
        }
    }
}
