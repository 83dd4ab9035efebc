using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// The shared half of batch, layer, group and RMS norm: an op that splits its input into sets (<see cref="Layout"/>), normalizes
/// each, and applies parameter 0 as gamma (when <see cref="HasScale"/>) and the next as beta (when <see cref="HasShift"/>).
/// </summary>
public abstract class NormalizationOp : Op, IErrorBoundRule
{
    private protected NormalizationOp() { }

    /// <summary>Whether gamma exists (the op's first parameter).</summary>
    private protected abstract bool HasScale { get; }

    /// <summary>Whether beta exists (the parameter after gamma).</summary>
    private protected abstract bool HasShift { get; }

    /// <summary>The sets an input of <paramref name="input"/> shape and <paramref name="batch"/> examples splits into.</summary>
    private protected abstract Normalization Layout(Shape input, int batch);

    /// <summary>
    /// The index of the parameter holding each set's given mean (the next holds its variance), or -1 when the op normalizes by
    /// the measured statistics (batch norm in inference mode uses its running statistics).
    /// </summary>
    private protected virtual int StatisticsParameter => -1;

    private Normalization Layout<T>(Shape input, int batch, Func<int, T[]> parameter) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var layout = Layout(input, batch);
        if (StatisticsParameter >= 0)
            layout.Fixed = (Array.ConvertAll(parameter(StatisticsParameter), v => double.CreateTruncating(v)),
                Array.ConvertAll(parameter(StatisticsParameter + 1), v => double.CreateTruncating(v)));
        return layout;
    }

    /// <inheritdoc/>
    public sealed override void Forward<T>(ForwardPass<T> pass) =>
        pass.State = Layout<T>(pass.InputShape(0), pass.Batch, pass.Parameter).Forward(pass.Input(0), pass.Output,
            HasScale ? pass.Parameter(0) : null, HasShift ? pass.Parameter(HasScale ? 1 : 0) : null, pass.Threads);

    /// <inheritdoc/>
    /// <remarks>See <see cref="Normalization.ErrorBound"/>.</remarks>
    public void ErrorBound(ErrorBoundPass pass) =>
        Layout<double>(pass.Node.InputShapes[0], pass.Batch, pass.Parameter).ErrorBound(pass.Input(0), pass.InputError(0), pass.Output,
            HasScale ? pass.Parameter(0) : null, HasShift ? pass.Parameter(HasScale ? 1 : 0) : null, pass.Error);

    /// <inheritdoc/>
    public sealed override void Backward<T>(BackwardPass<T> pass)
    {
        Layout<T>(pass.InputShape(0), pass.Batch, pass.Parameter).Backward(pass.Input(0), pass.OutputGradient, ((double[], double[]))pass.State!,
            HasScale ? pass.Parameter(0) : null, pass.InputGradient(0), HasScale ? pass.ParameterGradient(0) : null,
            HasShift ? pass.ParameterGradient(HasScale ? 1 : 0) : null, pass.Threads);
        // Running statistics are buffers, not trained by gradient descent: their gradient is zero.
        if (StatisticsParameter >= 0)
        {
            Array.Clear(pass.ParameterGradient(StatisticsParameter));
            Array.Clear(pass.ParameterGradient(StatisticsParameter + 1));
        }
    }
}
