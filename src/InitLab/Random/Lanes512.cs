using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.Random;

/// <summary>Sixteen lanes on AVX-512F: Philox blocks of a group are laid out as {0,4,8,12,1,5,9,13,...} so the
/// 4 x 16 transpose in <see cref="Store4"/> needs only in-lane unpacks, no cross-lane permutes.</summary>
internal readonly struct Lanes512 : ILanes<Vector512<float>, Vector512<uint>>
{
    /// <summary>True where this width can run (AVX-512F for the integer unpacks and 32x32->64 multiplies).</summary>
    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    public static int Count => 16;

    // Lane l = 4 L + j (L = 128-bit quarter, j = position in it) holds block 4 j + L.
    public static Vector512<uint> BlockOffsets => Vector512.Create(0u, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> SplatU(uint value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> SplatF(float value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> AddU(Vector512<uint> a, Vector512<uint> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> SubU(Vector512<uint> a, Vector512<uint> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> Xor(Vector512<uint> a, Vector512<uint> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> And(Vector512<uint> a, Vector512<uint> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> ShiftRightLogical(Vector512<uint> a, int count) => Vector512.ShiftRightLogical(a, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> ShiftRightArithmetic(Vector512<uint> a, int count) => Vector512.ShiftRightArithmetic(a.AsInt32(), count).AsUInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> ShiftLeft(Vector512<uint> a, int count) => Vector512.ShiftLeft(a, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> LessThanU(Vector512<uint> a, Vector512<uint> b) => Vector512.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MulHiLo(Vector512<uint> a, uint m, out Vector512<uint> hi, out Vector512<uint> lo)
    {
        var mv = Vector512.Create(m);
        // vpmuludq multiplies the even lanes into 64-bit products; the odd lanes go through a 32-bit shift.
        var even = Avx512F.Multiply(a, mv);
        var odd = Avx512F.Multiply(Vector512.ShiftRightLogical(a.AsUInt64(), 32).AsUInt32(), mv);
        var oddLanes = Vector512.Create(0xFFFFFFFF00000000UL).AsUInt32();
        hi = Vector512.ConditionalSelect(oddLanes, odd.AsUInt32(), Vector512.ShiftRightLogical(even, 32).AsUInt32());
        lo = a * mv;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> ToFloat(Vector512<uint> a) => Vector512.ConvertToSingle(a.AsInt32());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> AsFloat(Vector512<uint> bits) => bits.AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> AsBits(Vector512<float> value) => value.AsUInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sub(Vector512<float> a, Vector512<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Sqrt(Vector512<float> a) => Vector512.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<uint> LessThan(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b).AsUInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Select(Vector512<uint> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask.AsSingle(), a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(Vector512<float> y0, Vector512<float> y1, Vector512<float> y2, Vector512<float> y3, ref float destination)
    {
        var t0 = Avx512F.UnpackLow(y0.AsUInt32(), y1.AsUInt32());   // per quarter: y0[j0] y1[j0] y0[j1] y1[j1]
        var t1 = Avx512F.UnpackHigh(y0.AsUInt32(), y1.AsUInt32());  // y0[j2] y1[j2] y0[j3] y1[j3]
        var t2 = Avx512F.UnpackLow(y2.AsUInt32(), y3.AsUInt32());
        var t3 = Avx512F.UnpackHigh(y2.AsUInt32(), y3.AsUInt32());
        // Position j of the four quarters: blocks 4 j .. 4 j + 3, i.e. sixteen consecutive outputs.
        Avx512F.UnpackLow(t0.AsUInt64(), t2.AsUInt64()).AsSingle().StoreUnsafe(ref destination, 0);
        Avx512F.UnpackHigh(t0.AsUInt64(), t2.AsUInt64()).AsSingle().StoreUnsafe(ref destination, 16);
        Avx512F.UnpackLow(t1.AsUInt64(), t3.AsUInt64()).AsSingle().StoreUnsafe(ref destination, 32);
        Avx512F.UnpackHigh(t1.AsUInt64(), t3.AsUInt64()).AsSingle().StoreUnsafe(ref destination, 48);
    }
}
