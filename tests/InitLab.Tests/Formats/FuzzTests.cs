using System.IO.Compression;
using InitLab.Formats;
using InitLab.Formats.Npy;
using InitLab.Formats.PyTorch;
using Xunit.Abstractions;

namespace InitLab.Tests.Formats;

/// <summary>100,000 mutated inputs per reader (the trust issue's bar): no crash, every rejection a clean error naming the file.</summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Inputs = 100_000;

    private static byte[] Fixture(string relative) => File.ReadAllBytes(Fixtures.PathOf(relative));

    private void Report(string reader, Fuzzer.Result r)
    {
        output.WriteLine($"{reader}: {r.Inputs} inputs, {r.Accepted} read, {r.Rejected} rejected cleanly");
        Assert.Equal(Inputs, r.Inputs);
        Assert.True(r.Rejected > r.Inputs / 10, $"only {r.Rejected} of {r.Inputs} mutations were rejected: the mutations miss the structure");
    }

    private static Func<byte[], ModelFile> Reader(string name, string format, IReadOnlyDictionary<string, byte[]>? siblings = null) =>
        bytes => ModelFiles.Read(new MemorySource(name, bytes, siblings), format);

    [Fact]
    public void Npy_reader_survives_100000_mutated_files()
    {
        var seeds = new[] { NpyBytes("<f4", "(2, 3)", 24), NpyBytes("<i8", "(3,)", 24), Fixture("cnn_input.npy")[..(128 + 64)] };
        // The last seed is cut, so it is itself corrupt; fix its shape to what it holds.
        seeds[2] = NpyBytes("<f4", "(4, 4)", 64);
        Report("npy", Fuzzer.Run("fuzz.npy", Inputs, 1, seeds, Reader("fuzz.npy", ModelFormats.Npy)));
    }

    [Fact]
    public void Npz_reader_survives_100000_mutated_archives()
    {
        var seeds = new[] { Fixture("arrays.npz"), Fixture("arrays_compressed.npz") };
        Report("npz", Fuzzer.Run("fuzz.npz", Inputs, 2, seeds, Reader("fuzz.npz", ModelFormats.Npz)));
    }

    [Fact]
    public void Safetensors_reader_survives_100000_mutated_files_and_shard_indexes()
    {
        var seeds = new[] { Fixture("dtypes.safetensors"), Fixture("sharded/model-00001-of-00002.safetensors") };
        Report("safetensors", Fuzzer.Run("fuzz.safetensors", Inputs, 3, seeds, Reader("fuzz.safetensors", ModelFormats.Safetensors)));
        var shards = new Dictionary<string, byte[]>
        {
            ["model-00001-of-00002.safetensors"] = Fixture("sharded/model-00001-of-00002.safetensors"),
            ["model-00002-of-00002.safetensors"] = Fixture("sharded/model-00002-of-00002.safetensors"),
        };
        var r = Fuzzer.Run("fuzz.index.json", Inputs / 5, 4, [Fixture("sharded/model.safetensors.index.json")],
            Reader("fuzz.index.json", ModelFormats.Safetensors, shards));
        output.WriteLine($"safetensors index: {r.Inputs} inputs, {r.Accepted} read, {r.Rejected} rejected cleanly");
    }

    [Fact]
    public void PyTorch_reader_survives_100000_mutated_archives_and_100000_mutated_pickles()
    {
        var seeds = new[] { Fixture("views.pt"), Fixture("cnn.pt"), Fixture("hostile/evil_global.pt") };
        Report("pytorch zip", Fuzzer.Run("fuzz.pt", Inputs, 5, seeds, Reader("fuzz.pt", ModelFormats.PyTorch)));
        // The zip's CRC would reject most pickle mutations before the unpickler sees them: mutate the pickle, then
        // re-archive it with a correct CRC and the original storages.
        var archives = seeds.Select(Entries).ToList();
        var pickles = archives.Select(a => a.Single(kv => kv.Key.EndsWith("data.pkl", StringComparison.Ordinal)).Value).ToList();
        var rng = new System.Random(6);
        var r = Fuzzer.Run("fuzz.pt", Inputs, 6, pickles, pickle =>
        {
            var archive = archives[rng.Next(archives.Count)];
            var entries = archive.Select(kv => kv.Key.EndsWith("data.pkl", StringComparison.Ordinal) ? new KeyValuePair<string, byte[]>(kv.Key, pickle) : kv);
            return ModelFiles.Read(new MemorySource("fuzz.pt", Zip(entries)), ModelFormats.PyTorch);
        });
        Report("pytorch pickle", r);
    }

    [Fact]
    public void Onnx_reader_survives_100000_mutated_models()
    {
        var seeds = new[] { Fixture("transformer.onnx"), Fixture("cnn_old_inputs.onnx"), Fixture("external/cnn_external.onnx"), Fixture("subgraphs.onnx") };
        var siblings = new Dictionary<string, byte[]> { ["cnn_external.data"] = Fixture("external/cnn_external.data") };
        Report("onnx", Fuzzer.Run("fuzz.onnx", Inputs, 7, seeds, Reader("fuzz.onnx", ModelFormats.Onnx, siblings)));
    }

    [Fact]
    public void TfJs_reader_survives_100000_mutated_manifests_and_shards()
    {
        var shards = new Dictionary<string, byte[]>
        {
            ["group1-shard1of2.bin"] = Fixture("tfjs/group1-shard1of2.bin"),
            ["group1-shard2of2.bin"] = Fixture("tfjs/group1-shard2of2.bin"),
            ["tiny-shard1"] = Fixture("tfjs/tiny-shard1"),
        };
        var seeds = new[] { Fixture("tfjs/model.json"), Fixture("tfjs/tiny_model-weights_manifest.json") };
        Report("tfjs", Fuzzer.Run("model.json", Inputs, 8, seeds, Reader("model.json", ModelFormats.TfJs, shards)));
    }

    [Fact]
    public void Unpickler_refuses_every_global_outside_the_allow_list_by_name()
    {
        foreach (var (module, name) in new[] { ("os", "system"), ("builtins", "eval"), ("subprocess", "Popen"), ("torch", "load"), ("numpy.core.multiarray", "_reconstruct") })
        {
            byte[] pickle = [0x80, 0x02, (byte)'c', .. System.Text.Encoding.ASCII.GetBytes($"{module}\n{name}\n"), (byte)')', (byte)'R', (byte)'.'];
            var e = Assert.Throws<InvalidDataException>(() => Unpickler.Load(pickle, "x.pt"));
            Assert.Contains($"'{module}.{name}'", e.Message);
        }
    }

    private static byte[] NpyBytes(string descr, string shape, int dataBytes)
    {
        var header = NpyFormat.Header(descr, InitLab.Tensors.Shape.Parse(shape));
        var data = new byte[dataBytes];
        new System.Random(9).NextBytes(data);
        return [.. header, .. data];
    }

    private static List<KeyValuePair<string, byte[]>> Entries(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        return archive.Entries.Select(e =>
        {
            using var s = e.Open();
            var m = new MemoryStream();
            s.CopyTo(m);
            return new KeyValuePair<string, byte[]>(e.FullName, m.ToArray());
        }).ToList();
    }

    private static byte[] Zip(IEnumerable<KeyValuePair<string, byte[]>> entries)
    {
        var m = new MemoryStream();
        using (var archive = new ZipArchive(m, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var s = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(bytes);
            }
        }
        return m.ToArray();
    }
}
