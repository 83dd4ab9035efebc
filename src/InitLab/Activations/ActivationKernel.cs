using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>
/// An activation's forward and derivative in double lanes (<see cref="IDoubleLanes{TV}"/>): the one implementation behind
/// the scalar form (one lane), the double spans and the float spans (each float widened exactly, evaluated in double,
/// rounded once, so within 1 float ulp whenever the double result is within a few double ulp), unless the kernel has a
/// float-lane forward of its own (<see cref="FloatForward"/>: gelu). NaN inputs need no care: the driver passes them through.
/// </summary>
internal interface IActivationKernel
{
    TV Forward<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct;

    TV Derivative<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct;

    /// <summary>Whether float spans run <see cref="FloatForward"/> instead of <see cref="Forward"/> (a form in float lanes,
    /// accurate to a few float ulp only, cheaper than the double-precision one).</summary>
    static virtual bool HasFloatForward => false;

    /// <summary>phi(x) evaluated in float lanes (<see cref="IFloatLanes{TF}"/>, the same bits at every width) for a float x;
    /// the kernel documents its bound in ulps.</summary>
    static virtual TF FloatForward<F, TF>(TF x) where F : IFloatLanes<TF> where TF : struct => throw new NotSupportedException();
}

/// <summary>Runs an <see cref="IActivationKernel"/> over spans at a lane width; the tail runs the scalar lane.</summary>
internal static class ActivationKernel
{
    /// <summary>y[i] = phi(x[i]) (or phi'(x[i])) at <paramref name="width"/>; the bits do not depend on the width.</summary>
    public static void Apply<K, T>(in K kernel, bool derivative, ReadOnlySpan<T> x, Span<T> y, LaneWidth width)
        where K : struct, IActivationKernel where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            var xd = MemoryMarshal.Cast<T, double>(x);
            var yd = MemoryMarshal.Cast<T, double>(y);
            switch (width)
            {
                case LaneWidth.V512: RunDouble<K, DoubleLanes512, Vector512<double>>(kernel, derivative, xd, yd); break;
                case LaneWidth.V256: RunDouble<K, DoubleLanes256, Vector256<double>>(kernel, derivative, xd, yd); break;
                case LaneWidth.V128: RunDouble<K, DoubleLanes128, Vector128<double>>(kernel, derivative, xd, yd); break;
                default: RunDouble<K, ScalarDouble, double>(kernel, derivative, xd, yd); break;
            }
        }
        else if (typeof(T) == typeof(float))
        {
            var xf = MemoryMarshal.Cast<T, float>(x);
            var yf = MemoryMarshal.Cast<T, float>(y);
            if (!derivative && K.HasFloatForward)
            {
                switch (width)
                {
                    case LaneWidth.V512: RunFloatLanes<K, FloatLanes512, Vector512<float>>(xf, yf); break;
                    case LaneWidth.V256: RunFloatLanes<K, FloatLanes256, Vector256<float>>(xf, yf); break;
                    case LaneWidth.V128: RunFloatLanes<K, FloatLanes128, Vector128<float>>(xf, yf); break;
                    default: RunFloatLanes<K, ScalarFloat, float>(xf, yf); break;
                }
                return;
            }
            switch (width)
            {
                case LaneWidth.V512: RunFloat<K, DoubleLanes512, Vector512<double>>(kernel, derivative, xf, yf); break;
                case LaneWidth.V256: RunFloat<K, DoubleLanes256, Vector256<double>>(kernel, derivative, xf, yf); break;
                case LaneWidth.V128: RunFloat<K, DoubleLanes128, Vector128<double>>(kernel, derivative, xf, yf); break;
                default: RunFloat<K, ScalarDouble, double>(kernel, derivative, xf, yf); break;
            }
        }
        else
        {
            for (int i = 0; i < x.Length; i++) y[i] = T.CreateTruncating(Scalar(kernel, derivative, double.CreateTruncating(x[i])));
        }
    }

    /// <summary>The kernel on one double (the one-lane instantiation the vector widths reproduce).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Scalar<K>(in K kernel, bool derivative, double x) where K : struct, IActivationKernel =>
        Evaluate<K, ScalarDouble, double>(kernel, derivative, x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Evaluate<K, L, TV>(in K kernel, bool derivative, TV x)
        where K : struct, IActivationKernel where L : IDoubleLanes<TV> where TV : struct
    {
        TV y = derivative ? kernel.Derivative<L, TV>(x) : kernel.Forward<L, TV>(x);
        return L.Select(L.Equal(x, x), y, x); // NaN in, the same NaN out
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TF FloatEvaluate<K, F, TF>(TF x) where K : struct, IActivationKernel where F : IFloatLanes<TF> where TF : struct =>
        F.Select(F.Equal(x, x), K.FloatForward<F, TF>(x), x); // NaN in, the same NaN out

    private static void RunDouble<K, L, TV>(in K kernel, bool derivative, ReadOnlySpan<double> x, Span<double> y)
        where K : struct, IActivationKernel where L : IDoubleLanes<TV> where TV : struct
    {
        ref double xs = ref MemoryMarshal.GetReference(x);
        ref double ys = ref MemoryMarshal.GetReference(y);
        int i = 0;
        // Element i is read before element i is written, so y may be x itself.
        for (; i <= x.Length - L.Count; i += L.Count)
            L.Store(Evaluate<K, L, TV>(kernel, derivative, L.Load(ref Unsafe.Add(ref xs, i))), ref Unsafe.Add(ref ys, i));
        for (; i < x.Length; i++)
            Unsafe.Add(ref ys, i) = Scalar(kernel, derivative, Unsafe.Add(ref xs, i));
    }

    /// <summary>The float-lane forward over a float span; the tail runs the one-float lane, so an element's bits do not depend
    /// on where it sits or on the width.</summary>
    private static void RunFloatLanes<K, F, TF>(ReadOnlySpan<float> x, Span<float> y)
        where K : struct, IActivationKernel where F : IFloatLanes<TF> where TF : struct
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int i = 0;
        // Element i is read before element i is written, so y may be x itself.
        for (; i <= x.Length - F.Count; i += F.Count)
            F.Store(FloatEvaluate<K, F, TF>(F.Load(ref Unsafe.Add(ref xs, i))), ref Unsafe.Add(ref ys, i));
        for (; i < x.Length; i++)
            Unsafe.Add(ref ys, i) = FloatEvaluate<K, ScalarFloat, float>(Unsafe.Add(ref xs, i));
    }

    private static void RunFloat<K, L, TV>(in K kernel, bool derivative, ReadOnlySpan<float> x, Span<float> y)
        where K : struct, IActivationKernel where L : IDoubleLanes<TV> where TV : struct
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int i = 0;
        for (; i <= x.Length - L.Count; i += L.Count)
            L.StoreNarrowed(Evaluate<K, L, TV>(kernel, derivative, L.LoadWidened(ref Unsafe.Add(ref xs, i))), ref Unsafe.Add(ref ys, i));
        for (; i < x.Length; i++)
            Unsafe.Add(ref ys, i) = (float)Scalar(kernel, derivative, Unsafe.Add(ref xs, i));
    }
}

/// <summary>A built-in activation whose scalar and span forms all run one <see cref="IActivationKernel"/>.</summary>
internal abstract class KernelActivation<K>(K kernel) : Activation where K : struct, IActivationKernel
{
    private readonly K _kernel = kernel;

    /// <inheritdoc/>
    public sealed override double Forward(double x) => ActivationKernel.Scalar(_kernel, false, x);

    /// <inheritdoc/>
    public sealed override double Derivative(double x) => ActivationKernel.Scalar(_kernel, true, x);

    private protected sealed override void ForwardCore<T>(ReadOnlySpan<T> x, Span<T> y) =>
        ActivationKernel.Apply(_kernel, false, x, y, DoubleLanes.Best);

    private protected sealed override void DerivativeCore<T>(ReadOnlySpan<T> x, Span<T> y) =>
        ActivationKernel.Apply(_kernel, true, x, y, DoubleLanes.Best);

    internal sealed override void ApplyAt<T>(bool derivative, ReadOnlySpan<T> x, Span<T> y, LaneWidth width)
    {
        Guard.Length(y.Length, x.Length);
        ActivationKernel.Apply(_kernel, derivative, x, y, width);
    }
}
