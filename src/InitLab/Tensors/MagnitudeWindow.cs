using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace InitLab.Tensors;

/// <summary>
/// The magnitude histogram's float slots (<see cref="MagnitudeHistogram.FloatSlot"/>) counted without a memory increment per
/// value: the slots lo .. lo + 62 of a 64-slot window (sixteen octaves) become one bit of a 64-bit word per value (two
/// 32-bit words a lane, so sixteen values a 512-bit step), and the words are added as bit planes, plane p holding bit p of
/// every lane's count of every slot (Harley and Seal's carry-save adders: fifteen per sixteen words, two ternary-logic
/// operations each). Exact zeros take the word's last bit (shared with slot lo + 63, whose count is the bit's count less
/// the zeros the first pass counted); the rare values outside the window (and subnormals) are found by a maximum over each
/// 256-value block and counted one by one afterwards. Every count is an exact integer, the same as the table path's.
/// </summary>
internal static class MagnitudeWindow
{
    /// <summary>Bits of a value's word: slots lo .. lo + 62, and the last one for zeros and slot lo + 63.</summary>
    public const int Width = 64;

    // Bit planes per stream (32 slots): counts below 2^20 per lane and slot. Blocks are sixteen 16-value steps; a chunk of
    // 2^15 blocks gives each lane and slot at most 2^19 counts (one per step), so the planes never overflow.
    private const int Planes = 20;
    private const int Low = 4;
    private const int BlockSteps = 16;
    private const int BlockValues = BlockSteps * 16;
    private const int ChunkBlocks = 1 << 15;

    /// <summary>Whether the window kernel runs here (AVX-512F for its ternary logic and variable shifts).</summary>
    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>
    /// The window's first slot for finite values of largest magnitude <paramref name="maxAbs"/> and root mean square
    /// <paramref name="rms"/>: the window ends at the largest value's slot, or six octaves above the rms if that is lower
    /// (a far outlier does not push the bulk out), and never starts below slot 4 (the smallest normal float's).
    /// </summary>
    public static int Start(double maxAbs, double rms)
    {
        int top = NormalSlot(maxAbs);
        int bulk = NormalSlot(rms);
        if (top < 0) return Low;
        if (bulk >= 0) top = Math.Min(top, bulk + 24);
        return Math.Clamp(top - (Width - 2), Low, MagnitudeHistogram.LastFiniteSlot - (Width - 1));
    }

    private static int NormalSlot(double v)
    {
        float f = (float)v;
        if (!(f >= 1.17549435E-38f) || !float.IsFinite(f)) return -1;
        return (int)MagnitudeHistogram.FloatSlot(BitConverter.SingleToUInt32Bits(f));
    }

    /// <summary>
    /// Pass 2 of the trace measurement at 512 bits over x[0 .. n), n = x.Length rounded down to 16: the squared deviations about
    /// <paramref name="mean"/> into <paramref name="dev"/>'s lanes (as <see cref="StatsLanes.Deviations{T}"/>) and every value's
    /// slot counted into <paramref name="slots"/>. <paramref name="zeros"/> is the number of zeros among x[0 .. n). Returns n.
    /// </summary>
    public static int DeviationsAndSlots(ReadOnlySpan<float> x, double mean, int lo, long zeros, ref Lanes16 dev, long[] slots) =>
        DeviationsAndSlots(x, mean, lo, zeros, ref dev, slots, ChunkBlocks);

    /// <summary><see cref="DeviationsAndSlots(ReadOnlySpan{float}, double, int, long, ref Lanes16, long[])"/> with the planes drained every
    /// <paramref name="chunkBlocks"/> blocks (at most 2^15; the tests take small chunks).</summary>
    internal static int DeviationsAndSlots(ReadOnlySpan<float> x, double mean, int lo, long zeros, ref Lanes16 dev, long[] slots, int chunkBlocks)
    {
        if (chunkBlocks < 1 || chunkBlocks > ChunkBlocks) throw new ArgumentException($"chunkBlocks must be in 1..{ChunkBlocks}, got {chunkBlocks}.", nameof(chunkBlocks));
        if (lo < Low || lo > MagnitudeHistogram.LastFiniteSlot - (Width - 1)) throw new ArgumentException($"lo must be in {Low}..{MagnitudeHistogram.LastFiniteSlot - (Width - 1)}, got {lo}.", nameof(lo));
        int steps = x.Length / 16;
        var d0 = Vector512<double>.Zero;
        var d1 = d0;
        for (int step = 0; step < steps; step += chunkBlocks * BlockSteps)
            Chunk(x, step * 16, Math.Min(steps, step + chunkBlocks * BlockSteps) * 16, mean, lo, ref d0, ref d1, slots);
        StatsLanes.Store(d0, d1, ref dev);
        slots[lo + Width - 1] -= zeros;
        slots[MagnitudeHistogram.ZeroSlot] += zeros;
        return steps * 16;
    }

    /// <summary>x[start .. end) (a multiple of 16 values) with fresh bit planes, drained into <paramref name="slots"/> at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chunk(ReadOnlySpan<float> x, int start, int end, double mean, int lo, ref Vector512<double> dev0,
        ref Vector512<double> dev1, long[] slots)
    {
        ref float x0 = ref MemoryMarshal.GetReference(x);
        Span<Vector512<uint>> planes = stackalloc Vector512<uint>[2 * Planes];
        planes.Clear();
        ref var planeA = ref MemoryMarshal.GetReference(planes);
        ref var planeB = ref Unsafe.Add(ref planeA, Planes);
        ref var upperA = ref Unsafe.Add(ref planeA, Low);
        ref var upperB = ref Unsafe.Add(ref planeB, Low);
        int blocks = (end - start) / BlockValues;
        int[] reached = ArrayPool<int>.Shared.Rent(blocks + BlockSteps);
        int lost = 0;
        var m = Vector512.Create(mean);
        Tables(lo, out var adjust, out var below);
        var d0 = dev0;
        var d1 = dev1;
        Vector512<uint> onesA = default, onesB = default, twosA = default, twosB = default, foursA = default, foursB = default;
        Vector512<uint> eightsA = default, eightsB = default;
        int i = start;
        for (int b = 0; b < blocks; b++, i += BlockValues)
        {
            var reach = Vector512<uint>.Zero;
            Quad(ref x0, i, m, adjust, below, ref d0, ref d1, ref reach, ref onesA, ref onesB, ref twosA, ref twosB, out var fa0, out var fb0);
            Quad(ref x0, i + 64, m, adjust, below, ref d0, ref d1, ref reach, ref onesA, ref onesB, ref twosA, ref twosB, out var fa1, out var fb1);
            Csa(out var ea0, ref foursA, fa0, fa1);
            Csa(out var eb0, ref foursB, fb0, fb1);
            Quad(ref x0, i + 128, m, adjust, below, ref d0, ref d1, ref reach, ref onesA, ref onesB, ref twosA, ref twosB, out fa0, out fb0);
            Quad(ref x0, i + 192, m, adjust, below, ref d0, ref d1, ref reach, ref onesA, ref onesB, ref twosA, ref twosB, out fa1, out fb1);
            Csa(out var ea1, ref foursA, fa0, fa1);
            Csa(out var eb1, ref foursB, fb0, fb1);
            Csa(out var sixteensA, ref eightsA, ea0, ea1);
            Csa(out var sixteensB, ref eightsB, eb0, eb1);
            Carry(ref upperA, sixteensA);
            Carry(ref upperB, sixteensB);
            if (Vector512.GreaterThanOrEqualAny(reach, Vector512.Create((uint)Width))) reached[lost++] = i;
        }
        int lostBlocks = lost;
        planeA = onesA;
        Unsafe.Add(ref planeA, 1) = twosA;
        Unsafe.Add(ref planeA, 2) = foursA;
        Unsafe.Add(ref planeA, 3) = eightsA;
        planeB = onesB;
        Unsafe.Add(ref planeB, 1) = twosB;
        Unsafe.Add(ref planeB, 2) = foursB;
        Unsafe.Add(ref planeB, 3) = eightsB;
        // The last steps (fewer than a block) go straight into the planes.
        for (; i < end; i += 16)
        {
            var reach = Vector512<uint>.Zero;
            Step(ref x0, i, m, adjust, below, ref d0, ref d1, ref reach, out var wa, out var wb);
            Carry(ref planeA, wa);
            Carry(ref planeB, wb);
            if (Vector512.GreaterThanOrEqualAny(reach, Vector512.Create((uint)Width))) reached[lost++] = i;
        }
        // Calls only after the loops (a call would make them keep their vectors in memory).
        dev0 = d0;
        dev1 = d1;
        for (int k = 0; k < lost; k++) CountOutside(x, reached[k], k < lostBlocks ? BlockValues : 16, lo, slots);
        ArrayPool<int>.Shared.Return(reached);
        Drain(planes[..Planes], lo, slots);
        Drain(planes[Planes..], lo + 32, slots);
    }

    /// <summary>Adds every lane's count of every slot (bit b of plane p: 2^p counts of slot <paramref name="lo"/> + b).</summary>
    private static void Drain(ReadOnlySpan<Vector512<uint>> planes, int lo, long[] slots)
    {
        for (int p = 0; p < planes.Length; p++)
        {
            var v = planes[p];
            if (v == Vector512<uint>.Zero) continue;
            for (int lane = 0; lane < Vector512<uint>.Count; lane++)
                for (uint w = v.GetElement(lane); w != 0; w &= w - 1)
                    slots[lo + BitOperations.TrailingZeroCount(w)] += 1L << p;
        }
    }

    /// <summary>Counts the values of x[start .. start + count) that the window's bits missed (outside it, or subnormal).</summary>
    private static void CountOutside(ReadOnlySpan<float> x, int start, int count, int lo, long[] slots)
    {
        Tables(lo, out var adjust, out var below);
        ref float x0 = ref MemoryMarshal.GetReference(x);
        for (int i = start; i < start + count; i += 16)
        {
            var bits = Vector512.LoadUnsafe(ref x0, (nuint)i).AsUInt32();
            ulong outside = Vector512.GreaterThanOrEqual(Offset(bits, adjust, below), Vector512.Create((uint)Width)).ExtractMostSignificantBits();
            for (; outside != 0; outside &= outside - 1)
                slots[MagnitudeHistogram.FloatSlot(bits.GetElement(BitOperations.TrailingZeroCount(outside)))]++;
        }
    }

    /// <summary>
    /// The lookup tables of <see cref="Offset"/> for a window starting at slot <paramref name="lo"/>: the mantissa's top four bits
    /// name a cell of 2^19 mantissas; <paramref name="adjust"/>[c] = (edges below the end of cell c) - c / 4 - lo, and
    /// <paramref name="below"/>[c] = the edge inside cell c less the cell's start (0 for a cell without one; each of the three
    /// float edges lies inside its own cell: 3, 6 and 10).
    /// </summary>
    internal static void Tables(int lo, out Vector512<uint> adjust, out Vector512<uint> below)
    {
        Span<uint> a = stackalloc uint[16], b = stackalloc uint[16];
        foreach (uint edge in new[] { MagnitudeHistogram.FloatEdge1, MagnitudeHistogram.FloatEdge2, MagnitudeHistogram.FloatEdge3 })
        {
            int cell = (int)(edge >> 19);
            b[cell] = edge - ((uint)cell << 19);
            for (int c = cell; c < 16; c++) a[c]++;
        }
        for (int c = 0; c < 16; c++) a[c] = unchecked(a[c] - (uint)(c >> 2) - (uint)lo);
        adjust = Vector512.Create<uint>(a);
        below = Vector512.Create<uint>(b);
    }

    /// <summary>A value's bit in the window: its slot 4 e + q (<see cref="MagnitudeHistogram.FloatSlot"/> of a normal float) less
    /// the window's first, as (a &gt;&gt; 21) (= 4 e + c / 4 for the mantissa's top cell c) + adjust[c], less 1 below the edge
    /// inside the cell; 63 for a zero. A subnormal (e = 0: below slot 4) or a slot outside the window gives 64 or more
    /// (unsigned).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> Offset(Vector512<uint> bits, Vector512<uint> adjust, Vector512<uint> below)
    {
        var a = bits & Vector512.Create(0x7FFFFFFFu);
        var cell = a >>> 19;    // the permutes read its low four bits
        var offset = (a >>> 21) + Avx512F.PermuteVar16x32(adjust, cell)
            + Vector512.LessThan(a & Vector512.Create(0x7FFFFu), Avx512F.PermuteVar16x32(below, cell));
        return Vector512.ConditionalSelect(Vector512.Equals(a, Vector512<uint>.Zero), Vector512.Create((uint)Width - 1), offset);
    }

    /// <summary>Sixteen values: their squared deviations into the two lane vectors, their window bits as two words a lane
    /// (slots first .. first + 31, then first + 32 .. first + 63), their largest offset into <paramref name="reach"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref float x0, int i, Vector512<double> m, Vector512<uint> adjust, Vector512<uint> below, ref Vector512<double> d0,
        ref Vector512<double> d1, ref Vector512<uint> reach, out Vector512<uint> wa, out Vector512<uint> wb)
    {
        var f = Vector512.LoadUnsafe(ref x0, (nuint)i);
        var l = Vector512.WidenLower(f) - m;
        var h = Vector512.WidenUpper(f) - m;
        d0 = Vector512.FusedMultiplyAdd(l, l, d0);
        d1 = Vector512.FusedMultiplyAdd(h, h, d1);
        var offset = Offset(f.AsUInt32(), adjust, below);
        reach = Vector512.Max(reach, offset);
        // A variable shift by 32 or more gives 0: each value sets one bit of one word, or none.
        wa = Avx512F.ShiftLeftLogicalVariable(Vector512<uint>.One, offset);
        wb = Avx512F.ShiftLeftLogicalVariable(Vector512<uint>.One, offset - Vector512.Create(32u));
    }

    /// <summary>Four steps: two pairs of words added into the ones, their carries into the twos; the carries out of the
    /// twos (fours) returned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(ref float x0, int i, Vector512<double> m, Vector512<uint> adjust, Vector512<uint> below, ref Vector512<double> d0,
        ref Vector512<double> d1, ref Vector512<uint> reach, ref Vector512<uint> onesA, ref Vector512<uint> onesB,
        ref Vector512<uint> twosA, ref Vector512<uint> twosB, out Vector512<uint> foursA, out Vector512<uint> foursB)
    {
        Step(ref x0, i, m, adjust, below, ref d0, ref d1, ref reach, out var a0, out var b0);
        Step(ref x0, i + 16, m, adjust, below, ref d0, ref d1, ref reach, out var a1, out var b1);
        Csa(out var ta0, ref onesA, a0, a1);
        Csa(out var tb0, ref onesB, b0, b1);
        Step(ref x0, i + 32, m, adjust, below, ref d0, ref d1, ref reach, out a0, out b0);
        Step(ref x0, i + 48, m, adjust, below, ref d0, ref d1, ref reach, out a1, out b1);
        Csa(out var ta1, ref onesA, a0, a1);
        Csa(out var tb1, ref onesB, b0, b1);
        Csa(out foursA, ref twosA, ta0, ta1);
        Csa(out foursB, ref twosB, tb0, tb1);
    }

    /// <summary>A carry-save adder: <paramref name="low"/> + a + b = low' + 2 high, bit by bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Csa(out Vector512<uint> high, ref Vector512<uint> low, Vector512<uint> a, Vector512<uint> b)
    {
        high = Avx512F.TernaryLogic(low, a, b, 0xE8);   // majority
        low = Avx512F.TernaryLogic(low, a, b, 0x96);    // parity
    }

    /// <summary>Adds the bits of <paramref name="carry"/> into the planes from <paramref name="plane"/> on (ripple carry).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Carry(ref Vector512<uint> plane, Vector512<uint> carry)
    {
        for (int p = 0; carry != Vector512<uint>.Zero; p++)
        {
            ref var u = ref Unsafe.Add(ref plane, p);
            var next = u & carry;
            u ^= carry;
            carry = next;
        }
    }
}
