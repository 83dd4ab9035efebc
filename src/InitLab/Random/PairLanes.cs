using System.Runtime.CompilerServices;

namespace InitLab.Random;

/// <summary>Two values of the same lane type, transformed side by side (see <see cref="PairLanes{S, TF, TU}"/>).</summary>
internal struct Pair<T>(T a, T b) where T : struct
{
    public T A = a;
    public T B = b;
}

/// <summary>
/// Two independent vectors per lane operation: every operation of <typeparamref name="S"/> applied to the A and then the
/// B half. A transform written once over <see cref="ILanes{TF, TU}"/> and instantiated with these lanes runs two
/// dependency chains interleaved instruction by instruction (the out-of-order core overlaps them), with each constant
/// used twice right where it is needed (so it is never held in a register across the whole transform). Each half gets
/// exactly the operations <typeparamref name="S"/> would give it alone: the same bits.
/// Only the arithmetic is lifted; Philox blocks and stores stay with <typeparamref name="S"/>.
/// </summary>
internal readonly struct PairLanes<S, TF, TU> : ILanes<Pair<TF>, Pair<TU>>
    where S : ILanes<TF, TU> where TF : struct where TU : struct
{
    public static int Count => S.Count;
    public static Pair<TU> BlockOffsets => throw new NotSupportedException("PairLanes transforms values; blocks come from the underlying lanes.");

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> SplatU(uint value) { var v = S.SplatU(value); return new(v, v); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TF> SplatF(float value) { var v = S.SplatF(value); return new(v, v); }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> AddU(Pair<TU> a, Pair<TU> b) => new(S.AddU(a.A, b.A), S.AddU(a.B, b.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> SubU(Pair<TU> a, Pair<TU> b) => new(S.SubU(a.A, b.A), S.SubU(a.B, b.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> Xor(Pair<TU> a, Pair<TU> b) => new(S.Xor(a.A, b.A), S.Xor(a.B, b.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> And(Pair<TU> a, Pair<TU> b) => new(S.And(a.A, b.A), S.And(a.B, b.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> ShiftRightLogical(Pair<TU> a, int count) => new(S.ShiftRightLogical(a.A, count), S.ShiftRightLogical(a.B, count));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> ShiftRightArithmetic(Pair<TU> a, int count) => new(S.ShiftRightArithmetic(a.A, count), S.ShiftRightArithmetic(a.B, count));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> ShiftLeft(Pair<TU> a, int count) => new(S.ShiftLeft(a.A, count), S.ShiftLeft(a.B, count));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> LessThanU(Pair<TU> a, Pair<TU> b) => new(S.LessThanU(a.A, b.A), S.LessThanU(a.B, b.B));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MulHiLo(Pair<TU> a, uint m, out Pair<TU> hi, out Pair<TU> lo)
    {
        S.MulHiLo(a.A, m, out TU hiA, out TU loA);
        S.MulHiLo(a.B, m, out TU hiB, out TU loB);
        hi = new(hiA, hiB);
        lo = new(loA, loB);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TF> ToFloat(Pair<TU> a) => new(S.ToFloat(a.A), S.ToFloat(a.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TF> AsFloat(Pair<TU> bits) => new(S.AsFloat(bits.A), S.AsFloat(bits.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> AsBits(Pair<TF> value) => new(S.AsBits(value.A), S.AsBits(value.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TF> Add(Pair<TF> a, Pair<TF> b) => new(S.Add(a.A, b.A), S.Add(a.B, b.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TF> Sub(Pair<TF> a, Pair<TF> b) => new(S.Sub(a.A, b.A), S.Sub(a.B, b.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TF> Mul(Pair<TF> a, Pair<TF> b) => new(S.Mul(a.A, b.A), S.Mul(a.B, b.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TF> Fma(Pair<TF> a, Pair<TF> b, Pair<TF> c) => new(S.Fma(a.A, b.A, c.A), S.Fma(a.B, b.B, c.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TF> Sqrt(Pair<TF> a) => new(S.Sqrt(a.A), S.Sqrt(a.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TU> LessThan(Pair<TF> a, Pair<TF> b) => new(S.LessThan(a.A, b.A), S.LessThan(a.B, b.B));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Pair<TF> Select(Pair<TU> mask, Pair<TF> a, Pair<TF> b) => new(S.Select(mask.A, a.A, b.A), S.Select(mask.B, a.B, b.B));

    public static void Store4(Pair<TF> y0, Pair<TF> y1, Pair<TF> y2, Pair<TF> y3, ref float destination) =>
        throw new NotSupportedException("PairLanes transforms values; stores go through the underlying lanes.");
}
