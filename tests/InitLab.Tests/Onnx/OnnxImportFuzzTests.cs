using InitLab.Formats;
using InitLab.Formats.Onnx;
using InitLab.Networks;
using InitLab.Tests.Formats;
using Xunit.Abstractions;

namespace InitLab.Tests.Onnx;

/// <summary>
/// The ONNX graph import treats the graph as hostile too: 100,000 mutated op fixtures (the reader's byte mutations, on files whose
/// bytes are mostly graph: attributes, shapes, op types, names) are read and imported; every one either imports or is refused with
/// the reader's <see cref="InvalidDataException"/> or the import's plain <see cref="ArgumentException"/> (never an index, cast,
/// overflow or null-reference failure, nor an ArgumentOutOfRangeException from inside a collection). What imports also runs one
/// example through the explicit engine when its values are small enough to hold.
/// </summary>
public sealed class OnnxImportFuzzTests(ITestOutputHelper output)
{
    private const int Inputs = 100_000;

    [Fact]
    public void Graph_import_survives_100000_mutated_models()
    {
        string[] names = ["ops/conv.onnx", "ops/conv1d.onnx", "ops/dense.onnx", "ops/activations.onnx", "ops/gelu_mish.onnx", "ops/unsupported.onnx", "cnn.onnx", "transformer.onnx"];
        var seeds = names.Select(n => File.ReadAllBytes(Fixtures.PathOf(n))).ToArray();
        var rng = new System.Random(12);
        int unread = 0, refused = 0, imported = 0, ran = 0;
        var crashes = new Dictionary<string, string>(); // one example per crash site
        for (int i = 0; i < Inputs; i++)
        {
            var input = Fuzzer.Mutate(seeds[i % seeds.Length], rng);
            ModelFile model;
            try
            {
                model = ModelFiles.Read(new MemorySource("fuzz.onnx", input), ModelFormats.Onnx);
            }
            catch (InvalidDataException)
            {
                unread++;
                continue;
            }
            catch (Exception e)
            {
                crashes.TryAdd(Site(e), $"input {i} crashed the reader: {e}");
                continue;
            }
            OnnxImport import;
            try
            {
                import = OnnxGraphImport.Import(model);
            }
            catch (Exception e) when (e.GetType() == typeof(ArgumentException) || e is InvalidDataException)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                refused++;
                continue;
            }
            catch (Exception e)
            {
                crashes.TryAdd(Site(e), $"input {i} ({names[i % names.Length]} mutated) crashed the import: {e}");
                continue;
            }
            imported++;
            // Run what is small enough (one example of every node at most a million values) on the imported graph.
            if (import.Graph.Nodes.Sum(n => (long)n.Shape.Size) > 1_000_000 || import.Graph.Parameters.Sum(p => (long)p.Shape.Size) > 1_000_000) continue;
            try
            {
                ExplicitGraphEngine.Forward(import.Graph, import.Parameters, 1, seed: 1, threads: 1);
                ran++;
            }
            catch (Exception e) when (e.GetType() == typeof(ArgumentException))
            {
            }
            catch (Exception e)
            {
                crashes.TryAdd(Site(e), $"input {i} ({names[i % names.Length]} mutated) imported, then crashed the engine: {e}");
            }
        }
        Assert.True(crashes.Count == 0, string.Join("\n\n", crashes.Values));
        output.WriteLine($"{Inputs} inputs: {unread} refused by the reader, {refused} refused by the import, {imported} imported, {ran} run");
        // The mutations reach the import: a fair share reads and is then imported or refused.
        Assert.True(imported > Inputs / 10 && refused > Inputs / 100, $"{imported} imported, {refused} refused by the import");
    }

    private static string Site(Exception e) => e.GetType().Name + " " + (e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("InitLab", StringComparison.Ordinal)) ?? "");
}
