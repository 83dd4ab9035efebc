using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InitLab.Formats.Trainability;
using InitLab.Propagation;
using InitLab.Tests.Training;
using InitLab.Training;

namespace InitLab.Tests.Formats;

public class TrainabilityJsonTests
{
    internal static TrainabilityDocument Whole()
    {
        var s = TrainabilityTests.Settings();
        return new TrainabilityDocument(s, Shard.Whole, TrainabilityTests.Cells(s, (sw, d) => sw == 3 && d == 30 ? null : 0.5 + 0.01 * d));
    }

    /// <summary>Shard 1 of 2 of the same grid (no analysis in the document, so no mean-field quadratures to write it).</summary>
    internal static TrainabilityDocument Half()
    {
        var whole = Whole();
        var shard = new Shard(1, 2);
        return whole with { Shard = shard, Cells = [.. shard.Cells(whole.TotalCells).Select(i => whole.Cells[i])] };
    }

    private static TrainabilityDocument Read(string text) => TrainabilityJson.Read(Encoding.UTF8.GetBytes(text), "t.json");

    [Fact]
    public void A_document_reads_back_as_written()
    {
        var doc = Whole();
        string text = TrainabilityJson.Write(doc);
        var back = Read(text);
        Assert.Equal(doc.Settings, back.Settings);
        Assert.Equal(doc.Shard, back.Shard);
        Assert.Equal(doc.Cells.Count, back.Cells.Count);
        for (int i = 0; i < doc.Cells.Count; i++)
        {
            // NaN final losses compare equal through the record's double.Equals.
            Assert.Equal(doc.Cells[i], back.Cells[i]);
        }
        Assert.True(TrainabilityJson.Sniff(Encoding.UTF8.GetBytes(text)));
        // A whole grid carries its analysis; the diverged cell is null with its step.
        var root = JsonNode.Parse(text)!;
        Assert.Equal(3, root["trainable_depth"]!.AsArray().Count);
        Assert.Null(root["cells"]![8]!["test_accuracy"]);
        Assert.Equal(3, root["cells"]![8]!["diverged_at_step"]!.GetValue<int>());
        Assert.Equal("NaN", root["cells"]![8]!["final_loss"]!.GetValue<string>());
    }

    [Fact]
    public void A_sweep_document_is_not_a_trainability_document()
    {
        Assert.False(TrainabilityJson.Sniff("{\"format\": \"initlab-sweep\"}"u8));
        Assert.False(TrainabilityJson.Sniff("[1, 2]"u8));
        Assert.False(TrainabilityJson.Sniff("{\"format\": "u8));
    }

    public static TheoryData<string, string> Mutations => new()
    {
        { "format", "is 'initlab-sweep', not 'initlab-trainability'" },
        { "duplicate", "has the key \"width\" twice" },
        { "missing", "lacks the key \"steps\"" },
        { "grid", "is not in canonical form" },
        { "sha", "must be 64 lower-case hex digits" },
        { "total", "\"total_cells\" is 10" },
        { "verdict", "not stable, exploding or vanishing" },
        { "accuracy", "outside [0, 1]" },
        { "index", "is not the next cell" },
        { "momentum", "momentum is set for adam" },
        { "shard", "cell 4 and 4 more are missing" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void Hostile_documents_are_refused_with_the_reason(string mutation, string message)
    {
        var root = JsonNode.Parse(TrainabilityJson.Write(Half()))!.AsObject();
        Assert.False(root.ContainsKey("trainable_depth"));
        string text;
        switch (mutation)
        {
            case "format": root["format"] = "initlab-sweep"; break;
            case "missing": root.Remove("steps"); break;
            case "grid": root["sigma_w_grid"] = "1:3.0:3"; break;
            case "sha": root["data_sha256"] = "ABC"; break;
            case "total": root["total_cells"] = 10; break;
            case "shard": root["shard"] = "1/1"; break;
            case "verdict": root["cells"]![0]!["verdict"] = "fine"; break;
            case "accuracy": root["cells"]![0]!["test_accuracy"] = 1.5; break;
            case "index": root["cells"]![1]!["index"] = 5; break;
            case "momentum": root["optimizer"] = "adam"; break;
        }
        text = root.ToJsonString();
        if (mutation == "duplicate") text = text.Replace("\"width\":32", "\"width\":32,\"width\":32");
        var e = Assert.Throws<InvalidDataException>(() => Read(text));
        Assert.StartsWith("'t.json' is not a valid InitLab trainability document: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Malformed_json_is_invalid_data()
    {
        Assert.Throws<InvalidDataException>(() => Read("{\"format\": \"initlab-trainability\", "));
        Assert.Throws<InvalidDataException>(() => Read("[]"));
    }
}
