using System.Runtime.CompilerServices;

namespace InitLab.Random;

/// <summary>
/// The float log and sincos of PyTorch's <c>ATen/native/cpu/avx_mathfun.h</c> (Giovanni Garberoglio's AVX port of
/// Julien Pommier's sse_mathfun, itself the Cephes <c>logf</c>, <c>sinf</c> and <c>cosf</c>), one lane at a time, with
/// exactly the roundings of the compiled kernel: GCC (-O2 -mavx2 -mfma, default -ffp-contract=fast) fuses every
/// <c>_mm256_mul_ps</c> whose only use is an add or subtract into that add, the first product in statement order when
/// two products meet in one sum. The fused steps below were found that way and confirmed on 2 x 2^24 + 2 x 1037 float
/// normals of PyTorch 1.13 (every bit equal); the unfused alternatives each miss some.
/// </summary>
internal static class AvxMathFun
{
    private static float Bits(int i) => BitConverter.Int32BitsToSingle(i);

    private static int Bits(float f) => BitConverter.SingleToInt32Bits(f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    /// <summary>
    /// <c>log256_ps</c>: x = m 2^e with m in [0.5, 1) (m doubled and e decremented below sqrt(1/2)), log(x) = f - f^2 / 2
    /// + f^3 P(f) + e ln 2 with f = m - 1 and ln 2 split into 0.693359375 - 2.12194440e-4. NaN for x &lt;= 0; denormals
    /// are raised to the smallest normal first.
    /// </summary>
    public static float Log(float x)
    {
        bool invalid = x <= 0f;
        x = MathF.Max(x, Bits(0x00800000));
        int exponent = (int)((uint)Bits(x) >> 23) - 0x7f;
        x = Bits((Bits(x) & ~0x7f800000) | Bits(0.5f));
        float e = exponent;
        e += 1f;
        bool below = x < 0.707106781186547524f;
        float tmp = below ? x : 0f;
        x -= 1f;
        e -= below ? 1f : 0f;
        x += tmp;
        float z = x * x;
        float y = 7.0376836292E-2f;
        y = Fma(y, x, -1.1514610310E-1f);
        y = Fma(y, x, 1.1676998740E-1f);
        y = Fma(y, x, -1.2420140846E-1f);
        y = Fma(y, x, 1.4249322787E-1f);
        y = Fma(y, x, -1.6668057665E-1f);
        y = Fma(y, x, 2.0000714765E-1f);
        y = Fma(y, x, -2.4999993993E-1f);
        y = Fma(y, x, 3.3333331174E-1f);
        y *= x;
        y = Fma(y, z, e * -2.12194440e-4f);   // y * z + e * q1: the first product is fused
        y = Fma(-z, 0.5f, y);                 // y - z * 0.5
        x = Fma(e, 0.693359375f, x + y);      // (x + y) + e * q2
        return invalid ? float.NaN : x;
    }

    /// <summary>
    /// <c>sincos256_ps</c>: j = (int)(|x| 4/pi) rounded up to even, the reduced argument |x| - j pi/4 by Cody-Waite with
    /// three parts of pi/4, then the Cephes sin and cos polynomials on [-pi/4, pi/4], swapped and signed by j.
    /// Accurate for |x| up to about 8192 (PyTorch calls it on [0, 2 pi)).
    /// </summary>
    public static void SinCos(float x, out float sin, out float cos)
    {
        int signSin = Bits(x) & unchecked((int)0x80000000);
        x = MathF.Abs(x);
        int j = (int)(x * 1.27323954473516f);   // _mm256_cvttps_epi32: truncation
        j = (j + 1) & ~1;
        float y = j;
        int swapSin = (j & 4) << 29;
        bool sinPoly = (j & 2) == 0;          // true: sin takes the sine polynomial, cos the cosine one
        x = Fma(y, -0.78515625f, x);
        x = Fma(y, -2.4187564849853515625e-4f, x);
        x = Fma(y, -3.77489497744594108e-8f, x);
        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSin;

        float z = x * x;
        float c = 2.443315711809948E-005f;
        c = Fma(c, z, -1.388731625493765E-003f);
        c = Fma(c, z, 4.166664568298827E-002f);
        c *= z;
        c = Fma(c, z, -(z * 0.5f));           // c * z - z * 0.5: the first product is fused
        c += 1f;

        float s = -1.9515295891E-4f;
        s = Fma(s, z, 8.3321608736E-3f);
        s = Fma(s, z, -1.6666654611E-1f);
        s *= z;
        s = Fma(s, x, x);

        // The kernel selects with bit masks and adds the halves back together; kept as written, signed zeros included.
        float sinFromSin = sinPoly ? s : 0f, sinFromCos = sinPoly ? 0f : c;
        float sinValue = sinFromCos + sinFromSin;
        float cosValue = (c - sinFromCos) + (s - sinFromSin);
        sin = Bits(Bits(sinValue) ^ signSin);
        cos = Bits(Bits(cosValue) ^ signCos);
    }
}
