using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>concat</c>: joins its inputs along <see cref="Axis"/> (a dimension of the shape without the batch; 0 = channels, -1 = the
/// last), every other dimension equal (PyTorch <c>torch.cat(dim = axis + 1)</c>). Backward hands each input its slice.
/// </summary>
public sealed class ConcatOp : Op, IErrorBoundRule
{
    /// <summary>Creates a concat along <paramref name="axis"/> (negative counts from the end).</summary>
    public ConcatOp(int axis = 0) => Axis = axis;

    /// <inheritdoc/>
    public override string Kind => "concat";

    /// <summary>The axis (without the batch).</summary>
    public int Axis { get; }

    /// <inheritdoc/>
    public override int MinInputs => 1;

    /// <inheritdoc/>
    public override int MaxInputs => int.MaxValue;

    /// <inheritdoc/>
    public override BackwardNeeds Needs => BackwardNeeds.None;

    private static int Resolve(int axis, Shape s)
    {
        int a = axis < 0 ? axis + s.Rank : axis;
        if (a < 0 || a >= s.Rank) throw new ArgumentException($"axis {axis} is outside an input of shape {s}.");
        return a;
    }

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        int a = Resolve(Axis, inputs[0]);
        var dims = inputs[0].Dims.ToArray();
        for (int i = 1; i < inputs.Count; i++)
        {
            var s = inputs[i];
            if (s.Rank != dims.Length)
                throw new ArgumentException($"inputs must have one rank, got {inputs[0]} and {s}.");
            for (int d = 0; d < dims.Length; d++)
                if (d != a && s[d] != dims[d])
                    throw new ArgumentException($"inputs {inputs[0]} and {s} differ outside axis {Axis}.");
            dims[a] += s[a];
        }
        return new Shape(dims);
    }

    /// <summary>(outer, inner) block sizes: each input is outer blocks of (its axis size x inner) elements.</summary>
    private static (long Outer, long Inner) Blocks(Shape s, int a)
    {
        long outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= s[d];
        for (int d = a + 1; d < s.Rank; d++) inner *= s[d];
        return (outer, inner);
    }

    private void Copy<T>(Node node, int batch, Func<int, T[]?> part, T[] whole, bool gather) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int a = Resolve(Axis, node.Shape);
        var (outer, inner) = Blocks(node.Shape, a);
        long wholeBlock = node.Shape[a] * inner;
        long offset = 0;
        for (int i = 0; i < node.InputShapes.Count; i++)
        {
            long block = node.InputShapes[i][a] * inner;
            var p = part(i);
            if (p is not null)
                for (long o = 0; o < batch * outer; o++)
                {
                    var w = whole.AsSpan((int)(o * wholeBlock + offset), (int)block);
                    var q = p.AsSpan((int)(o * block), (int)block);
                    if (gather) Work.Add<T>(q, w);
                    else q.CopyTo(w);
                }
            offset += block;
        }
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass) => Copy(pass.Node, pass.Batch, pass.Input, pass.Output, gather: false);

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass) => Copy(pass.Node, pass.Batch, pass.InputGradient, pass.OutputGradient, gather: true);

    /// <inheritdoc/>
    /// <remarks>A copy: the input errors, moved as the values are.</remarks>
    public void ErrorBound(ErrorBoundPass pass) => pass.Run(pass.InputErrors(), []).CopyTo(pass.Error, 0);

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a) => a.Set("axis", Axis);

    internal static Op Read(OpAttributes a) => new ConcatOp(a.Integer("axis", 0));
}
