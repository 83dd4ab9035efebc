using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// <c>mul</c>: the element-wise product y = x_1 x_2 ... x_n of inputs of one shape (gates: SiLU as x sigmoid(x), GLU, an
/// exported exact GELU's x (1 + erf(x / sqrt 2))). dL/dx_i = dL/dy prod over j != i of x_j.
/// </summary>
public sealed class MulOp : Op, IErrorBoundRule
{
    /// <inheritdoc/>
    public override string Kind => "mul";

    /// <inheritdoc/>
    public override int MinInputs => 2;

    /// <inheritdoc/>
    public override int MaxInputs => int.MaxValue;

    /// <inheritdoc/>
    public override Shape OutputShape(IReadOnlyList<Shape> inputs)
    {
        for (int i = 1; i < inputs.Count; i++)
            if (inputs[i] != inputs[0])
                throw new ArgumentException($"inputs must have one shape, got {inputs[0]} and {inputs[i]}.");
        return inputs[0];
    }

    /// <inheritdoc/>
    public override void Forward<T>(ForwardPass<T> pass)
    {
        var y = pass.Output;
        pass.Input(0).CopyTo(y, 0);
        for (int k = 1; k < pass.Node.Inputs.Count; k++)
        {
            var x = pass.Input(k);
            for (int i = 0; i < y.Length; i++) y[i] *= x[i];
        }
    }

    /// <inheritdoc/>
    public override void Backward<T>(BackwardPass<T> pass)
    {
        var dy = pass.OutputGradient;
        int n = pass.Node.Inputs.Count;
        for (int k = 0; k < n; k++)
        {
            if (pass.InputGradient(k) is not { } dx) continue;
            for (int i = 0; i < dx.Length; i++)
            {
                T g = dy[i];
                for (int j = 0; j < n; j++)
                    if (j != k) g *= pass.Input(j)[i];
                dx[i] += g;
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>sum over i of e_i prod over j != i of |x_j| (first order) + (n - 1) u |y| for the n - 1 rounded products.</remarks>
    public void ErrorBound(ErrorBoundPass pass)
    {
        int n = pass.Node.Inputs.Count;
        var y = pass.Output;
        for (int i = 0; i < y.Length; i++)
        {
            double e = 0;
            for (int k = 0; k < n; k++)
            {
                double term = pass.InputError(k)[i];
                for (int j = 0; j < n && term > 0; j++)
                    if (j != k) term *= Math.Abs(pass.Input(j)[i]);
                e += term;
            }
            pass.Error[i] = e + (n - 1) * ErrorBoundPass.Unit * Math.Abs(y[i]);
        }
    }

    internal static Op Read(OpAttributes a) => new MulOp();
}
