using System.Buffers.Binary;
using InitLab.Formats;

namespace InitLab.Tests.Formats;

/// <summary>
/// Mutation fuzzing for the readers: each input is a seed file with byte flips, boundary values written over
/// 1-, 2-, 4- and 8-byte fields (how length fields lie), truncations, deletions, duplications or insertions. A reader
/// passes when every input either reads (all tensors' bytes included) or is rejected with an
/// <see cref="InvalidDataException"/> (or <see cref="FileNotFoundException"/> for a missing sibling) naming the file.
/// The generator is seeded, so a failure names the input that reproduces it.
/// </summary>
internal static class Fuzzer
{
    public sealed record Result(int Inputs, int Accepted, int Rejected);

    public static Result Run(string name, int count, int seed, IReadOnlyList<byte[]> seeds, Func<byte[], ModelFile> read)
    {
        var rng = new System.Random(seed);
        int accepted = 0, rejected = 0;
        for (int i = 0; i < count; i++)
        {
            var input = Mutate(seeds[i % seeds.Count], rng);
            try
            {
                var model = read(input);
                foreach (var t in model.Tensors)
                    if (t.ByteLength <= 1 << 26) t.ReadBytes();
                accepted++;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException)
            {
                if (!e.Message.Contains(name, StringComparison.Ordinal) && !(e is FileNotFoundException))
                    throw new Xunit.Sdk.XunitException($"input {i} (seed {seed}) was rejected without naming the file: {e.Message}");
                rejected++;
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException($"input {i} (seed {seed}) crashed the reader: {e}");
            }
        }
        return new Result(count, accepted, rejected);
    }

    private static readonly long[] Boundaries = [0, 1, 2, 7, 8, 63, 64, 127, 128, 255, 256, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, long.MaxValue, -1, -2];

    public static byte[] Mutate(byte[] seed, System.Random rng)
    {
        var b = (byte[])seed.Clone();
        int kind = rng.Next(8);
        switch (kind)
        {
            case 0: // flip up to 4 random bytes
                for (int k = rng.Next(1, 5); k > 0 && b.Length > 0; k--) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                break;
            case 1: // one bit, in the first 512 bytes where headers live
                if (b.Length > 0) b[rng.Next(Math.Min(b.Length, 512))] ^= (byte)(1 << rng.Next(8));
                break;
            case 2: // a boundary value over a little-endian field of 1, 2, 4 or 8 bytes
            case 3:
                {
                    int width = 1 << rng.Next(4);
                    if (b.Length < width) break;
                    int at = rng.Next(kind == 3 ? Math.Min(b.Length - width + 1, 512) : b.Length - width + 1);
                    long v = rng.Next(4) == 0 ? b.Length + rng.Next(-16, 17) : Boundaries[rng.Next(Boundaries.Length)];
                    Span<byte> tmp = stackalloc byte[8];
                    BinaryPrimitives.WriteInt64LittleEndian(tmp, v);
                    tmp[..width].CopyTo(b.AsSpan(at));
                    break;
                }
            case 4: // truncation
                return b[..rng.Next(b.Length + 1)];
            case 5: // delete a range
                {
                    if (b.Length == 0) break;
                    int at = rng.Next(b.Length), n = Math.Min(rng.Next(1, 17), b.Length - at);
                    return [.. b.AsSpan(0, at), .. b.AsSpan(at + n)];
                }
            case 6: // duplicate a range
                {
                    if (b.Length == 0) break;
                    int at = rng.Next(b.Length), n = Math.Min(rng.Next(1, 33), b.Length - at);
                    return [.. b.AsSpan(0, at + n), .. b.AsSpan(at, n), .. b.AsSpan(at + n)];
                }
            default: // insert random bytes
                {
                    int at = rng.Next(b.Length + 1);
                    var extra = new byte[rng.Next(1, 9)];
                    rng.NextBytes(extra);
                    return [.. b.AsSpan(0, at), .. extra, .. b.AsSpan(at)];
                }
        }
        return b;
    }
}
