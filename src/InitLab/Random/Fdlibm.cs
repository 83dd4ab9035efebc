namespace InitLab.Random;

/// <summary>
/// The error function of Sun's fdlibm (1993) as glibc 2.36 ships it (<c>s_erff.c</c>, <c>s_erf.c</c>), which PyTorch's
/// erfinv calls for its Newton steps and Python's <c>math.erf</c> is; .NET has no erf. Same constants, same order of
/// operations, and the exponentials through MathF.Exp / Math.Exp, which on Linux are glibc's expf and exp: the float
/// version equals glibc's <c>erff</c> on all 2^32 inputs, the double version equals <c>erf</c> on 3e7 sampled inputs.
/// </summary>
/// <remarks>
/// Method (fdlibm): |x| &lt; 0.84375: erf = x + x R(x^2) with R a ratio of polynomials; 0.84375 &lt;= |x| &lt; 1.25:
/// erf = c + P(s) / Q(s), s = |x| - 1, c = 0.84506291151 rounded to single; 1.25 &lt;= |x| &lt; 6: erf = 1 - exp(-z^2 - 0.5625)
/// exp((z - x)(z + x) + R(1/x^2) / S(1/x^2)) / x with z = x truncated to half its mantissa (so z^2 is exact); beyond 6, 1 - tiny.
/// </remarks>
internal static class Fdlibm
{
    /// <summary>erf(x) in float (glibc <c>erff</c>).</summary>
    public static float Erf(float x)
    {
        int hx = BitConverter.SingleToInt32Bits(x), ix = hx & 0x7fffffff;
        if (ix >= 0x7f800000) return (1 - (int)((uint)hx >> 31 << 1)) + 1f / x;   // NaN stays NaN, +-inf gives +-1
        const float efx = 1.2837916613e-01f;
        if (ix < 0x3f580000)
        {
            if (ix < 0x31800000)
                return ix < 0x04000000 ? 0.0625f * (16.0f * x + 16.0f * efx * x) : x + efx * x;
            float z = x * x;
            float r = 1.2837916613e-01f + z * (-3.2504209876e-01f + z * (-2.8481749818e-02f + z * (-5.7702702470e-03f + z * -2.3763017452e-05f)));
            float s = 1f + z * (3.9791721106e-01f + z * (6.5022252500e-02f + z * (5.0813062117e-03f + z * (1.3249473704e-04f + z * -3.9602282413e-06f))));
            return x + x * (r / s);
        }
        const float erx = 8.4506291151e-01f;
        if (ix < 0x3fa00000)
        {
            float s = MathF.Abs(x) - 1f;
            float p = -2.3621185683e-03f + s * (4.1485610604e-01f + s * (-3.7220788002e-01f + s * (3.1834661961e-01f + s * (-1.1089469492e-01f + s * (3.5478305072e-02f + s * -2.1663755178e-03f)))));
            float q = 1f + s * (1.0642088205e-01f + s * (5.4039794207e-01f + s * (7.1828655899e-02f + s * (1.2617121637e-01f + s * (1.3637083583e-02f + s * 1.1984500103e-02f)))));
            return hx >= 0 ? erx + p / q : -erx - p / q;
        }
        const float tiny = 1e-30f;
        if (ix >= 0x40c00000) return hx >= 0 ? 1f - tiny : tiny - 1f;
        x = MathF.Abs(x);
        float t = 1f / (x * x);
        float rr, ss;
        if (ix < 0x4036DB6E)
        {
            rr = -9.8649440333e-03f + t * (-6.9385856390e-01f + t * (-1.0558626175e+01f + t * (-6.2375331879e+01f + t * (-1.6239666748e+02f + t * (-1.8460508728e+02f + t * (-8.1287437439e+01f + t * -9.8143291473e+00f))))));
            ss = 1f + t * (1.9651271820e+01f + t * (1.3765776062e+02f + t * (4.3456588745e+02f + t * (6.4538726807e+02f + t * (4.2900814819e+02f + t * (1.0863500214e+02f + t * (6.5702495575e+00f + t * -6.0424413532e-02f)))))));
        }
        else
        {
            rr = -9.8649431020e-03f + t * (-7.9928326607e-01f + t * (-1.7757955551e+01f + t * (-1.6063638306e+02f + t * (-6.3756646729e+02f + t * (-1.0250950928e+03f + t * -4.8351919556e+02f)))));
            ss = 1f + t * (3.0338060379e+01f + t * (3.2579251099e+02f + t * (1.5367296143e+03f + t * (3.1998581543e+03f + t * (2.5530502930e+03f + t * (4.7452853394e+02f + t * -2.2440952301e+01f))))));
        }
        float zz = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x) & unchecked((int)0xfffff000));
        float e = MathF.Exp(-zz * zz - 0.5625f) * MathF.Exp((zz - x) * (zz + x) + rr / ss);
        return hx >= 0 ? 1f - e / x : e / x - 1f;
    }

    /// <summary>erf(x) in double (glibc <c>erf</c>, with Shimizu's 1997 reassociation of the polynomials).</summary>
    public static double Erf(double x)
    {
        int hx = (int)(BitConverter.DoubleToInt64Bits(x) >> 32), ix = hx & 0x7fffffff;
        if (ix >= 0x7ff00000) return (1 - (int)((uint)hx >> 31 << 1)) + 1.0 / x;
        const double efx = 1.28379167095512586316e-01;
        if (ix < 0x3feb0000)
        {
            if (ix < 0x3e300000)
                return ix < 0x00800000 ? 0.0625 * (16.0 * x + 16.0 * efx * x) : x + efx * x;
            double z = x * x;
            double r1 = 1.28379167095512558561e-01 + z * -3.25042107247001499370e-01, z2 = z * z;
            double r2 = -2.84817495755985104766e-02 + z * -5.77027029648944159157e-03, z4 = z2 * z2;
            double s1 = 1.0 + z * 3.97917223959155352819e-01;
            double s2 = 6.50222499887672944485e-02 + z * 5.08130628187576562776e-03;
            double s3 = 1.32494738004321644526e-04 + z * -3.96022827877536812320e-06;
            double r = r1 + z2 * r2 + z4 * -2.37630166566501626084e-05;
            double s = s1 + z2 * s2 + z4 * s3;
            return x + x * (r / s);
        }
        const double erx = 8.45062911510467529297e-01;
        if (ix < 0x3ff40000)
        {
            double s = Math.Abs(x) - 1.0;
            double p1 = -2.36211856075265944077e-03 + s * 4.14856118683748331666e-01, s2 = s * s;
            double q1 = 1.0 + s * 1.06420880400844228286e-01, s4 = s2 * s2;
            double p2 = -3.72207876035701323847e-01 + s * 3.18346619901161753674e-01, s6 = s4 * s2;
            double q2 = 5.40397917702171048937e-01 + s * 7.18286544141962662868e-02;
            double p3 = -1.10894694282396677476e-01 + s * 3.54783043256182359371e-02;
            double q3 = 1.26171219808761642112e-01 + s * 1.36370839120290507362e-02;
            double p = p1 + s2 * p2 + s4 * p3 + s6 * -2.16637559486879084300e-03;
            double q = q1 + s2 * q2 + s4 * q3 + s6 * 1.19844998467991074170e-02;
            return hx >= 0 ? erx + p / q : -erx - p / q;
        }
        const double tiny = 1e-300;
        if (ix >= 0x40180000) return hx >= 0 ? 1.0 - tiny : tiny - 1.0;
        x = Math.Abs(x);
        double t = 1.0 / (x * x);
        double rr, ss;
        if (ix < 0x4006DB6E)
        {
            double r1 = -9.86494403484714822705e-03 + t * -6.93858572707181764372e-01, t2 = t * t;
            double s1 = 1.0 + t * 1.96512716674392571292e+01, t4 = t2 * t2;
            double r2 = -1.05586262253232909814e+01 + t * -6.23753324503260060396e+01, t6 = t4 * t2;
            double s2 = 1.37657754143519042600e+02 + t * 4.34565877475229228821e+02, t8 = t4 * t4;
            double r3 = -1.62396669462573470355e+02 + t * -1.84605092906711035994e+02;
            double s3 = 6.45387271733267880336e+02 + t * 4.29008140027567833386e+02;
            double r4 = -8.12874355063065934246e+01 + t * -9.81432934416914548592e+00;
            double s4 = 1.08635005541779435134e+02 + t * 6.57024977031928170135e+00;
            rr = r1 + t2 * r2 + t4 * r3 + t6 * r4;
            ss = s1 + t2 * s2 + t4 * s3 + t6 * s4 + t8 * -6.04244152148580987438e-02;
        }
        else
        {
            double r1 = -9.86494292470009928597e-03 + t * -7.99283237680523006574e-01, t2 = t * t;
            double s1 = 1.0 + t * 3.03380607434824582924e+01, t4 = t2 * t2;
            double r2 = -1.77579549177547519889e+01 + t * -1.60636384855821916062e+02, t6 = t4 * t2;
            double s2 = 3.25792512996573918826e+02 + t * 1.53672958608443695994e+03;
            double r3 = -6.37566443368389627722e+02 + t * -1.02509513161107724954e+03;
            double s3 = 3.19985821950859553908e+03 + t * 2.55305040643316442583e+03;
            double s4 = 4.74528541206955367215e+02 + t * -2.24409524465858183362e+01;
            rr = r1 + t2 * r2 + t4 * r3 + t6 * -4.83519191608651397019e+02;
            ss = s1 + t2 * s2 + t4 * s3 + t6 * s4;
        }
        double zz = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(x) & unchecked((long)0xFFFFFFFF00000000UL));
        double e = Math.Exp(-zz * zz - 0.5625) * Math.Exp((zz - x) * (zz + x) + rr / ss);
        return hx >= 0 ? 1.0 - e / x : e / x - 1.0;
    }
}
