using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace InitLab.Random;

/// <summary>
/// The float log and sincos of PyTorch's <c>ATen/native/cpu/avx_mathfun.h</c> (Giovanni Garberoglio's AVX port of
/// Julien Pommier's sse_mathfun, itself the Cephes <c>logf</c>, <c>sinf</c> and <c>cosf</c>) on 8 lanes, with exactly
/// the roundings of the compiled kernel: GCC (-O2 -mavx2 -mfma, default -ffp-contract=fast) fuses every
/// <c>_mm256_mul_ps</c> whose only use is an add or subtract into that add, the first product in statement order when
/// two products meet in one sum. The fused steps below were found that way and confirmed on 2 x 2^24 + 2 x 1037 float
/// normals of PyTorch 1.13 (every bit equal); the unfused alternatives each miss some. Vector256 arithmetic is IEEE
/// single precision lane by lane, and Vector256.FusedMultiplyAdd is fused on every platform, so the bits do not depend
/// on the hardware.
/// </summary>
internal static class AvxMathFun
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> S(float x) => Vector256.Create(x);

    /// <summary>
    /// <c>log256_ps</c>: x = m 2^e with m in [0.5, 1) (m doubled and e decremented below sqrt(1/2)), log(x) = f - f^2 / 2
    /// + f^3 P(f) + e ln 2 with f = m - 1 and ln 2 split into 0.693359375 - 2.12194440e-4. NaN for x &lt;= 0; denormals
    /// are raised to the smallest normal first.
    /// </summary>
    public static Vector256<float> Log(Vector256<float> x)
    {
        var one = S(1f);
        var invalid = Vector256.LessThanOrEqual(x, Vector256<float>.Zero);
        x = Vector256.Max(x, Vector256.Create(0x00800000).AsSingle());
        var exponent = Vector256.ShiftRightLogical(x.AsInt32(), 23) - Vector256.Create(0x7f);
        x = ((x.AsInt32() & Vector256.Create(~0x7f800000)) | S(0.5f).AsInt32()).AsSingle();
        var e = Vector256.ConvertToSingle(exponent) + one;
        var below = Vector256.LessThan(x, S(0.707106781186547524f));
        var tmp = x & below;
        x -= one;
        e -= one & below;
        x += tmp;
        var z = x * x;
        var y = S(7.0376836292E-2f);
        y = Fma(y, x, S(-1.1514610310E-1f));
        y = Fma(y, x, S(1.1676998740E-1f));
        y = Fma(y, x, S(-1.2420140846E-1f));
        y = Fma(y, x, S(1.4249322787E-1f));
        y = Fma(y, x, S(-1.6668057665E-1f));
        y = Fma(y, x, S(2.0000714765E-1f));
        y = Fma(y, x, S(-2.4999993993E-1f));
        y = Fma(y, x, S(3.3333331174E-1f));
        y *= x;
        y = Fma(y, z, e * S(-2.12194440e-4f));   // y * z + e * q1: the first product is fused
        y = Fma(-z, S(0.5f), y);                 // y - z * 0.5
        x = Fma(e, S(0.693359375f), x + y);      // (x + y) + e * q2
        return x | invalid;                      // all bits set: NaN
    }

    /// <summary>
    /// <c>sincos256_ps</c>: j = (int)(|x| 4/pi) rounded up to even, the reduced argument |x| - j pi/4 by Cody-Waite with
    /// three parts of pi/4, then the Cephes sin and cos polynomials on [-pi/4, pi/4], swapped and signed by j.
    /// Accurate for |x| up to about 8192 (PyTorch calls it on [0, 2 pi)).
    /// </summary>
    public static (Vector256<float> Sin, Vector256<float> Cos) SinCos(Vector256<float> x)
    {
        var signMask = Vector256.Create(unchecked((int)0x80000000));
        var signSin = x.AsInt32() & signMask;
        x = (x.AsInt32() & ~signMask).AsSingle();
        var j = Vector256.ConvertToInt32(x * S(1.27323954473516f));   // cvttps: truncation
        j = (j + Vector256.Create(1)) & Vector256.Create(~1);
        var y = Vector256.ConvertToSingle(j);
        var swapSin = Vector256.ShiftLeft(j & Vector256.Create(4), 29);
        var sinPoly = Vector256.Equals(j & Vector256.Create(2), Vector256<int>.Zero).AsSingle();
        x = Fma(y, S(-0.78515625f), x);
        x = Fma(y, S(-2.4187564849853515625e-4f), x);
        x = Fma(y, S(-3.77489497744594108e-8f), x);
        var signCos = Vector256.ShiftLeft(~(j - Vector256.Create(2)) & Vector256.Create(4), 29);
        signSin ^= swapSin;

        var z = x * x;
        var c = S(2.443315711809948E-005f);
        c = Fma(c, z, S(-1.388731625493765E-003f));
        c = Fma(c, z, S(4.166664568298827E-002f));
        c *= z;
        c = Fma(c, z, -(z * S(0.5f)));           // c * z - z * 0.5: the first product is fused
        c += S(1f);

        var s = S(-1.9515295891E-4f);
        s = Fma(s, z, S(8.3321608736E-3f));
        s = Fma(s, z, S(-1.6666654611E-1f));
        s *= z;
        s = Fma(s, x, x);

        // The kernel selects with bit masks and adds the halves back together; kept as written, signed zeros included.
        var sinFromSin = sinPoly & s;
        var sinFromCos = Vector256.AndNot(c, sinPoly);
        var sin = sinFromCos + sinFromSin;
        var cos = (c - sinFromCos) + (s - sinFromSin);
        return ((sin.AsInt32() ^ signSin).AsSingle(), (cos.AsInt32() ^ signCos).AsSingle());
    }
}
