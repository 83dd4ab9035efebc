using InitLab.Tensors;

namespace InitLab.Networks.Ops;

/// <summary>
/// The shared half of batch, layer, group and RMS norm: an op that splits its input into sets (<see cref="Layout"/>), normalizes
/// each, and applies parameter 0 as gamma (when <see cref="HasScale"/>) and the next as beta (when <see cref="HasShift"/>).
/// </summary>
public abstract class NormalizationOp : Op
{
    private protected NormalizationOp() { }

    /// <summary>Whether gamma exists (the op's first parameter).</summary>
    private protected abstract bool HasScale { get; }

    /// <summary>Whether beta exists (the parameter after gamma).</summary>
    private protected abstract bool HasShift { get; }

    /// <summary>The sets an input of <paramref name="input"/> shape and <paramref name="batch"/> examples splits into.</summary>
    private protected abstract Normalization Layout(Shape input, int batch);

    /// <inheritdoc/>
    public sealed override void Forward<T>(ForwardPass<T> pass) =>
        pass.State = Layout(pass.InputShape(0), pass.Batch).Forward(pass.Input(0), pass.Output,
            HasScale ? pass.Parameter(0) : null, HasShift ? pass.Parameter(HasScale ? 1 : 0) : null, pass.Threads);

    /// <inheritdoc/>
    public sealed override void Backward<T>(BackwardPass<T> pass) =>
        Layout(pass.InputShape(0), pass.Batch).Backward(pass.Input(0), pass.OutputGradient, ((double[], double[]))pass.State!,
            HasScale ? pass.Parameter(0) : null, pass.InputGradient(0), HasScale ? pass.ParameterGradient(0) : null,
            HasShift ? pass.ParameterGradient(HasScale ? 1 : 0) : null, pass.Threads);
}
