using System.Text;
using System.Text.Json.Nodes;
using InitLab.Formats.Trainability;

namespace InitLab.Tests.Formats;

/// <summary>
/// Fuzzes the trainability-document reader (what <c>initlab merge</c> reads for trainability shards) with 100,000
/// mutations of valid documents, made by the sweep fuzzer's mutator (bit flips, interesting bytes, deleted, duplicated
/// and spliced ranges, truncations, replaced number and string tokens, keys removed, values of the wrong type, cells
/// duplicated or reordered). Every input must either be read as a valid document (which then writes and reads back to
/// itself) or be refused with an <see cref="InvalidDataException"/> whose one-line message names the source; any other
/// exception is a crash. Deterministic: the mutations come from a fixed seed.
/// </summary>
public class TrainabilityJsonFuzzTests
{
    [Fact]
    public void One_hundred_thousand_mutated_documents_are_read_or_refused_cleanly() =>
        SweepJsonFuzzTests.Run(Seeds(), 20261129, "trainability", input =>
        {
            var doc = TrainabilityJson.Read(input, "fuzz");
            var again = TrainabilityJson.Read(Encoding.UTF8.GetBytes(TrainabilityJson.Write(doc)), "fuzz");
            Assert.Equal(doc.Settings, again.Settings);
            Assert.Equal(doc.Shard, again.Shard);
            Assert.Equal(doc.Cells, again.Cells);
        });

    private static byte[][] Seeds()
    {
        // A fixed version string: the library's own carries the commit, and the mutations must not change with it.
        var fixedVersion = JsonNode.Parse(TrainabilityJson.Write(TrainabilityJsonTests.Half()))!.AsObject();
        fixedVersion["initlab_version"] = "1.0.0+fuzz";
        var texts = new List<string> { fixedVersion.ToJsonString() };
        // The same shard with a diverged cell (null accuracy, a step, a NaN final loss) and Adam instead of SGD.
        var node = JsonNode.Parse(texts[0])!.AsObject();
        var adam = node.DeepClone().AsObject();
        adam["optimizer"] = "adam";
        adam["momentum"] = null;
        texts.Add(adam.ToJsonString());
        var cells = node["cells"]!.AsArray();
        cells[0]!["test_accuracy"] = null;
        cells[0]!["final_loss"] = "NaN";
        cells[0]!["diverged_at_step"] = 3;
        texts.Add(node.ToJsonString());
        return [.. texts.Select(Encoding.UTF8.GetBytes)];
    }
}
