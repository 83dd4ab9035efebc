using System.Numerics;
using InitLab.Initializers;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>input</c>: a graph input of a fixed shape (without the batch). Unless the caller supplies data, the explicit engine draws
/// i.i.d. N(0, variance) values, or, with a vocabulary, token ids uniform on {0, ..., vocab - 1} (stored as exact floats) for an
/// embedding to read.
/// </summary>
public sealed class InputOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>Creates an input.</summary>
    /// <param name="shape">Shape without the batch: (features), (channels, height, width), (tokens, features), ...</param>
    /// <param name="variance">Variance of the Gaussian draws (&gt; 0).</param>
    /// <param name="vocab">0 for Gaussian values; V &gt; 0 for token ids in [0, V).</param>
    /// <param name="stream">The Philox stream of the draws; null: a hash of the node's name.</param>
    /// <exception cref="ArgumentException">A non-positive variance, a negative vocabulary or one above 2^24 (ids must be exact floats), an empty shape.</exception>
    public InputOp(Shape shape, double variance = 1, int vocab = 0, ulong? stream = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Rank == 0 || shape.Size == 0)
            throw new ArgumentException($"shape must have at least one dimension and no zero dimension, got {shape}.", nameof(shape));
        Guard.Positive(variance);
        if (vocab < 0 || vocab > 1 << 24)
            throw new ArgumentException($"vocab must be in 0..2^24 (0: Gaussian values), got {vocab}.", nameof(vocab));
        Shape = shape;
        Variance = variance;
        Vocab = vocab;
        Stream = stream;
    }

    /// <inheritdoc/>
    public override string Kind => "input";

    /// <summary>The shape without the batch.</summary>
    public Shape Shape { get; }

    /// <summary>Variance of the Gaussian draws.</summary>
    public double Variance { get; }

    /// <summary>Vocabulary size for token ids; 0 for Gaussian values.</summary>
    public int Vocab { get; }

    /// <summary>The Philox stream of the draws (null: hash of the node's name).</summary>
    public ulong? Stream { get; }

    /// <inheritdoc/>
    public override int MinInputs => 0;

    /// <inheritdoc/>
    public override int MaxInputs => 0;

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs) => Shape;

    /// <summary>The generator of this input's draws.</summary>
    internal Generator Generator(Node node, ulong seed) =>
        Stream is { } s ? new Generator(seed, s) : new Generator(seed, Parameter.StreamOf(node.Name + "#input"));

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var g = Generator(pass.Node, pass.Seed);
        if (Vocab == 0)
        {
            Draw.Normal(g, pass.Output.AsSpan(), 0, Math.Sqrt(Variance), pass.Threads);
            return;
        }
        var u = new double[pass.Output.Length];
        g.Uniform(u, pass.Threads);
        for (int i = 0; i < u.Length; i++) pass.Output[i] = T.CreateTruncating(Math.Min(Vocab - 1, Math.Floor(u[i] * Vocab)));
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass) { }

    /// <inheritdoc/>
    /// <remarks>An input is given, not computed: 0.</remarks>
    public void ErrorBound(ErrorBoundPass pass) { }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("shape", Shape.Dims.ToArray());
        if (Variance != 1) a.Set("variance", Variance);
        if (Vocab != 0) a.Set("vocab", Vocab);
        if (Stream is { } s) a.Set("stream", s);
    }

    internal static Op Read(OpAttributes a)
    {
        var shape = new Shape(a.Integers("shape"));
        double variance = a.Number("variance", 1);
        int vocab = a.Integer("vocab", 0);
        double stream = a.Number("stream", -1);
        if (stream != -1 && (stream < 0 || stream != Math.Floor(stream) || stream > 9007199254740992))
            throw new ArgumentException($"attribute 'stream' must be a non-negative integer up to 2^53, got {Guard.Fmt(stream)}.", "stream");
        return new InputOp(shape, variance, vocab, stream >= 0 ? (ulong)stream : null);
    }

    // ---- moment rule ----

    /// <summary>
    /// Moments: i.i.d. N(0, variance) elements, Gaussian and independent of every other node; token ids uniform on {0, ..., V - 1}
    /// have mean (V - 1)/2 and second moment (V - 1)(2V - 1)/6.
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        int axis = Fields.DefaultAxis(Shape), positions = Fields.Positions(Shape, axis);
        if (Vocab == 0)
            return MomentState.Independent(Shape, axis, Fields.Constant(positions, 0), Fields.Constant(positions, Variance), MomentLaw.Gaussian(context.Node.Index));
        double mean = (Vocab - 1) / 2.0, second = (Vocab - 1) * (2.0 * Vocab - 1) / 6;
        return MomentState.Independent(Shape, axis, Fields.Constant(positions, mean), Fields.Constant(positions, second), MomentLaw.Other("token ids"));
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients) { }

    bool IMomentRule.IsFresh(MomentContext context) => true;
}
