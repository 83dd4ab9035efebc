using System.Runtime.CompilerServices;

namespace InitLab.Random;

/// <summary>
/// The Philox4x32-10 counter-based block function of Salmon, Moraes, Dror and Shaw,
/// "Parallel random numbers: as easy as 1, 2, 3" (SC 2011), as in the Random123 library.
/// </summary>
/// <remarks>
/// A block is a pure function of a 128-bit counter and a 64-bit key: ten rounds of
/// <c>(hi, lo) = mulhilo(M, c)</c> with the Weyl key schedule <c>k += (W0, W1)</c> between rounds.
/// Because it has no state, any element of a stream can be computed independently, which is what
/// makes parallel and SIMD fills give the same bits as a serial fill.
/// </remarks>
public static class Philox4x32
{
    /// <summary>Round multiplier for counter word 0 (Random123 PHILOX_M4x32_0).</summary>
    public const uint M0 = 0xD2511F53u;
    /// <summary>Round multiplier for counter word 2 (Random123 PHILOX_M4x32_1).</summary>
    public const uint M1 = 0xCD9E8D57u;
    /// <summary>Weyl increment of key word 0: the golden ratio, (sqrt(5) - 1) / 2 * 2^32.</summary>
    public const uint W0 = 0x9E3779B9u;
    /// <summary>Weyl increment of key word 1: sqrt(3) - 1 times 2^32.</summary>
    public const uint W1 = 0xBB67AE85u;

    /// <summary>Number of rounds (the "-10" in Philox4x32-10).</summary>
    public const int Rounds = 10;

    /// <summary>
    /// Computes one Philox4x32-10 block: four 32-bit outputs for the counter (c0, c1, c2, c3)
    /// under the key (k0, k1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint X0, uint X1, uint X2, uint X3) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < Rounds; round++)
        {
            if (round > 0)
            {
                k0 += W0;
                k1 += W1;
            }

            ulong p0 = (ulong)M0 * c0;
            ulong p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0;
            uint hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            uint n0 = hi1 ^ c1 ^ k0;
            uint n2 = hi0 ^ c3 ^ k1;
            c0 = n0;
            c1 = lo1;
            c2 = n2;
            c3 = lo0;
        }

        return (c0, c1, c2, c3);
    }

    /// <summary>
    /// The block at 128-bit position (<paramref name="block"/>, <paramref name="stream"/>) under the
    /// 64-bit <paramref name="seed"/>: counter = (lo32(block), hi32(block), lo32(stream), hi32(stream)),
    /// key = (lo32(seed), hi32(seed)). This is the layout every InitLab fill uses.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint X0, uint X1, uint X2, uint X3) Block(ulong seed, ulong stream, ulong block) =>
        Block((uint)block, (uint)(block >> 32), (uint)stream, (uint)(stream >> 32), (uint)seed, (uint)(seed >> 32));
}
