using InitLab.Initializers;
using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>affine</c>: y = x ⊙ weight + bias with learned tensors of <see cref="ParameterShape"/>, broadcast against the input's
/// trailing dimensions as NumPy does (each of their dimensions equals the input's or is 1): CaiT's LayerScale (a per-channel
/// weight, Touvron et al. 2021), ResMLP's Affine, a learned positional embedding added to every example (bias only), and ONNX's
/// Mul and Add of an activation by a constant tensor. Parameters: weight (role scale, default 1), bias (role shift, default 0).
/// </summary>
/// <remarks>Backward: dL/dx = dL/dy ⊙ weight; dL/dweight and dL/dbias sum dL/dy ⊙ x and dL/dy over the batch and the broadcast positions.</remarks>
public sealed class AffineOp : Op, IErrorBoundRule
{
    /// <summary>Creates an affine map with parameters of <paramref name="shape"/>.</summary>
    /// <exception cref="ArgumentException">An empty shape or a dimension below 1, or neither weight nor bias.</exception>
    public AffineOp(int[] shape, bool weight = true, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Length == 0 || shape.Any(d => d < 1))
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] needs at least one dimension, each >= 1.", nameof(shape));
        if (!weight && !bias) throw new ArgumentException("needs a weight, a bias or both.", nameof(weight));
        ParameterShape = new Shape(shape);
        Weight = weight;
        Bias = bias;
    }

    /// <inheritdoc/>
    public override string Kind => "affine";

    /// <summary>The shape of weight and bias, aligned with the input's last dimensions.</summary>
    public Shape ParameterShape { get; }

    /// <summary>Whether the input is multiplied by a weight.</summary>
    public bool Weight { get; }

    /// <summary>Whether a bias is added.</summary>
    public bool Bias { get; }

    /// <inheritdoc/>
    public override BackwardNeeds Needs => Weight ? BackwardNeeds.Inputs : BackwardNeeds.None;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        var x = inputs[0];
        if (ParameterShape.Rank > x.Rank)
            throw new ArgumentException($"parameters of shape {ParameterShape} have more dimensions than the input {x}.");
        for (int d = 1; d <= ParameterShape.Rank; d++)
            if (ParameterShape[-d] != 1 && ParameterShape[-d] != x[-d])
                throw new ArgumentException($"parameters of shape {ParameterShape} do not broadcast against the input {x}.");
        return x;
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterSpec> Parameters(IReadOnlyList<Shape> inputs)
    {
        var list = new List<ParameterSpec>();
        if (Weight) list.Add(new ParameterSpec("weight", ParameterShape, ParameterRole.Scale, Init.Ones()));
        if (Bias) list.Add(new ParameterSpec("bias", ParameterShape, ParameterRole.Shift, Init.Zeros()));
        return list;
    }

    /// <summary>For each element of one example of <paramref name="input"/> shape: the index of its parameter entry.</summary>
    private int[] Map(Shape input)
    {
        var map = new int[input.Size];
        int rank = input.Rank, offset = rank - ParameterShape.Rank;
        var index = new int[rank];
        for (int i = 0; i < map.Length; i++)
        {
            int p = 0;
            for (int d = offset; d < rank; d++)
            {
                int size = ParameterShape[d - offset];
                p = p * size + (size == 1 ? 0 : index[d]);
            }
            map[i] = p;
            for (int d = rank - 1; d >= 0 && ++index[d] == input[d]; d--) index[d] = 0;
        }
        return map;
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var map = Map(pass.InputShape(0));
        var x = pass.Input(0);
        var y = pass.Output;
        var w = Weight ? pass.Parameter(0) : null;
        var b = Bias ? pass.Parameter(Weight ? 1 : 0) : null;
        for (int i = 0; i < y.Length; i++)
        {
            int p = map[i % map.Length];
            T v = w is null ? x[i] : x[i] * w[p];
            y[i] = b is null ? v : v + b[p];
        }
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        var map = Map(pass.InputShape(0));
        var dy = pass.OutputGradient;
        var dx = pass.InputGradient(0);
        T[]? w = null, dw = null, db = null;
        if (Weight)
        {
            w = pass.Parameter(0);
            dw = pass.ParameterGradient(0);
            Array.Clear(dw);
        }
        if (Bias)
        {
            db = pass.ParameterGradient(Weight ? 1 : 0);
            Array.Clear(db);
        }
        var x = Weight ? pass.Input(0) : null;
        for (int i = 0; i < dy.Length; i++)
        {
            int p = map[i % map.Length];
            if (dx is not null) dx[i] += w is null ? dy[i] : dy[i] * w[p];
            if (dw is not null) dw[p] += dy[i] * x![i];
            if (db is not null) db[p] += dy[i];
        }
    }

    /// <inheritdoc/>
    /// <remarks>|w| e_x + u (|x w| + |y|): one rounded product and one rounded sum per element.</remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        var map = Map(pass.Node.InputShapes[0]);
        var x = pass.Input(0);
        var e = pass.InputError(0);
        var y = pass.Output;
        var w = Weight ? pass.Parameter(0) : null;
        double u = ErrorBoundPass.Unit;
        for (int i = 0; i < y.Length; i++)
        {
            double a = w is null ? 1 : Math.Abs(w[map[i % map.Length]]);
            pass.Error[i] = a * e[i] + u * (w is null ? 0 : a * Math.Abs(x[i])) + u * Math.Abs(y[i]);
        }
    }

    /// <inheritdoc/>
    public override void WriteAttributes(OpAttributes a)
    {
        a.Set("shape", ParameterShape.Dims.ToArray());
        a.Set("weight", Weight);
        a.Set("bias", Bias);
    }

    internal static Op Read(OpAttributes a) => new AffineOp(a.Integers("shape"), a.Boolean("weight", true), a.Boolean("bias", true));
}
