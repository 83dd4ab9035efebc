using System.Runtime.CompilerServices;

namespace InitLab.Random;

/// <summary>One lane: the portable reference that the vector widths must reproduce bit for bit.</summary>
internal readonly struct ScalarLanes : ILanes<float, uint>
{
    public static int Count => 1;
    public static uint BlockOffsets => 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint SplatU(uint value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float SplatF(float value) => value;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint AddU(uint a, uint b) => unchecked(a + b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint SubU(uint a, uint b) => unchecked(a - b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint Xor(uint a, uint b) => a ^ b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint And(uint a, uint b) => a & b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint ShiftRightLogical(uint a, int count) => a >> count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint ShiftRightArithmetic(uint a, int count) => (uint)((int)a >> count);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint ShiftLeft(uint a, int count) => a << count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint LessThanU(uint a, uint b) => a < b ? uint.MaxValue : 0u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MulHiLo(uint a, uint m, out uint hi, out uint lo)
    {
        ulong p = (ulong)a * m;
        hi = (uint)(p >> 32);
        lo = (uint)p;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float ToFloat(uint a) => (int)a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float AsFloat(uint bits) => BitConverter.UInt32BitsToSingle(bits);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint AsBits(float value) => BitConverter.SingleToUInt32Bits(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sub(float a, float b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Mul(float a, float b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sqrt(float a) => MathF.Sqrt(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint LessThan(float a, float b) => a < b ? uint.MaxValue : 0u;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Select(uint mask, float a, float b) => AsFloat((AsBits(a) & mask) | (AsBits(b) & ~mask));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store4(float y0, float y1, float y2, float y3, ref float destination)
    {
        destination = y0;
        Unsafe.Add(ref destination, 1) = y1;
        Unsafe.Add(ref destination, 2) = y2;
        Unsafe.Add(ref destination, 3) = y3;
    }
}
