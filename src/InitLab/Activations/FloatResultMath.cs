using System.Runtime.CompilerServices;
using InitLab.Numerics;

namespace InitLab.Activations;

/// <summary>
/// Double-lane functions for results that are rounded to float afterwards (the float span forms of activations and the
/// softmax): accurate to about 1e-12 relative instead of the double ulp of <see cref="DoubleLaneMath"/>, so a float
/// rounded from them is within 0.5 ulp + 1e-12 relative of the exact value, at about half the operations. Written once
/// over <see cref="IDoubleLanes{TV}"/>: every width and the scalar lane give the same bits.
/// </summary>
internal static class FloatResultMath
{
    private const double Log2E = 1.4426950408889634;

    // ln 2 = Ln2Hi + Ln2Lo, Ln2Hi with 32 significant bits so that k Ln2Hi is exact (fdlibm's split).
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;

    /// <summary>
    /// m e^z for z &lt;= 0 (NaN stays NaN; z below -700 is taken as -700, where e^z 2^400 is still 0 in float) and
    /// |m| &lt;= 2^400: z = k ln 2 + r, |r| &lt;= ln 2 / 2 (Cody and Waite with the split ln 2), e^r by its Taylor polynomial
    /// through r^10 (truncation 2.3e-13 relative), then (m e^r) 2^k: relative error below 3e-13 (a few double roundings more).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpTimes<L, TV>(TV z, TV m) where L : IDoubleLanes<TV> where TV : struct
    {
        z = L.Select(L.LessThan(z, L.Splat(-700.0)), L.Splat(-700.0), z);
        TV k = L.Sub(L.Fma(z, L.Splat(Log2E), L.Splat(DoubleLanes.RoundingMagic)), L.Splat(DoubleLanes.RoundingMagic));
        TV r = L.Fma(k, L.Splat(-Ln2Lo), L.Fma(k, L.Splat(-Ln2Hi), z));
        TV p = L.Splat(1.0 / 3628800);
        p = L.Fma(p, r, L.Splat(1.0 / 362880));
        p = L.Fma(p, r, L.Splat(1.0 / 40320));
        p = L.Fma(p, r, L.Splat(1.0 / 5040));
        p = L.Fma(p, r, L.Splat(1.0 / 720));
        p = L.Fma(p, r, L.Splat(1.0 / 120));
        p = L.Fma(p, r, L.Splat(1.0 / 24));
        p = L.Fma(p, r, L.Splat(1.0 / 6));
        p = L.Fma(p, r, L.Splat(0.5));
        p = L.Fma(p, r, L.Splat(1.0));
        p = L.Fma(p, r, L.Splat(1.0));
        return L.Mul(L.Mul(p, m), L.Pow2(k));
    }
}
