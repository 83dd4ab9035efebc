using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace InitLab.Tensors;

/// <summary>
/// Sixteen double lanes held in vectors of one width (two of eight doubles, or four of four): the statistics' kernels are
/// written once over it. Lane k of a value always holds element k of the sixteen it was read from, so every width keeps the
/// same lanes and gives the same bits.
/// </summary>
/// <typeparam name="TV">The value: sixteen doubles in vectors.</typeparam>
internal interface IVectorLanes16<TV> where TV : struct
{
    /// <summary>Sixteen floats from <paramref name="x"/>[i..i+16), each widened exactly to double.</summary>
    static abstract TV Widen(ref float x, int i);

    /// <summary>Sixteen doubles from <paramref name="x"/>[i..i+16).</summary>
    static abstract TV Load(ref double x, int i);

    static abstract TV Splat(double value);
    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);

    /// <summary>a * b + c with one rounding, lane by lane.</summary>
    static abstract TV Fma(TV a, TV b, TV c);

    /// <summary>The sixteen lanes into <paramref name="lanes"/> (no call: the loops' vectors stay in registers).</summary>
    static abstract void Store(TV value, ref Lanes16 lanes);

    /// <summary>Sixteen 32-bit keys, all <paramref name="value"/>, in the value's first 64 bytes (float extremes).</summary>
    static abstract TV IntKeys(int value);

    /// <summary>Sixteen 64-bit keys, all <paramref name="value"/> (double extremes).</summary>
    static abstract TV LongKeys(long value);

    /// <summary>Folds x[i..i+16)'s ordered float keys (<see cref="StatsLanes.Key"/>'s order on the float bits) into the running
    /// 32-bit key minima and maxima and counts its zeros.</summary>
    static abstract void FloatExtremes(ref float x, int i, ref TV min, ref TV max, ref long zeros);

    /// <summary>Folds sixteen doubles' ordered keys into the running 64-bit key minima and maxima and counts their zeros.</summary>
    static abstract void DoubleExtremes(TV v, ref TV min, ref TV max, ref long zeros);
}

/// <summary>Sixteen doubles as two 512-bit vectors (lanes 0..7, 8..15).</summary>
internal struct Lanes512 : IVectorLanes16<Lanes512>
{
    public Vector512<double> Low, High;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Widen(ref float x, int i)
    {
        var f = Vector512.LoadUnsafe(ref x, (nuint)i);
        return new Lanes512 { Low = Vector512.WidenLower(f), High = Vector512.WidenUpper(f) };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Load(ref double x, int i) =>
        new() { Low = Vector512.LoadUnsafe(ref x, (nuint)i), High = Vector512.LoadUnsafe(ref x, (nuint)(i + 8)) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Splat(double value) => new() { Low = Vector512.Create(value), High = Vector512.Create(value) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Add(Lanes512 a, Lanes512 b) => new() { Low = a.Low + b.Low, High = a.High + b.High };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Sub(Lanes512 a, Lanes512 b) => new() { Low = a.Low - b.Low, High = a.High - b.High };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Fma(Lanes512 a, Lanes512 b, Lanes512 c) =>
        new() { Low = Vector512.FusedMultiplyAdd(a.Low, b.Low, c.Low), High = Vector512.FusedMultiplyAdd(a.High, b.High, c.High) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes512 value, ref Lanes16 lanes) => StatsLanes.Store(value.Low, value.High, ref lanes);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 IntKeys(int value) => new() { Low = Vector512.Create(value).AsDouble() };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 LongKeys(long value) => new() { Low = Vector512.Create(value).AsDouble(), High = Vector512.Create(value).AsDouble() };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FloatExtremes(ref float x, int i, ref Lanes512 min, ref Lanes512 max, ref long zeros)
    {
        var b = Vector512.LoadUnsafe(ref x, (nuint)i).AsInt32();
        var magnitude = Vector512.Create(int.MaxValue);
        var key = b ^ ((b >> 31) & magnitude);
        min.Low = Vector512.Min(min.Low.AsInt32(), key).AsDouble();
        max.Low = Vector512.Max(max.Low.AsInt32(), key).AsDouble();
        zeros += BitOperations.PopCount(Vector512.Equals(b & magnitude, Vector512<int>.Zero).ExtractMostSignificantBits());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DoubleExtremes(Lanes512 v, ref Lanes512 min, ref Lanes512 max, ref long zeros)
    {
        Fold(v.Low.AsInt64(), ref min.Low, ref max.Low, ref zeros);
        Fold(v.High.AsInt64(), ref min.High, ref max.High, ref zeros);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fold(Vector512<long> b, ref Vector512<double> min, ref Vector512<double> max, ref long zeros)
    {
        var magnitude = Vector512.Create(long.MaxValue);
        var key = b ^ ((b >> 63) & magnitude);
        min = Vector512.Min(min.AsInt64(), key).AsDouble();
        max = Vector512.Max(max.AsInt64(), key).AsDouble();
        zeros += BitOperations.PopCount(Vector512.Equals(b & magnitude, Vector512<long>.Zero).ExtractMostSignificantBits());
    }
}

/// <summary>Sixteen doubles as four 256-bit vectors (lanes 0..3, 4..7, 8..11, 12..15).</summary>
internal struct Lanes256 : IVectorLanes16<Lanes256>
{
    public Vector256<double> A, B, C, D;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Widen(ref float x, int i)
    {
        var f = Vector256.LoadUnsafe(ref x, (nuint)i);
        var g = Vector256.LoadUnsafe(ref x, (nuint)(i + 8));
        return new Lanes256 { A = Vector256.WidenLower(f), B = Vector256.WidenUpper(f), C = Vector256.WidenLower(g), D = Vector256.WidenUpper(g) };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref double x, int i) => new()
    {
        A = Vector256.LoadUnsafe(ref x, (nuint)i), B = Vector256.LoadUnsafe(ref x, (nuint)(i + 4)),
        C = Vector256.LoadUnsafe(ref x, (nuint)(i + 8)), D = Vector256.LoadUnsafe(ref x, (nuint)(i + 12)),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Splat(double value)
    {
        var v = Vector256.Create(value);
        return new Lanes256 { A = v, B = v, C = v, D = v };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Add(Lanes256 a, Lanes256 b) => new() { A = a.A + b.A, B = a.B + b.B, C = a.C + b.C, D = a.D + b.D };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Sub(Lanes256 a, Lanes256 b) => new() { A = a.A - b.A, B = a.B - b.B, C = a.C - b.C, D = a.D - b.D };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Fma(Lanes256 a, Lanes256 b, Lanes256 c) => new()
    {
        A = Vector256.FusedMultiplyAdd(a.A, b.A, c.A), B = Vector256.FusedMultiplyAdd(a.B, b.B, c.B),
        C = Vector256.FusedMultiplyAdd(a.C, b.C, c.C), D = Vector256.FusedMultiplyAdd(a.D, b.D, c.D),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes256 value, ref Lanes16 lanes)
    {
        ref double l0 = ref Unsafe.As<Lanes16, double>(ref lanes);
        value.A.StoreUnsafe(ref l0);
        value.B.StoreUnsafe(ref l0, 4);
        value.C.StoreUnsafe(ref l0, 8);
        value.D.StoreUnsafe(ref l0, 12);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 IntKeys(int value) => new() { A = Vector256.Create(value).AsDouble(), B = Vector256.Create(value).AsDouble() };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 LongKeys(long value)
    {
        var v = Vector256.Create(value).AsDouble();
        return new Lanes256 { A = v, B = v, C = v, D = v };
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void FloatExtremes(ref float x, int i, ref Lanes256 min, ref Lanes256 max, ref long zeros)
    {
        Fold(Vector256.LoadUnsafe(ref x, (nuint)i).AsInt32(), ref min.A, ref max.A, ref zeros);
        Fold(Vector256.LoadUnsafe(ref x, (nuint)(i + 8)).AsInt32(), ref min.B, ref max.B, ref zeros);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DoubleExtremes(Lanes256 v, ref Lanes256 min, ref Lanes256 max, ref long zeros)
    {
        Fold(v.A.AsInt64(), ref min.A, ref max.A, ref zeros);
        Fold(v.B.AsInt64(), ref min.B, ref max.B, ref zeros);
        Fold(v.C.AsInt64(), ref min.C, ref max.C, ref zeros);
        Fold(v.D.AsInt64(), ref min.D, ref max.D, ref zeros);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fold(Vector256<int> b, ref Vector256<double> min, ref Vector256<double> max, ref long zeros)
    {
        var magnitude = Vector256.Create(int.MaxValue);
        var key = b ^ ((b >> 31) & magnitude);
        min = Vector256.Min(min.AsInt32(), key).AsDouble();
        max = Vector256.Max(max.AsInt32(), key).AsDouble();
        zeros += BitOperations.PopCount(Vector256.Equals(b & magnitude, Vector256<int>.Zero).ExtractMostSignificantBits());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fold(Vector256<long> b, ref Vector256<double> min, ref Vector256<double> max, ref long zeros)
    {
        var magnitude = Vector256.Create(long.MaxValue);
        var key = b ^ ((b >> 63) & magnitude);
        min = Vector256.Min(min.AsInt64(), key).AsDouble();
        max = Vector256.Max(max.AsInt64(), key).AsDouble();
        zeros += BitOperations.PopCount(Vector256.Equals(b & magnitude, Vector256<long>.Zero).ExtractMostSignificantBits());
    }
}
