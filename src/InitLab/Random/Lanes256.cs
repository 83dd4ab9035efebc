using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.Random;

/// <summary>Eight lanes on AVX2 (with FMA): Philox blocks of a group are laid out as {0,2,4,6,1,3,5,7} so the
/// 4 x 8 transpose in <see cref="Store4"/> needs only in-lane unpacks, no cross-lane permutes.</summary>
internal readonly struct Lanes256 : ILanes<Vector256<float>, Vector256<uint>>
{
    /// <summary>True where this width can run (AVX2 for the integer unpacks and 32x32->64 multiplies).</summary>
    public static bool IsSupported => Avx2.IsSupported && Vector256.IsHardwareAccelerated;

    public static int Count => 8;

    // Lane l = 4 L + j (L = 128-bit half, j = position in it) holds block 2 j + L.
    public static Vector256<uint> BlockOffsets => Vector256.Create(0u, 2, 4, 6, 1, 3, 5, 7);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> SplatU(uint value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> SplatF(float value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> AddU(Vector256<uint> a, Vector256<uint> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> SubU(Vector256<uint> a, Vector256<uint> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> Xor(Vector256<uint> a, Vector256<uint> b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> And(Vector256<uint> a, Vector256<uint> b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> ShiftRightLogical(Vector256<uint> a, int count) => Vector256.ShiftRightLogical(a, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> ShiftRightArithmetic(Vector256<uint> a, int count) => Vector256.ShiftRightArithmetic(a.AsInt32(), count).AsUInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> ShiftLeft(Vector256<uint> a, int count) => Vector256.ShiftLeft(a, count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> LessThanU(Vector256<uint> a, Vector256<uint> b) => Vector256.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MulHiLo(Vector256<uint> a, uint m, out Vector256<uint> hi, out Vector256<uint> lo)
    {
        var mv = Vector256.Create(m);
        // vpmuludq multiplies the even lanes into 64-bit products; the odd lanes go through a 32-bit shift.
        var even = Avx2.Multiply(a, mv);
        var odd = Avx2.Multiply(Vector256.ShiftRightLogical(a.AsUInt64(), 32).AsUInt32(), mv);
        var oddLanes = Vector256.Create(0xFFFFFFFF00000000UL).AsUInt32();
        hi = Vector256.ConditionalSelect(oddLanes, odd.AsUInt32(), Vector256.ShiftRightLogical(even, 32).AsUInt32());
        lo = a * mv;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> ToFloat(Vector256<uint> a) => Vector256.ConvertToSingle(a.AsInt32());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> AsFloat(Vector256<uint> bits) => bits.AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> AsBits(Vector256<float> value) => value.AsUInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sqrt(Vector256<float> a) => Vector256.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<uint> LessThan(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b).AsUInt32();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Select(Vector256<uint> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask.AsSingle(), a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(Vector256<float> y0, Vector256<float> y1, Vector256<float> y2, Vector256<float> y3, ref float destination)
    {
        var t0 = Avx2.UnpackLow(y0.AsUInt32(), y1.AsUInt32());   // per half: y0[j0] y1[j0] y0[j1] y1[j1]
        var t1 = Avx2.UnpackHigh(y0.AsUInt32(), y1.AsUInt32());  // y0[j2] y1[j2] y0[j3] y1[j3]
        var t2 = Avx2.UnpackLow(y2.AsUInt32(), y3.AsUInt32());
        var t3 = Avx2.UnpackHigh(y2.AsUInt32(), y3.AsUInt32());
        // Position j of both halves: blocks 2 j and 2 j + 1, i.e. eight consecutive outputs.
        Avx2.UnpackLow(t0.AsUInt64(), t2.AsUInt64()).AsSingle().StoreUnsafe(ref destination, 0);
        Avx2.UnpackHigh(t0.AsUInt64(), t2.AsUInt64()).AsSingle().StoreUnsafe(ref destination, 8);
        Avx2.UnpackLow(t1.AsUInt64(), t3.AsUInt64()).AsSingle().StoreUnsafe(ref destination, 16);
        Avx2.UnpackHigh(t1.AsUInt64(), t3.AsUInt64()).AsSingle().StoreUnsafe(ref destination, 24);
    }
}
