using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace InitLab.Activations;

/// <summary>
/// The single-precision lane operations of the float kernels (the softmax's exponential, gelu), once for a scalar float and once
/// per vector width, as <see cref="Numerics.IDoubleLanes{TV}"/> is for double: every operation exactly rounded (FMA fused),
/// masks all-ones or all-zeros per lane, nothing depending on the lane count, so a kernel gives the same bits for an
/// element at every width.
/// </summary>
/// <typeparam name="TF">float, or Vector128/256/512 of float.</typeparam>
internal interface IFloatLanes<TF> where TF : struct
{
    /// <summary>Number of floats per value.</summary>
    static abstract int Count { get; }

    static abstract TF Splat(float value);
    static abstract TF Load(ref float source);
    static abstract void Store(TF value, ref float destination);
    static abstract TF Add(TF a, TF b);
    static abstract TF Sub(TF a, TF b);
    static abstract TF Mul(TF a, TF b);

    /// <summary>a * b + c with one rounding.</summary>
    static abstract TF Fma(TF a, TF b, TF c);

    /// <summary>a / b, correctly rounded.</summary>
    static abstract TF Div(TF a, TF b);

    /// <summary>|a| (the sign bit cleared).</summary>
    static abstract TF Abs(TF a);

    /// <summary>a == b as a mask (false when either is NaN; -0 == +0).</summary>
    static abstract TF Equal(TF a, TF b);

    /// <summary>a &lt; b as a mask (false when either is NaN).</summary>
    static abstract TF LessThan(TF a, TF b);

    /// <summary>mask ? a : b, bitwise.</summary>
    static abstract TF Select(TF mask, TF a, TF b);

    /// <summary>2^k for integral k in [-126, 127], built in the exponent bits: ((k + 1.5 2^23) bits - (1.5 2^23) bits + 127) &lt;&lt; 23.</summary>
    static abstract TF Pow2(TF k);
}

/// <summary>The constants of <see cref="IFloatLanes{TF}.Pow2"/>.</summary>
internal static class FloatLanes
{
    /// <summary>1.5 * 2^23: adding it to |x| &lt; 2^22 rounds x to an integer held in the low mantissa bits.</summary>
    public const float RoundingMagic = 12582912f;

    /// <summary>The bits of <see cref="RoundingMagic"/> minus the exponent bias 127.</summary>
    public const int Pow2Offset = 0x4B400000 - 127;
}

/// <summary>One float: the portable reference.</summary>
internal readonly struct ScalarFloat : IFloatLanes<float>
{
    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Splat(float value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(ref float source) => source;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float value, ref float destination) => destination = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sub(float a, float b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Mul(float a, float b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Div(float a, float b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Abs(float a) => MathF.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Equal(float a, float b) => a == b ? AllOnes : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float LessThan(float a, float b) => a < b ? AllOnes : 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Select(float mask, float a, float b)
    {
        int m = BitConverter.SingleToInt32Bits(mask);
        return BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(a) & m) | (BitConverter.SingleToInt32Bits(b) & ~m));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Pow2(float k) =>
        BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(k + FloatLanes.RoundingMagic) - FloatLanes.Pow2Offset) << 23);

    private static readonly float AllOnes = BitConverter.Int32BitsToSingle(-1);
}

/// <summary>Four floats per value.</summary>
internal readonly struct FloatLanes128 : IFloatLanes<Vector128<float>>
{
    public static int Count => 4;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Splat(float value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source) => Vector128.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Sub(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Mul(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Div(Vector128<float> a, Vector128<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Abs(Vector128<float> a) => Vector128.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Equal(Vector128<float> a, Vector128<float> b) => Vector128.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> LessThan(Vector128<float> a, Vector128<float> b) => Vector128.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Select(Vector128<float> mask, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Pow2(Vector128<float> k) =>
        Vector128.ShiftLeft((k + Vector128.Create(FloatLanes.RoundingMagic)).AsInt32() - Vector128.Create(FloatLanes.Pow2Offset), 23).AsSingle();
}

/// <summary>Eight floats per value.</summary>
internal readonly struct FloatLanes256 : IFloatLanes<Vector256<float>>
{
    public static int Count => 8;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Div(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Abs(Vector256<float> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Equal(Vector256<float> a, Vector256<float> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LessThan(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Pow2(Vector256<float> k) =>
        Vector256.ShiftLeft((k + Vector256.Create(FloatLanes.RoundingMagic)).AsInt32() - Vector256.Create(FloatLanes.Pow2Offset), 23).AsSingle();
}

/// <summary>Sixteen floats per value.</summary>
internal readonly struct FloatLanes512 : IFloatLanes<Vector512<float>>
{
    public static int Count => 16;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Splat(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sub(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Div(Vector512<float> a, Vector512<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Abs(Vector512<float> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Equal(Vector512<float> a, Vector512<float> b) => Vector512.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> LessThan(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Pow2(Vector512<float> k) =>
        Vector512.ShiftLeft((k + Vector512.Create(FloatLanes.RoundingMagic)).AsInt32() - Vector512.Create(FloatLanes.Pow2Offset), 23).AsSingle();
}
