namespace InitLab.Random;

/// <summary>
/// The lane operations the Philox fills are written against, implemented once for scalars and once per vector
/// width. Every fill kernel is generic over this interface, so the scalar, 256-bit and 512-bit instantiations run
/// the very same sequence of IEEE operations per element (each one exactly rounded, FMA fused) and give the same bits.
/// </summary>
/// <typeparam name="TF">The float lanes (float, Vector256&lt;float&gt;, Vector512&lt;float&gt;).</typeparam>
/// <typeparam name="TU">The 32-bit integer lanes of the same width; masks are all-ones or all-zeros per lane.</typeparam>
internal interface ILanes<TF, TU>
    where TF : struct
    where TU : struct
{
    /// <summary>Number of 32-bit lanes, which is also the number of Philox blocks one group computes.</summary>
    static abstract int Count { get; }

    /// <summary>The block offset of each lane within a group (a permutation of 0..Count-1 chosen so that
    /// <see cref="Store4"/> is a cheap in-lane transpose).</summary>
    static abstract TU BlockOffsets { get; }

    static abstract TU SplatU(uint value);
    static abstract TF SplatF(float value);

    static abstract TU AddU(TU a, TU b);
    static abstract TU SubU(TU a, TU b);
    static abstract TU Xor(TU a, TU b);
    static abstract TU And(TU a, TU b);
    static abstract TU ShiftRightLogical(TU a, int count);
    static abstract TU ShiftRightArithmetic(TU a, int count);
    static abstract TU ShiftLeft(TU a, int count);

    /// <summary>Unsigned a &lt; b as a lane mask.</summary>
    static abstract TU LessThanU(TU a, TU b);

    /// <summary>The 64-bit product a * m split into its high and low 32-bit halves (Philox's mulhilo).</summary>
    static abstract void MulHiLo(TU a, uint m, out TU hi, out TU lo);

    /// <summary>Converts lanes read as signed 32-bit integers to float (exact below 2^24 in magnitude).</summary>
    static abstract TF ToFloat(TU a);

    static abstract TF AsFloat(TU bits);
    static abstract TU AsBits(TF value);

    static abstract TF Add(TF a, TF b);
    static abstract TF Sub(TF a, TF b);
    static abstract TF Mul(TF a, TF b);

    /// <summary>a * b + c with a single rounding.</summary>
    static abstract TF Fma(TF a, TF b, TF c);

    /// <summary>Correctly rounded square root.</summary>
    static abstract TF Sqrt(TF a);

    /// <summary>a &lt; b as a lane mask (false for NaN).</summary>
    static abstract TU LessThan(TF a, TF b);

    /// <summary>mask ? a : b, bitwise.</summary>
    static abstract TF Select(TU mask, TF a, TF b);

    /// <summary>Writes the four outputs of the group's blocks in block order: block j's words go to
    /// dst[4 j .. 4 j + 3], word w of block j coming from lane l of yw where <see cref="BlockOffsets"/>[l] = j.</summary>
    static abstract void Store4(TF y0, TF y1, TF y2, TF y3, ref float destination);
}
