using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>embedding</c>: a table of V rows of dimension D; an input of token ids (any shape, ids stored as exact floats in
/// [0, V)) gives (*input, D), row id of the table per token (PyTorch <c>nn.Embedding</c>, default init N(0, 1)).
/// Backward: dL/dtable[id] = sum of dL/dy over the tokens with that id; no gradient flows to the ids.
/// </summary>
public sealed class EmbeddingOp : Op, IMomentRule, IErrorBoundRule
{
    /// <summary>Creates an embedding of <paramref name="vocab"/> rows of <paramref name="dim"/> values.</summary>
    /// <exception cref="ArgumentException">vocab or dim &lt; 1.</exception>
    public EmbeddingOp(int vocab, int dim)
    {
        if (vocab < 1) throw new ArgumentException($"vocab must be >= 1, got {vocab}.", nameof(vocab));
        if (dim < 1) throw new ArgumentException($"dim must be >= 1, got {dim}.", nameof(dim));
        Vocab = vocab;
        Dim = dim;
    }

    /// <inheritdoc/>
    public override string Kind => "embedding";

    /// <summary>Number of rows V.</summary>
    public int Vocab { get; }

    /// <summary>Row dimension D.</summary>
    public int Dim { get; }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs) => new([.. inputs[0].Dims, Dim]);

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs) =>
        [new("weight", new Shape(Vocab, Dim), ParameterRole.Embedding, Init.Normal())];

    private int Id<T>(T value, string node) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        double v = double.CreateTruncating(value);
        if (!(v >= 0 && v < Vocab && v == Math.Floor(v)))
            throw new ArgumentException($"node '{node}' (embedding): token id {v} is not an integer in [0, {Vocab}).", nameof(value));
        return (int)v;
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var ids = pass.Input(0);
        var table = pass.Parameter(0);
        for (int t = 0; t < ids.Length; t++)
            table.AsSpan(Id(ids[t], pass.Node.Name) * Dim, Dim).CopyTo(pass.Output.AsSpan(t * Dim, Dim));
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        var ids = pass.Input(0);
        var dTable = pass.ParameterGradient(0);
        Array.Clear(dTable);
        for (int t = 0; t < ids.Length; t++)
            Work.Add<T>(dTable.AsSpan(Id(ids[t], pass.Node.Name) * Dim, Dim), pass.OutputGradient.AsSpan(t * Dim, Dim));
    }

    /// <inheritdoc/>
    /// <remarks>Rows of the table copied by exact ids: 0.</remarks>
    public void ErrorBound(ErrorBoundPass pass) { }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("vocab", Vocab);
        a.Set("dim", Dim);
    }

    internal static Op Read(OpAttributes a) => new EmbeddingOp(a.Integer("vocab"), a.Integer("dim"));

    // ---- moment rule ----

    /// <summary>
    /// Moments: each token reads a row of the table, whose elements have the table's law (mean mu, second moment E[w^2]); two tokens
    /// (of one example or two) read the same row with probability 1/V, so they are covariant by Var(w)/V: a unit's offset (its
    /// column's mean over the table) of variance Var(w)/V. Gaussian for a normal table.
    /// Backward: dL/dtable[id] sums dL/dy over the tokens with that id, so E||dtable||^2 = B x size x E[g^2].
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        var table = context.Law("weight");
        var shape = context.Node.Shape;
        int axis = shape.Rank - 1, positions = Fields.Positions(shape, axis);
        double offset = Math.Sqrt(table.Variance / Vocab);
        bool normal = table.Parameter.Initializer.DistributionOf(table.Parameter.Shape)?.Kind is DistributionKind.Normal or DistributionKind.PointMass;
        return new MomentState(shape, axis, Fields.Constant(positions, table.Mean), Fields.Constant(positions, table.Second), Fields.Constant(positions, offset), 0, 0, 0,
            normal ? MomentLaw.Gaussian(context.Node.Index) : MomentLaw.Other($"rows of a {table.Parameter.Initializer.Name} table"));
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients) =>
        gradients.AddParameter(context.Batch * context.Node.Shape.Size * gradients.Output.Average());

    bool IMomentRule.IsFresh(MomentContext context) => true;
}
