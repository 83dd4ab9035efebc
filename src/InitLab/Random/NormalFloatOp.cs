using System.Runtime.CompilerServices;

namespace InitLab.Random;

/// <summary>
/// N(mean, std^2) by the Box-Muller transform (Box and Muller, 1958) of one word pair:
/// r = sqrt(-2 ln u1), u1 = ((a &gt;&gt; 8) + 1) 2^-24 in (0, 1], theta = 2 pi (b &gt;&gt; 8) 2^-24;
/// ya = fma(r cos theta, std, mean), yb = fma(r sin theta, std, mean). Log and sin/cos are the float polynomials
/// of <see cref="LaneMath"/>.
/// </summary>
internal readonly struct NormalFloatOp(float mean, float std) : IFloatPairOp
{
    private readonly float _mean = mean, _std = std;

    /// <inheritdoc/>
    public static bool InterleaveTwoGroups => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Apply<S, TF, TU>(TU a, TU b, out TF ya, out TF yb) where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        TF u1 = S.Mul(S.ToFloat(S.AddU(S.ShiftRightLogical(a, 8), S.SplatU(1))), S.SplatF(PhiloxFill.Inv24));
        TF r = S.Sqrt(S.Mul(LaneMath.Log<S, TF, TU>(u1), S.SplatF(-2f)));
        LaneMath.SinCosTurns<S, TF, TU>(S.ShiftRightLogical(b, 8), out TF cos, out TF sin);
        ya = S.Fma(S.Mul(r, cos), S.SplatF(_std), S.SplatF(_mean));
        yb = S.Fma(S.Mul(r, sin), S.SplatF(_std), S.SplatF(_mean));
    }
}
