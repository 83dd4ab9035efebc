using InitLab.Formats.Idx;

namespace InitLab.Tests.Formats;

public class IdxFuzzTests
{
    /// <summary>
    /// 100,000 mutated documents (bit flips, overwritten bytes and dimensions, truncation, extension, insertion, deletion;
    /// one in ten through gzip, compressed after mutation or mutated after compression): every one either reads as an array
    /// whose elements can all be read, or fails with an <see cref="InvalidDataException"/>. Any other exception is a crash.
    /// </summary>
    [Fact]
    public void Mutated_inputs_never_crash_the_reader()
    {
        var seeds = new[]
        {
            IdxTestFiles.Encode(IdxType.UnsignedByte, [2, 3, 4], Enumerable.Range(0, 24).Select(i => (double)i).ToArray()),
            IdxTestFiles.Encode(IdxType.UnsignedByte, [5], [9, 0, 0, 3, 0]),
            IdxTestFiles.Encode(IdxType.Int16, [3, 2], [1, -2, 3, -4, 5, -6]),
            IdxTestFiles.Encode(IdxType.Int32, [4], [1, -2, 300000, -4]),
            IdxTestFiles.Encode(IdxType.Float32, [2, 2], [0.5, -1, 2, 1e30]),
            IdxTestFiles.Encode(IdxType.Float64, [1, 1, 3], [Math.E, -0.0, 1e-300]),
        };
        var random = new System.Random(20240601);
        int accepted = 0, rejected = 0;
        for (int iteration = 0; iteration < 100_000; iteration++)
        {
            var bytes = Mutate(seeds[random.Next(seeds.Length)], random);
            bool gzip = iteration % 10 == 0;
            if (gzip)
            {
                bytes = IdxTestFiles.Gzip(bytes);
                if (random.Next(2) == 0) bytes = Mutate(bytes, random);
            }
            try
            {
                var array = IdxFormat.Read(new MemoryStream(bytes), "fuzz", maxBytes: 1 << 16);
                long product = 1;
                foreach (int d in array.Dims) product *= d;
                Assert.Equal(product, array.Count);
                // Every element is inside the buffer (the indexer reads it), and the element count fits the input.
                for (long i = 0; i < array.Count; i++) _ = array[i];
                Assert.True(array.Count * IdxArray.ElementSize(array.Type) <= 1 << 16);
                accepted++;
            }
            catch (InvalidDataException e)
            {
                Assert.StartsWith("'fuzz' is not a readable IDX file: ", e.Message);
                rejected++;
            }
        }
        // Both outcomes occur: the mutations reach the parser's checks rather than only its first one.
        Assert.True(accepted > 1000, $"only {accepted} mutated inputs parsed");
        Assert.True(rejected > 10_000, $"only {rejected} mutated inputs were rejected");
    }

    private static byte[] Mutate(byte[] seed, System.Random random)
    {
        var list = new List<byte>(seed);
        int mutations = 1 + random.Next(4);
        for (int m = 0; m < mutations; m++)
        {
            if (list.Count == 0) list.Add((byte)random.Next(256));
            switch (random.Next(7))
            {
                case 0: // flip a bit
                    int i = random.Next(list.Count);
                    list[i] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // overwrite a byte, favouring the header
                    list[random.Next(Math.Min(list.Count, random.Next(2) == 0 ? 16 : list.Count))] = (byte)random.Next(256);
                    break;
                case 2: // overwrite a dimension with an interesting value
                    if (list.Count >= 8)
                    {
                        int dim = 4 + 4 * random.Next(Math.Max(1, Math.Min((list.Count - 4) / 4, 4)));
                        uint v = random.Next(5) switch { 0 => 0u, 1 => uint.MaxValue, 2 => 0x80000000u, 3 => (uint)random.Next(), _ => (uint)random.Next(64) };
                        for (int b = 0; b < 4 && dim + b < list.Count; b++) list[dim + b] = (byte)(v >> (24 - 8 * b));
                    }
                    break;
                case 3: // truncate
                    int cut = random.Next(list.Count + 1);
                    list.RemoveRange(cut, list.Count - cut);
                    break;
                case 4: // extend
                    int extra = 1 + random.Next(16);
                    for (int e = 0; e < extra; e++) list.Add((byte)random.Next(256));
                    break;
                case 5: // insert
                    list.Insert(random.Next(list.Count + 1), (byte)random.Next(256));
                    break;
                default: // delete
                    list.RemoveAt(random.Next(list.Count));
                    break;
            }
        }
        return list.ToArray();
    }
}
