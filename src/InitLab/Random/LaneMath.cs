using System.Runtime.CompilerServices;

namespace InitLab.Random;

/// <summary>
/// Float polynomial approximations used by the fills, written once over <see cref="ILanes{TF,TU}"/> so that every
/// lane width evaluates the same FMA sequence and rounds identically. Accuracy (checked against double in the tests):
/// <see cref="Log"/> within 2 ulp, <see cref="SinCosTurns"/> within 2e-7 absolute, <see cref="NormalQuantile"/> within 1e-6 relative.
/// </summary>
internal static class LaneMath
{
    /// <summary>
    /// Natural logarithm for finite x &gt; 0 (normal numbers): x = m 2^e with m in [sqrt(1/2), sqrt(2)),
    /// log x = e ln 2 + log(1 + f), f = m - 1, with the Cephes single-precision minimax polynomial
    /// log(1 + f) = f - f^2/2 + f^3 P(f) and ln 2 split in two parts so e ln 2 adds no rounding error.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF Log<S, TF, TU>(TF x) where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        // Subtracting the bits of sqrt(1/2) puts the exponent of x / sqrt(1/2) in the top bits: e, and a
        // mantissa that, re-biased, lies in [sqrt(1/2), sqrt(2)).
        const uint SqrtHalfBits = 0x3F3504F3;
        TU ix = S.SubU(S.AsBits(x), S.SplatU(SqrtHalfBits));
        TF e = S.ToFloat(S.ShiftRightArithmetic(ix, 23));
        TF m = S.AsFloat(S.AddU(S.And(ix, S.SplatU(0x007FFFFF)), S.SplatU(SqrtHalfBits)));
        TF f = S.Sub(m, S.SplatF(1f));       // exact (Sterbenz)
        TF z = S.Mul(f, f);
        TF p = S.SplatF(7.0376836292e-2f);
        p = S.Fma(p, f, S.SplatF(-1.1514610310e-1f));
        p = S.Fma(p, f, S.SplatF(1.1676998740e-1f));
        p = S.Fma(p, f, S.SplatF(-1.2420140846e-1f));
        p = S.Fma(p, f, S.SplatF(1.4249322787e-1f));
        p = S.Fma(p, f, S.SplatF(-1.6668057665e-1f));
        p = S.Fma(p, f, S.SplatF(2.0000714765e-1f));
        p = S.Fma(p, f, S.SplatF(-2.4999993993e-1f));
        p = S.Fma(p, f, S.SplatF(3.3333331174e-1f));
        TF y = S.Mul(S.Mul(p, f), z);
        y = S.Fma(e, S.SplatF(-2.12194440e-4f), y);
        y = S.Fma(z, S.SplatF(-0.5f), y);
        TF r = S.Add(f, y);
        return S.Fma(e, S.SplatF(0.693359375f), r);
    }

    /// <summary>
    /// cos(2 pi t) and sin(2 pi t) for t = j 2^-24, j the low 24 bits of <paramref name="j"/>. The angle is reduced in
    /// integer arithmetic to the nearest quarter turn q and a remainder s in [-1/8, 1/8) turns (both exact), then
    /// x = 2 pi s in [-pi/4, pi/4] goes through the Cephes sinf/cosf minimax polynomials and the quadrant is restored
    /// by swapping and negating. Reducing in turns first avoids the error of forming 2 pi t in float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SinCosTurns<S, TF, TU>(TU j, out TF cos, out TF sin) where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        TU q = S.ShiftRightLogical(S.AddU(j, S.SplatU(1u << 21)), 22);            // nearest quarter, 0..4
        TU rem = S.SubU(j, S.ShiftLeft(q, 22));                                   // signed, |rem| <= 2^21
        TF x = S.Mul(S.Mul(S.ToFloat(rem), S.SplatF(1f / 16777216f)), S.SplatF(6.28318530717958648f));
        TF z = S.Mul(x, x);

        TF ps = S.SplatF(-1.9515295891e-4f);
        ps = S.Fma(ps, z, S.SplatF(8.3321608736e-3f));
        ps = S.Fma(ps, z, S.SplatF(-1.6666654611e-1f));
        TF sx = S.Fma(S.Mul(ps, z), x, x);

        TF pc = S.SplatF(2.443315711809948e-5f);
        pc = S.Fma(pc, z, S.SplatF(-1.388731625493765e-3f));
        pc = S.Fma(pc, z, S.SplatF(4.166664568298827e-2f));
        TF cx = S.Fma(S.Mul(pc, z), z, S.Fma(z, S.SplatF(-0.5f), S.SplatF(1f)));

        // Quadrant q: (cos, sin)(q pi/2 + x) = (c, s), (-s, c), (-c, -s), (s, -c).
        TU swap = S.SubU(S.SplatU(0), S.And(q, S.SplatU(1)));
        TF c = S.Select(swap, sx, cx);
        TF s = S.Select(swap, cx, sx);
        TU cosSign = S.ShiftLeft(S.And(S.AddU(q, S.SplatU(1)), S.SplatU(2)), 30);
        TU sinSign = S.ShiftLeft(S.And(q, S.SplatU(2)), 30);
        cos = S.AsFloat(S.Xor(S.AsBits(c), cosSign));
        sin = S.AsFloat(S.Xor(S.AsBits(s), sinSign));
    }

    /// <summary>
    /// sqrt(2) erfinv(p - q) for p, q &gt; 0 with p + q = 1, i.e. the standard normal quantile Phi^-1(p), by Giles'
    /// single-precision erfinv ("Approximating the erfinv function", GPU Computing Gems, 2011):
    /// w = -log(1 - x^2) = -log(4 p q), then a degree-8 polynomial in w - 2.5 (w &lt; 5) or sqrt(w) - 3 (w &gt;= 5),
    /// times x. Passing both p and q (each accurate where it is small) keeps the tails accurate without forming 1 - p.
    /// Accurate for 4 p q &gt;= 2^-24 (|z| up to about 5.5). <paramref name="centralOnly"/> = true is for callers that
    /// know w &lt; 5 in every lane (|z| below about 2.6): the result is the same, without evaluating the tail branch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TF NormalQuantile<S, TF, TU>(TF p, TF q, bool centralOnly = false) where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        TF w = S.Sub(S.SplatF(0f), Log<S, TF, TU>(S.Mul(S.Mul(p, q), S.SplatF(4f))));

        TF v = S.Sub(w, S.SplatF(2.5f));
        TF a = S.SplatF(2.81022636e-08f);
        a = S.Fma(a, v, S.SplatF(3.43273939e-07f));
        a = S.Fma(a, v, S.SplatF(-3.5233877e-06f));
        a = S.Fma(a, v, S.SplatF(-4.39150654e-06f));
        a = S.Fma(a, v, S.SplatF(0.00021858087f));
        a = S.Fma(a, v, S.SplatF(-0.00125372503f));
        a = S.Fma(a, v, S.SplatF(-0.00417768164f));
        a = S.Fma(a, v, S.SplatF(0.246640727f));
        a = S.Fma(a, v, S.SplatF(1.50140941f));

        if (centralOnly)
            return S.Mul(S.Mul(a, S.Sub(p, q)), S.SplatF(1.41421356237309505f));

        TF t = S.Sub(S.Sqrt(w), S.SplatF(3f));
        TF b = S.SplatF(-0.000200214257f);
        b = S.Fma(b, t, S.SplatF(0.000100950558f));
        b = S.Fma(b, t, S.SplatF(0.00134934322f));
        b = S.Fma(b, t, S.SplatF(-0.00367342844f));
        b = S.Fma(b, t, S.SplatF(0.00573950773f));
        b = S.Fma(b, t, S.SplatF(-0.0076224613f));
        b = S.Fma(b, t, S.SplatF(0.00943887047f));
        b = S.Fma(b, t, S.SplatF(1.00167406f));
        b = S.Fma(b, t, S.SplatF(2.83297682f));

        TF poly = S.Select(S.LessThan(w, S.SplatF(5f)), a, b);
        return S.Mul(S.Mul(poly, S.Sub(p, q)), S.SplatF(1.41421356237309505f));
    }
}
