using System.Runtime.CompilerServices;

namespace InitLab.Random;

/// <summary>Philox4x32-10 on a group of <c>S.Count</c> consecutive blocks at once (one block per lane).</summary>
internal static class PhiloxLanes
{
    /// <summary>
    /// The blocks firstBlock + BlockOffsets[l] of (seed, stream), lane by lane; the same function as
    /// <see cref="Philox4x32.Block(ulong, ulong, ulong)"/>, including the carry from the low into the high counter word.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Blocks<S, TF, TU>(ulong seed, ulong stream, ulong firstBlock, out TU x0, out TU x1, out TU x2, out TU x3)
        where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        TU baseLo = S.SplatU((uint)firstBlock);
        TU c0 = S.AddU(baseLo, S.BlockOffsets);
        // A lane whose low word wrapped carries one into the high word (mask = all ones = -1).
        TU c1 = S.SubU(S.SplatU((uint)(firstBlock >> 32)), S.LessThanU(c0, baseLo));
        TU c2 = S.SplatU((uint)stream);
        TU c3 = S.SplatU((uint)(stream >> 32));
        uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
        for (int round = 0; round < Philox4x32.Rounds; round++)
        {
            S.MulHiLo(c0, Philox4x32.M0, out TU hi0, out TU lo0);
            S.MulHiLo(c2, Philox4x32.M1, out TU hi1, out TU lo1);
            c0 = S.Xor(S.Xor(hi1, c1), S.SplatU(k0));
            c2 = S.Xor(S.Xor(hi0, c3), S.SplatU(k1));
            c1 = lo1;
            c3 = lo0;
            k0 = unchecked(k0 + Philox4x32.W0);
            k1 = unchecked(k1 + Philox4x32.W1);
        }
        x0 = c0; x1 = c1; x2 = c2; x3 = c3;
    }

    /// <summary>Two independent groups (blocks firstBlock + BlockOffsets[l] and firstBlock + Count + BlockOffsets[l])
    /// with their rounds interleaved, which keeps both multiply pipes busy (Philox rounds are a dependent chain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Blocks2<S, TF, TU>(ulong seed, ulong stream, ulong firstBlock,
        out TU x0, out TU x1, out TU x2, out TU x3, out TU y0, out TU y1, out TU y2, out TU y3)
        where S : ILanes<TF, TU> where TF : struct where TU : struct
    {
        ulong second = firstBlock + (ulong)S.Count;
        TU baseLo = S.SplatU((uint)firstBlock), baseLoB = S.SplatU((uint)second);
        TU c0 = S.AddU(baseLo, S.BlockOffsets), d0 = S.AddU(baseLoB, S.BlockOffsets);
        TU c1 = S.SubU(S.SplatU((uint)(firstBlock >> 32)), S.LessThanU(c0, baseLo));
        TU d1 = S.SubU(S.SplatU((uint)(second >> 32)), S.LessThanU(d0, baseLoB));
        TU c2 = S.SplatU((uint)stream), d2 = c2;
        TU c3 = S.SplatU((uint)(stream >> 32)), d3 = c3;
        uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
        for (int round = 0; round < Philox4x32.Rounds; round++)
        {
            S.MulHiLo(c0, Philox4x32.M0, out TU hi0, out TU lo0);
            S.MulHiLo(d0, Philox4x32.M0, out TU ehi0, out TU elo0);
            S.MulHiLo(c2, Philox4x32.M1, out TU hi1, out TU lo1);
            S.MulHiLo(d2, Philox4x32.M1, out TU ehi1, out TU elo1);
            TU kk0 = S.SplatU(k0), kk1 = S.SplatU(k1);
            c0 = S.Xor(S.Xor(hi1, c1), kk0);
            d0 = S.Xor(S.Xor(ehi1, d1), kk0);
            c2 = S.Xor(S.Xor(hi0, c3), kk1);
            d2 = S.Xor(S.Xor(ehi0, d3), kk1);
            c1 = lo1; d1 = elo1;
            c3 = lo0; d3 = elo0;
            k0 = unchecked(k0 + Philox4x32.W0);
            k1 = unchecked(k1 + Philox4x32.W1);
        }
        x0 = c0; x1 = c1; x2 = c2; x3 = c3;
        y0 = d0; y1 = d1; y2 = d2; y3 = d3;
    }
}
