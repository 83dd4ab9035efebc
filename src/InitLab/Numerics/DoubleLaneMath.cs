using System.Runtime.CompilerServices;

namespace InitLab.Numerics;

/// <summary>
/// Elementary and normal-distribution functions in double precision, written once over <see cref="IDoubleLanes{TV}"/>
/// so that the scalar and every vector width evaluate the same sequence of exactly rounded operations. Each function is
/// accurate in relative terms over its whole domain (the tests compare with 50-digit references):
/// <see cref="Exp"/> and <see cref="Expm1"/> within 1 ulp, <see cref="Log1pUnit"/> within 1 ulp,
/// <see cref="NormalTail"/> and <see cref="MillsRatio"/> within 3 ulp (Q down to where it underflows), <see cref="Erf"/>
/// within 2 ulp. No tables, no branches: lanes choose by masks.
/// </summary>
internal static class DoubleLaneMath
{
    private const double Log2E = 1.4426950408889634;

    // ln 2 = Ln2Hi + Ln2Lo with Ln2Hi's 32 significant bits, so k Ln2Hi is exact for |k| < 2^21 (fdlibm's split).
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;

    /// <summary>1 / sqrt(2 pi).</summary>
    public const double InvSqrt2Pi = 0.3989422804014327;

    /// <summary>2 / sqrt(pi).</summary>
    public const double TwoOverSqrtPi = 1.1283791670955126;

    /// <summary>sqrt(2).</summary>
    public const double Sqrt2 = 1.4142135623730951;

    /// <summary>x rounded to the nearest integer (ties to even), for |x| &lt; 2^51.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV RoundToInteger<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct =>
        L.Sub(L.Add(x, L.Splat(DoubleLanes.RoundingMagic)), L.Splat(DoubleLanes.RoundingMagic));

    /// <summary>min(x, limit) for a finite limit; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV AtMost<L, TV>(TV x, double limit) where L : IDoubleLanes<TV> where TV : struct =>
        L.Select(L.LessThan(L.Splat(limit), x), L.Splat(limit), x);

    /// <summary>max(x, limit) for a finite limit; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV AtLeast<L, TV>(TV x, double limit) where L : IDoubleLanes<TV> where TV : struct =>
        L.Select(L.LessThan(x, L.Splat(limit)), L.Splat(limit), x);

    /// <summary>e^x for every x (overflow to +inf above 709.78, gradual underflow to 0 below -708).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct => ExpTimes<L, TV>(x, L.Splat(1.0));

    /// <summary>
    /// m e^x for |m| in [2^-400, 2^400] (or 0) with one rounding of the scaled result: x = k ln 2 + r, |r| &lt;= ln 2 / 2
    /// (Cody and Waite's reduction with the split ln 2), e^r = 1 + (e^r - 1) by its Taylor polynomial through r^14, then
    /// (m e^r) 2^k1 2^k2 with k1 + k2 = k, so that 2^k never overflows while the product does and a subnormal result is
    /// rounded once (folding a factor m into the exponential avoids rounding e^x to a subnormal and
    /// then scaling its error up). x is clamped to [-1400, 710], beyond which the result is 0 or +-inf anyway.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV ExpTimes<L, TV>(TV x, TV m) where L : IDoubleLanes<TV> where TV : struct
    {
        x = AtMost<L, TV>(AtLeast<L, TV>(x, -1400.0), 710.0);
        TV k = Reduce<L, TV>(x, out TV r);
        TV p = L.Add(L.Splat(1.0), ExpMinusOneReduced<L, TV>(r));
        TV k1 = RoundToInteger<L, TV>(L.Mul(k, L.Splat(0.5)));
        TV k2 = L.Sub(k, k1);
        return L.Mul(L.Mul(L.Mul(p, m), L.Pow2(k1)), L.Pow2(k2));
    }

    /// <summary>
    /// e^x - 1 with full relative accuracy near 0, for x &lt;= 40 (callers clamp; below -60 the result is -1 to double
    /// precision): x = k ln 2 + r as in <see cref="ExpTimes"/>, e^r - 1 = r + r^2 P(r) through r^14, then
    /// 2^k (e^r - 1) + (2^k - 1) in one fused step; k = 0 returns e^r - 1 itself (so the sign of -0 survives).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Expm1<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        x = AtMost<L, TV>(AtLeast<L, TV>(x, -60.0), 40.0);
        TV k = Reduce<L, TV>(x, out TV r);
        TV em = ExpMinusOneReduced<L, TV>(r);
        TV two = L.Pow2(k);
        TV scaled = L.Fma(two, em, L.Sub(two, L.Splat(1.0)));
        return L.Select(L.Equal(k, L.Splat(0.0)), em, scaled);
    }

    /// <summary>x = k ln 2 + r with k = round(x / ln 2) and |r| &lt;= ln 2 / 2 (Cody and Waite: x - k Ln2Hi is exact by
    /// Sterbenz since k Ln2Hi has at most 43 significant bits; r = 0 exactly for k = 0, so tiny x keep every bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Reduce<L, TV>(TV x, out TV r) where L : IDoubleLanes<TV> where TV : struct
    {
        TV k = RoundToInteger<L, TV>(L.Mul(x, L.Splat(Log2E)));
        r = L.Fma(k, L.Splat(-Ln2Lo), L.Fma(k, L.Splat(-Ln2Hi), x));
        return k;
    }

    /// <summary>e^r - 1 = r + r^2 P(r) for |r| &lt;= ln 2 / 2, P the Taylor polynomial through r^14 / 14! (truncation below
    /// 1e-18 relative to r); relative accuracy down to subnormal r, which returns r itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpMinusOneReduced<L, TV>(TV r) where L : IDoubleLanes<TV> where TV : struct
    {
        TV p = L.Splat(1.0 / 87178291200);                 // 1/14!
        p = L.Fma(p, r, L.Splat(1.0 / 6227020800));
        p = L.Fma(p, r, L.Splat(1.0 / 479001600));
        p = L.Fma(p, r, L.Splat(1.0 / 39916800));
        p = L.Fma(p, r, L.Splat(1.0 / 3628800));
        p = L.Fma(p, r, L.Splat(1.0 / 362880));
        p = L.Fma(p, r, L.Splat(1.0 / 40320));
        p = L.Fma(p, r, L.Splat(1.0 / 5040));
        p = L.Fma(p, r, L.Splat(1.0 / 720));
        p = L.Fma(p, r, L.Splat(1.0 / 120));
        p = L.Fma(p, r, L.Splat(1.0 / 24));
        p = L.Fma(p, r, L.Splat(1.0 / 6));
        p = L.Fma(p, r, L.Splat(0.5));
        return L.Fma(L.Mul(r, r), p, r);
    }

    /// <summary>
    /// ln(1 + t) for t in [0, 1]: u = 1 + t and its exact rounding error c = t - (u - 1); u = 2^e (1 + f) with
    /// 1 + f in [sqrt(1/2), sqrt(2)); ln(1 + f) = f - s (f - 2 (s^2/3 + s^4/5 + ... + s^22/23)), s = f / (2 + f)
    /// (the atanh series, |s| &lt;= 0.172, truncation below 1e-18); then e ln 2 + ln(1 + f) + c / u.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Log1pUnit<L, TV>(TV t) where L : IDoubleLanes<TV> where TV : struct
    {
        TV one = L.Splat(1.0);
        TV u = L.Add(one, t);
        TV c = L.Sub(t, L.Sub(u, one));                     // exact: Fast2Sum with 1 >= t
        TV big = L.LessThan(L.Splat(1.4142135623730951), u);
        TV f = L.Select(big, L.Sub(L.Mul(u, L.Splat(0.5)), one), L.Sub(u, one));   // both exact
        TV e = L.Select(big, one, L.Splat(0.0));
        TV s = L.Div(f, L.Add(L.Splat(2.0), f));
        TV z = L.Mul(s, s);
        TV q = L.Splat(2.0 / 23);
        q = L.Fma(q, z, L.Splat(2.0 / 21));
        q = L.Fma(q, z, L.Splat(2.0 / 19));
        q = L.Fma(q, z, L.Splat(2.0 / 17));
        q = L.Fma(q, z, L.Splat(2.0 / 15));
        q = L.Fma(q, z, L.Splat(2.0 / 13));
        q = L.Fma(q, z, L.Splat(2.0 / 11));
        q = L.Fma(q, z, L.Splat(2.0 / 9));
        q = L.Fma(q, z, L.Splat(2.0 / 7));
        q = L.Fma(q, z, L.Splat(2.0 / 5));
        q = L.Fma(q, z, L.Splat(2.0 / 3));
        q = L.Mul(q, z);
        TV log1pF = L.Fma(L.Sub(L.Splat(0.0), s), L.Sub(f, q), f);
        TV low = L.Fma(e, L.Splat(Ln2Lo), L.Div(c, u));
        return L.Fma(e, L.Splat(Ln2Hi), L.Add(log1pF, low));
    }

    /// <summary>The standard normal upper tail Q(z) = P(Z &gt; z) for z &gt;= 0; see <see cref="NormalTailTimes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV NormalTail<L, TV>(TV z) where L : IDoubleLanes<TV> where TV : struct => NormalTailTimes<L, TV>(z, L.Splat(1.0));

    /// <summary>c Q(z), Q(z) = P(Z &gt; z) = erfc(z / sqrt 2) / 2 for z &gt;= 0 (+inf gives 0) and |c| up to 2^400:
    /// c phi(z) M(z) with <see cref="MillsRatio"/>, in relative terms down to Q's underflow at z = 38.5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV NormalTailTimes<L, TV>(TV z, TV c) where L : IDoubleLanes<TV> where TV : struct
    {
        z = AtMost<L, TV>(z, 40.0);
        return NormalPdfTimes<L, TV>(z, L.Mul(MillsRatio<L, TV>(z), c));
    }

    /// <summary>
    /// The Mills ratio M(z) = Q(z) / phi(z) for z in [0, 40] (within 3 ulp): M(z) = t h(t) with t = 5 / (5 + z) and h a
    /// degree-24 polynomial in s = 2.25 t - 1.25 fitted by Chebyshev interpolation on that range
    /// (tools/fit_normal_tail.py; relative error 1.4e-16). Q(z) = phi(z) M(z), where phi(z) = e^(-z^2/2) / sqrt(2 pi)
    /// uses z^2 split exactly with an FMA (<see cref="NormalPdfTimes"/>), so the rounding of z^2 (which would cost
    /// z^2 ulp) never reaches the exponential.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV MillsRatio<L, TV>(TV z) where L : IDoubleLanes<TV> where TV : struct
    {
        TV t = L.Div(L.Splat(5.0), L.Add(L.Splat(5.0), z));
        TV s = L.Fma(t, L.Splat(2.25), L.Splat(-1.25));
        TV h = L.Splat(-5.861800066455114e-13);
        h = L.Fma(h, s, L.Splat(1.2315361949520358e-11));
        h = L.Fma(h, s, L.Splat(-3.39833252292822e-12));
        h = L.Fma(h, s, L.Splat(-1.6096238953318742e-10));
        h = L.Fma(h, s, L.Splat(1.4410218718070482e-10));
        h = L.Fma(h, s, L.Splat(1.3232802823818347e-09));
        h = L.Fma(h, s, L.Splat(-1.903667421270373e-09));
        h = L.Fma(h, s, L.Splat(-1.0008726982306616e-08));
        h = L.Fma(h, s, L.Splat(1.8745513291092737e-08));
        h = L.Fma(h, s, L.Splat(8.325213322960546e-08));
        h = L.Fma(h, s, L.Splat(-1.5752492982493215e-07));
        h = L.Fma(h, s, L.Splat(-8.18088723744351e-07));
        h = L.Fma(h, s, L.Splat(9.933492832795065e-07));
        h = L.Fma(h, s, L.Splat(9.179068214433027e-06));
        h = L.Fma(h, s, L.Splat(2.018799548593183e-06));
        h = L.Fma(h, s, L.Splat(-9.944371909312603e-05));
        h = L.Fma(h, s, L.Splat(-0.00026638046037889596));
        h = L.Fma(h, s, L.Splat(0.00044730079808828326));
        h = L.Fma(h, s, L.Splat(0.005634027674858084));
        h = L.Fma(h, s, L.Splat(0.023281487449324005));
        h = L.Fma(h, s, L.Splat(0.06491247336346753));
        h = L.Fma(h, s, L.Splat(0.13942843144067074));
        h = L.Fma(h, s, L.Splat(0.2428296061552712));
        h = L.Fma(h, s, L.Splat(0.35116103836548745));
        h = L.Fma(h, s, L.Splat(0.4259742892444092));
        return L.Mul(t, h);
    }

    /// <summary>
    /// erf(x): the Maclaurin series through x^31 for |x| &lt; 0.75 (truncation below 5e-18 relative, relative accuracy
    /// down to subnormal x) and 1 - 2 Q(sqrt 2 |x|) above (erf &gt; 0.71 there, so Q's error stays relative), with the
    /// sign of x (exactly odd). Within 2 ulp.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Erf<L, TV>(TV x) where L : IDoubleLanes<TV> where TV : struct
    {
        TV a = L.Abs(x);
        TV z = L.Mul(a, a);
        // (2 / sqrt pi) sum_n (-1)^n x^(2n+1) / (n! (2n + 1)), coefficients rounded from 40-digit values.
        TV p = L.Splat(-2.7835162072109215e-14);
        p = L.Fma(p, z, L.Splat(4.4632242632864775e-13));
        p = L.Fma(p, z, L.Splat(-6.7113668551641105e-12));
        p = L.Fma(p, z, L.Splat(9.422759064650411e-11));
        p = L.Fma(p, z, L.Splat(-1.2290555301717928e-09));
        p = L.Fma(p, z, L.Splat(1.4807192815879218e-08));
        p = L.Fma(p, z, L.Splat(-1.6365844691234924e-07));
        p = L.Fma(p, z, L.Splat(1.6462114365889248e-06));
        p = L.Fma(p, z, L.Splat(-1.492565035840625e-05));
        p = L.Fma(p, z, L.Splat(0.00012055332981789664));
        p = L.Fma(p, z, L.Splat(-0.0008548327023450853));
        p = L.Fma(p, z, L.Splat(0.005223977625442188));
        p = L.Fma(p, z, L.Splat(-0.026866170645131252));
        p = L.Fma(p, z, L.Splat(0.11283791670955126));
        p = L.Fma(p, z, L.Splat(-0.37612638903183754));
        TV series = L.Fma(L.Mul(p, z), a, L.Mul(a, L.Splat(TwoOverSqrtPi)));
        TV tail = L.Sub(L.Splat(1.0), L.Mul(NormalTail<L, TV>(L.Mul(a, L.Splat(Sqrt2))), L.Splat(2.0)));
        return L.CopySign(L.Select(L.LessThan(a, L.Splat(0.75)), series, tail), x);
    }

    /// <summary>
    /// c phi(z) = c e^(-z^2/2) / sqrt(2 pi) for |c| up to 2^400 and any z: z^2 = hi + lo exactly (lo by an FMA), and
    /// e^(-lo/2) = 1 - lo/2 to double precision since |lo| &lt;= ulp(z^2) / 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV NormalPdfTimes<L, TV>(TV z, TV c) where L : IDoubleLanes<TV> where TV : struct
    {
        z = AtMost<L, TV>(L.Abs(z), 60.0); // e^-1800 is 0: keeps z^2 finite for z = inf
        TV hi = L.Mul(z, z);
        TV lo = L.Fma(z, z, L.Sub(L.Splat(0.0), hi));
        TV m = L.Mul(c, L.Splat(InvSqrt2Pi));
        m = L.Fma(m, L.Mul(lo, L.Splat(-0.5)), m);
        return ExpTimes<L, TV>(L.Mul(hi, L.Splat(-0.5)), m);
    }

    /// <summary>c e^(-x^2) for |c| up to 2^400 and any x, with the exact split of x^2 as in <see cref="NormalPdfTimes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV GaussianTimes<L, TV>(TV x, TV c) where L : IDoubleLanes<TV> where TV : struct
    {
        x = AtMost<L, TV>(L.Abs(x), 60.0);
        TV hi = L.Mul(x, x);
        TV lo = L.Fma(x, x, L.Sub(L.Splat(0.0), hi));
        TV m = L.Fma(c, L.Sub(L.Splat(0.0), lo), c);
        return ExpTimes<L, TV>(L.Sub(L.Splat(0.0), hi), m);
    }
}
