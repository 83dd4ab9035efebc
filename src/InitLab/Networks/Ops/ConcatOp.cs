using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>concat</c>: joins its inputs along <see cref="Axis"/> (a dimension of the shape without the batch; 0 = channels, -1 = the
/// last), every other dimension equal (PyTorch <c>torch.cat(dim = axis + 1)</c>). Backward hands each input its slice.
/// </summary>
public sealed class ConcatOp : Op, IMomentRule, IErrorBoundRule
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

    // ---- moment rule ----

    /// <summary>
    /// Moments: along the feature axis, the units of the inputs side by side, so each position's moments and the covariances are
    /// the unit-weighted averages of the inputs' (exact); along a position axis, the inputs' fields side by side.
    /// Backward: each input gets its part of the gradient's field.
    /// </summary>
    MomentState IMomentRule.Forward(MomentContext context)
    {
        var shape = context.Node.Shape;
        int a = Resolve(Axis, shape), axis = Fields.DefaultAxis(shape);
        var xs = Enumerable.Range(0, context.InputCount).Select(i => context.Input(i, axis)).ToArray();
        bool sameFields = xs.All(x => x.Mean.SequenceEqual(xs[0].Mean) && x.Second.SequenceEqual(xs[0].Second) && x.Offset.SequenceEqual(xs[0].Offset));
        bool gaussian = xs.All(x => x.Law.IsGaussian);
        var law = context.InputCount == 1 ? xs[0].Law
            : gaussian && sameFields ? MomentLaw.Gaussian(context.Node.Index)
            : MomentLaw.Other(sameFields ? "a concatenation of non-Gaussian values" : "a concatenation of values of different moments (a mixture)");
        double total = shape[a];
        if (a == axis)
        {
            int positions = xs[0].Positions;
            var mean = new double[positions];
            var second = new double[positions];
            var offsetSquare = new double[positions];
            double ce = 0, cp = 0, cx = 0;
            for (int i = 0; i < xs.Length; i++)
            {
                double share = context.Node.InputShapes[i][a] / total;
                for (int p = 0; p < positions; p++)
                {
                    mean[p] += share * xs[i].Mean[p];
                    second[p] += share * xs[i].Second[p];
                    offsetSquare[p] += share * xs[i].Offset[p] * xs[i].Offset[p];
                }
                ce += share * xs[i].ResidualExample;
                cp += share * xs[i].ResidualPosition;
                cx += share * xs[i].ResidualCross;
            }
            return new MomentState(shape, axis, mean, second, offsetSquare.Select(Math.Sqrt).ToArray(), ce, cp, cx, law);
        }
        // Along a position axis: gather the fields; two positions from different inputs are independent or taken so.
        var meanOut = Gather(shape, a, axis, context, xs, x => x.Mean);
        var secondOut = Gather(shape, a, axis, context, xs, x => x.Second);
        var offsetOut = Gather(shape, a, axis, context, xs, x => x.Offset);
        int outPositions = meanOut.Length;
        double covExample = 0, samePairs = 0, covPosition = 0, covCross = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            double share = context.Node.InputShapes[i][a] / total;
            covExample += share * xs[i].ResidualExample;
            double pi = xs[i].Positions;
            samePairs += pi * (pi - 1);
            covPosition += pi * (pi - 1) * xs[i].ResidualPosition;
            covCross += pi * (pi - 1) * xs[i].ResidualCross;
        }
        if (xs.Length > 1 && xs.Any(x => x.CovPosition != 0)) context.Assume("positions from different inputs taken as uncorrelated");
        double pairs = outPositions > 1 ? (double)outPositions * (outPositions - 1) : 1;
        return new MomentState(shape, axis, meanOut, secondOut, offsetOut, covExample, covPosition / pairs, covCross / pairs, law);
    }

    /// <summary>The output field when the inputs are joined along position axis a (fields over every axis but the feature axis).</summary>
    private static double[] Gather(Shape shape, int a, int axis, MomentContext context, MomentState[] xs, Func<MomentState, double[]> field)
    {
        var result = new double[Fields.Positions(shape, axis)];
        Scatter(shape, a, axis, context, (i, outer, inner) => result[outer] = field(xs[i])[inner]);
        return result;
    }

    /// <summary>Calls visit(input, output position, input position) for every position of the output.</summary>
    private static void Scatter(Shape shape, int a, int axis, MomentContext context, Action<int, int, int> visit)
    {
        int rank = shape.Rank;
        var dims = shape.Dims.ToArray();
        var index = new int[rank];
        int positions = Fields.Positions(shape, axis);
        for (int p = 0; p < positions; p++)
        {
            // Decode p over the axes other than the feature axis (row-major), then find the input that holds index[a].
            int rest = p;
            for (int d = rank - 1; d >= 0; d--)
            {
                if (d == axis) continue;
                index[d] = rest % dims[d];
                rest /= dims[d];
            }
            int offset = index[a], i = 0;
            while (offset >= context.Node.InputShapes[i][a]) offset -= context.Node.InputShapes[i++][a];
            var inShape = context.Node.InputShapes[i];
            int q = 0;
            for (int d = 0; d < rank; d++)
                if (d != axis) q = q * inShape[d] + (d == a ? offset : index[d]);
            visit(i, p, q);
        }
    }

    void IMomentRule.Backward(MomentContext context, MomentGradients gradients)
    {
        var shape = context.Node.Shape;
        int a = Resolve(Axis, shape), axis = Fields.DefaultAxis(shape);
        var g = gradients.Output;
        var parts = Enumerable.Range(0, context.InputCount).Select(i => new double[Fields.Positions(context.Node.InputShapes[i], axis)]).ToArray();
        if (a == axis)
            for (int i = 0; i < parts.Length; i++) parts[i] = Fields.Convert(shape, context.Output.FeatureAxis, axis, g);
        else
        {
            var field = Fields.Convert(shape, context.Output.FeatureAxis, axis, g);
            Scatter(shape, a, axis, context, (i, outer, inner) => parts[i][inner] = field[outer]);
        }
        for (int i = 0; i < parts.Length; i++) gradients.Add(i, parts[i], axis);
    }
}
