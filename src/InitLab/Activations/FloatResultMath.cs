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

    // ln 2 = Ln2HiF + Ln2LoF with Ln2HiF = 355 / 512 (9 significant bits: k Ln2HiF is exact for |k| < 2^15; Cephes' split).
    private const float Ln2HiF = 0.693359375f;
    private const float Ln2LoF = -2.12194440e-4f;

    /// <summary>
    /// e^(x - m) in float for floats x &lt;= m (the softmax's shifted scores; NaN stays NaN, differences below -104 give 0):
    /// the difference split exactly, x - m = hi + lo (TwoSum), then hi = k ln 2 + r with Cody and Waite's split ln 2 (hi - k
    /// Ln2HiF is exact by Sterbenz), r + lo carried into e^r = sum r^i / i! through r^7 (truncation 5.3e-9 relative), and the
    /// scaling 2^k applied in two halves so that a subnormal result is rounded once. Within about 1 ulp of e^(x - m) with the
    /// exact difference (the tests measure it against Math.Exp).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF ExpOfDifference<F, TF>(TF x, TF m) where F : IFloatLanes<TF> where TF : struct =>
        ExpOfDifferenceTimes<F, TF>(x, m, F.Splat(1f));

    /// <summary>
    /// f e^(x - m) as <see cref="ExpOfDifference{F, TF}"/> (f = 1 gives its bits), with the factor f (a normal float, |f| &lt;= 1)
    /// multiplied into e^r before the scaling 2^k, so that a subnormal product is rounded once, not e^(x - m) first: one
    /// rounding more than e^(x - m), and a result that is 0 exactly when f e^(x - m) is below half the least subnormal
    /// (a difference below -104 counts as -104, where f e^-104 already is).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF ExpOfDifferenceTimes<F, TF>(TF x, TF m, TF f) where F : IFloatLanes<TF> where TF : struct
    {
        TF hi = F.Sub(x, m);
        TF back = F.Sub(hi, x);
        TF lo = F.Add(F.Sub(x, F.Sub(hi, back)), F.Sub(F.Sub(F.Splat(0f), m), back));
        return ExpSplitTimes<F, TF>(hi, lo, f);
    }

    /// <summary>
    /// f e^(hi + lo) for an argument given as an unevaluated sum, hi &lt;= 0 and |lo| at most half an ulp of hi (the exact
    /// difference of <see cref="ExpOfDifferenceTimes{F, TF}"/>, or -a^2/2 split by an FMA): the reduction, polynomial and
    /// two-step scaling described there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF ExpSplitTimes<F, TF>(TF hi, TF lo, TF f) where F : IFloatLanes<TF> where TF : struct
    {
        TF tiny = F.LessThan(hi, F.Splat(-104f));
        hi = F.Select(tiny, F.Splat(-104f), hi);
        lo = F.Select(tiny, F.Splat(0f), lo);
        TF magic = F.Splat(FloatLanes.RoundingMagic);
        TF k = F.Sub(F.Fma(hi, F.Splat(1.44269504f), magic), magic);
        TF r = F.Add(F.Fma(k, F.Splat(-Ln2LoF), F.Fma(k, F.Splat(-Ln2HiF), hi)), lo);
        TF p = F.Splat(1f / 5040);
        p = F.Fma(p, r, F.Splat(1f / 720));
        p = F.Fma(p, r, F.Splat(1f / 120));
        p = F.Fma(p, r, F.Splat(1f / 24));
        p = F.Fma(p, r, F.Splat(1f / 6));
        p = F.Fma(p, r, F.Splat(0.5f));
        p = F.Fma(p, r, F.Splat(1f));
        p = F.Fma(p, r, F.Splat(1f));
        TF k1 = F.Sub(F.Fma(k, F.Splat(0.5f), magic), magic);
        return F.Mul(F.Mul(F.Mul(p, f), F.Pow2(k1)), F.Pow2(F.Sub(k, k1)));
    }
}
