using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.Numerics;

/// <summary>The lane widths the double kernels run at; <see cref="DoubleLanes.Best"/> is the widest accelerated one.</summary>
internal enum LaneWidth
{
    /// <summary>One double at a time: the reference every vector width reproduces bit for bit.</summary>
    Scalar,

    /// <summary>Two doubles (SSE2 / AdvSimd).</summary>
    V128,

    /// <summary>Four doubles (AVX2).</summary>
    V256,

    /// <summary>Eight doubles (AVX-512).</summary>
    V512,
}

/// <summary>
/// The double-precision lane operations the activation kernels are written against, implemented once for a scalar and
/// once per vector width. Every operation is exactly rounded (FMA fused, division and conversions IEEE), masks are
/// all-ones or all-zeros per lane, and no operation depends on the lane count, so a kernel gives the same bits for an
/// element whatever the width, the span length or the element's position.
/// </summary>
/// <typeparam name="TV">double, or Vector128/256/512 of double.</typeparam>
internal interface IDoubleLanes<TV> where TV : struct
{
    /// <summary>Number of doubles per value.</summary>
    static abstract int Count { get; }

    static abstract TV Splat(double value);
    static abstract TV Load(ref double source);
    static abstract void Store(TV value, ref double destination);

    /// <summary>Reads <see cref="Count"/> floats, each converted exactly to double.</summary>
    static abstract TV LoadWidened(ref float source);

    /// <summary>Writes <see cref="Count"/> floats, each the double rounded to nearest float.</summary>
    static abstract void StoreNarrowed(TV value, ref float destination);

    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Div(TV a, TV b);

    /// <summary>a * b + c with one rounding.</summary>
    static abstract TV Fma(TV a, TV b, TV c);

    /// <summary>|a| (the sign bit cleared).</summary>
    static abstract TV Abs(TV a);

    /// <summary>|magnitude| with the sign bit of <paramref name="sign"/>.</summary>
    static abstract TV CopySign(TV magnitude, TV sign);

    /// <summary>a &lt; b as a mask (false when either is NaN).</summary>
    static abstract TV LessThan(TV a, TV b);

    /// <summary>a == b as a mask (false when either is NaN, so Equal(x, x) is the not-NaN mask).</summary>
    static abstract TV Equal(TV a, TV b);

    /// <summary>mask ? a : b, bitwise.</summary>
    static abstract TV Select(TV mask, TV a, TV b);

    /// <summary>2^k for integral k in [-1022, 1023], built in the exponent bits: ((k + 1.5 2^52) bits - (1.5 2^52) bits + 1023) &lt;&lt; 52.</summary>
    static abstract TV Pow2(TV k);
}

/// <summary>Width selection and the magic constant of <see cref="IDoubleLanes{TV}.Pow2"/>.</summary>
internal static class DoubleLanes
{
    /// <summary>1.5 * 2^52: adding it to |x| &lt; 2^51 rounds x to an integer held in the low mantissa bits.</summary>
    public const double RoundingMagic = 6755399441055744.0;

    /// <summary>The bits of <see cref="RoundingMagic"/> minus the exponent bias 1023.</summary>
    public const long Pow2Offset = 0x4338000000000000L - 1023;

    /// <summary>The widest width this machine accelerates.</summary>
    public static LaneWidth Best { get; } =
        Vector512.IsHardwareAccelerated ? LaneWidth.V512
        : Vector256.IsHardwareAccelerated ? LaneWidth.V256
        : Vector128.IsHardwareAccelerated ? LaneWidth.V128
        : LaneWidth.Scalar;

    /// <summary>Whether <paramref name="width"/> runs on this machine (the scalar width always does; a vector width
    /// that is not accelerated runs in software, correctly but slowly).</summary>
    public static bool IsAccelerated(LaneWidth width) => width switch
    {
        LaneWidth.V128 => Vector128.IsHardwareAccelerated,
        LaneWidth.V256 => Vector256.IsHardwareAccelerated,
        LaneWidth.V512 => Vector512.IsHardwareAccelerated,
        _ => true,
    };
}

/// <summary>One double: the portable reference.</summary>
internal readonly struct ScalarDouble : IDoubleLanes<double>
{
    public static int Count => 1;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Splat(double value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Load(ref double source) => source;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(double value, ref double destination) => destination = value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double LoadWidened(ref float source) => source;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreNarrowed(double value, ref float destination) => destination = (float)value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Add(double a, double b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Sub(double a, double b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Mul(double a, double b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Div(double a, double b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Fma(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Abs(double a) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(a) & long.MaxValue);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double CopySign(double magnitude, double sign) =>
        BitConverter.Int64BitsToDouble((BitConverter.DoubleToInt64Bits(magnitude) & long.MaxValue) | (BitConverter.DoubleToInt64Bits(sign) & long.MinValue));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double LessThan(double a, double b) => a < b ? AllOnes : 0.0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static double Equal(double a, double b) => a == b ? AllOnes : 0.0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Select(double mask, double a, double b)
    {
        long m = BitConverter.DoubleToInt64Bits(mask);
        return BitConverter.Int64BitsToDouble((BitConverter.DoubleToInt64Bits(a) & m) | (BitConverter.DoubleToInt64Bits(b) & ~m));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Pow2(double k) =>
        BitConverter.Int64BitsToDouble((BitConverter.DoubleToInt64Bits(k + DoubleLanes.RoundingMagic) - DoubleLanes.Pow2Offset) << 52);

    private static readonly double AllOnes = BitConverter.Int64BitsToDouble(-1L);
}

/// <summary>Two doubles per value.</summary>
internal readonly struct DoubleLanes128 : IDoubleLanes<Vector128<double>>
{
    public static int Count => 2;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Splat(double value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Load(ref double source) => Vector128.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> LoadWidened(ref float source) => Vector128.Create(source, Unsafe.Add(ref source, 1));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(Vector128<double> value, ref float destination)
    {
        destination = (float)value.GetElement(0);
        Unsafe.Add(ref destination, 1) = (float)value.GetElement(1);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Add(Vector128<double> a, Vector128<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Sub(Vector128<double> a, Vector128<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Mul(Vector128<double> a, Vector128<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Div(Vector128<double> a, Vector128<double> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Fma(Vector128<double> a, Vector128<double> b, Vector128<double> c) => Vector128.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Abs(Vector128<double> a) => (a.AsInt64() & Vector128.Create(long.MaxValue)).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> CopySign(Vector128<double> magnitude, Vector128<double> sign) =>
        ((magnitude.AsInt64() & Vector128.Create(long.MaxValue)) | (sign.AsInt64() & Vector128.Create(long.MinValue))).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> LessThan(Vector128<double> a, Vector128<double> b) => Vector128.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Equal(Vector128<double> a, Vector128<double> b) => Vector128.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<double> Select(Vector128<double> mask, Vector128<double> a, Vector128<double> b) => Vector128.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Pow2(Vector128<double> k) =>
        Vector128.ShiftLeft((k + Vector128.Create(DoubleLanes.RoundingMagic)).AsInt64() - Vector128.Create(DoubleLanes.Pow2Offset), 52).AsDouble();
}

/// <summary>Four doubles per value.</summary>
internal readonly struct DoubleLanes256 : IDoubleLanes<Vector256<double>>
{
    public static int Count => 4;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Splat(double value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Load(ref double source) => Vector256.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> LoadWidened(ref float source)
    {
        var f = Vector128.LoadUnsafe(ref source);
        return Vector256.Create(Vector128.WidenLower(f), Vector128.WidenUpper(f));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(Vector256<double> value, ref float destination) =>
        Vector128.Narrow(value.GetLower(), value.GetUpper()).StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Sub(Vector256<double> a, Vector256<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Mul(Vector256<double> a, Vector256<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Div(Vector256<double> a, Vector256<double> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Fma(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Abs(Vector256<double> a) => (a.AsInt64() & Vector256.Create(long.MaxValue)).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> CopySign(Vector256<double> magnitude, Vector256<double> sign) =>
        ((magnitude.AsInt64() & Vector256.Create(long.MaxValue)) | (sign.AsInt64() & Vector256.Create(long.MinValue))).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> LessThan(Vector256<double> a, Vector256<double> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Equal(Vector256<double> a, Vector256<double> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<double> Select(Vector256<double> mask, Vector256<double> a, Vector256<double> b) => Vector256.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Pow2(Vector256<double> k) =>
        Vector256.ShiftLeft((k + Vector256.Create(DoubleLanes.RoundingMagic)).AsInt64() - Vector256.Create(DoubleLanes.Pow2Offset), 52).AsDouble();
}

/// <summary>Eight doubles per value.</summary>
internal readonly struct DoubleLanes512 : IDoubleLanes<Vector512<double>>
{
    public static int Count => 8;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Splat(double value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Load(ref double source) => Vector512.LoadUnsafe(ref source);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<double> value, ref double destination) => value.StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> LoadWidened(ref float source)
    {
        var f = Vector256.LoadUnsafe(ref source);
        // One vcvtps2pd where AVX-512F runs (the two-half form goes through a stack temporary); both are exact.
        if (Avx512F.IsSupported) return Avx512F.ConvertToVector512Double(f);
        return Vector512.Create(Vector256.WidenLower(f), Vector256.WidenUpper(f));
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreNarrowed(Vector512<double> value, ref float destination) =>
        Vector256.Narrow(value.GetLower(), value.GetUpper()).StoreUnsafe(ref destination);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Sub(Vector512<double> a, Vector512<double> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Mul(Vector512<double> a, Vector512<double> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Div(Vector512<double> a, Vector512<double> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Fma(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Abs(Vector512<double> a) => (a.AsInt64() & Vector512.Create(long.MaxValue)).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> CopySign(Vector512<double> magnitude, Vector512<double> sign) =>
        ((magnitude.AsInt64() & Vector512.Create(long.MaxValue)) | (sign.AsInt64() & Vector512.Create(long.MinValue))).AsDouble();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> LessThan(Vector512<double> a, Vector512<double> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Equal(Vector512<double> a, Vector512<double> b) => Vector512.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<double> Select(Vector512<double> mask, Vector512<double> a, Vector512<double> b) => Vector512.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Pow2(Vector512<double> k) =>
        Vector512.ShiftLeft((k + Vector512.Create(DoubleLanes.RoundingMagic)).AsInt64() - Vector512.Create(DoubleLanes.Pow2Offset), 52).AsDouble();
}
