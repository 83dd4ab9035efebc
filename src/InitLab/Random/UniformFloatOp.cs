using System.Runtime.CompilerServices;

namespace InitLab.Random;

/// <summary>U[low, high): y = fma(u, high - low, low) with u = (x &gt;&gt; 8) 2^-24 in [0, 1); a result that rounds
/// up to <c>high</c> is replaced by the largest float below it.</summary>
internal readonly struct UniformFloatOp(float low, float high) : IFloatPairOp
{
    private readonly float _low = low, _width = high - low, _high = high, _below = MathF.BitDecrement(high);

    /// <inheritdoc/>
    public static bool InterleaveTwoGroups => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<S, TF, TU>(TU a, TU b, out TF ya, out TF yb) where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        ya = Map<S, TF, TU>(a);
        yb = Map<S, TF, TU>(b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private TF Map<S, TF, TU>(TU x) where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        TF u = S.Mul(S.ToFloat(S.ShiftRightLogical(x, 8)), S.SplatF(PhiloxFill.Inv24));
        TF y = S.Fma(u, S.SplatF(_width), S.SplatF(_low));
        return S.Select(S.LessThan(y, S.SplatF(_high)), y, S.SplatF(_below));
    }
}
