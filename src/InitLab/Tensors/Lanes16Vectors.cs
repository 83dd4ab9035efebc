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
    static abstract TV Sub(TV a, TV b);

    /// <summary>a * b + c with one rounding, lane by lane.</summary>
    static abstract TV Fma(TV a, TV b, TV c);

    /// <summary>The sixteen lanes into <paramref name="lanes"/> (no call: the loops' vectors stay in registers).</summary>
    static abstract void Store(TV value, ref Lanes16 lanes);
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
    public static Lanes512 Sub(Lanes512 a, Lanes512 b) => new() { Low = a.Low - b.Low, High = a.High - b.High };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes512 Fma(Lanes512 a, Lanes512 b, Lanes512 c) =>
        new() { Low = Vector512.FusedMultiplyAdd(a.Low, b.Low, c.Low), High = Vector512.FusedMultiplyAdd(a.High, b.High, c.High) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes512 value, ref Lanes16 lanes) => StatsLanes.Store(value.Low, value.High, ref lanes);
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
}
