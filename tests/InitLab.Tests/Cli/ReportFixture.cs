using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InitLab.Tests.Formats;

namespace InitLab.Tests.Cli;

/// <summary>One command's report: the page, and the JSON document that <c>--json</c> prints for the same command line.</summary>
internal sealed record ReportCase(string Name, string[] Args, string Path, string Html, JsonObject Json);

/// <summary>
/// The reports of every command that writes one (reproduce, propagate, sweep, merge, inspect, probe), made once per
/// test class on small networks and the committed model fixtures, each beside its <c>--json</c> document.
/// </summary>
public sealed class ReportFixture : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("initlab-reports-").FullName;

    public ReportFixture()
    {
        string shards = System.IO.Path.Combine(_directory, "shards");
        Directory.CreateDirectory(shards);
        string[] sweep = ["sweep", "--act", "tanh", "--width", "32", "--depth", "10", "--sigma-w", "0.5:2.5:5", "--sigma-b", "0:0.3:3", "--batch", "4"];
        foreach (int k in new[] { 1, 2 })
        {
            var shard = CliHarness.Run([.. sweep, "--shard", $"{k}/2", "--json"]);
            Assert.Equal(0, shard.ExitCode);
            File.WriteAllText(System.IO.Path.Combine(shards, $"{k}.json"), shard.Out);
        }
        Cases =
        [
            Make("reproduce", ["reproduce"]),
            Make("propagate", ["propagate", "--act", "relu", "--width", "64", "--depth", "12", "--init", "kaiming_normal,normal", "--backward", "--batch", "8"]),
            Make("propagate-meanfield", ["propagate", "--act", "tanh", "--width", "64", "--depth", "8", "--sigma-w", "1.5", "--sigma-b", "0.1", "--engine", "ensemble,meanfield"]),
            Make("propagate-graph", ["propagate", "--model", "resnet:blocks=2,width=8,size=8", "--init", "kaiming_normal", "--batch", "4", "--backward"]),
            Make("sweep", sweep),
            Make("merge", ["merge", System.IO.Path.Combine(shards, "1.json"), System.IO.Path.Combine(shards, "2.json")]),
            Make("inspect", ["inspect", Fixtures.PathOf("mlp_trained.safetensors")]),
            Make("probe", ["probe", Fixtures.PathOf("cnn.onnx"), "--batch", "2"]),
            // With --compare the page embeds the comparison with the explicit engine too (the "compare" object of --json).
            Make("probe-compare", ["probe", Fixtures.PathOf("cnn.onnx"), "--batch", "2", "--compare"]),
        ];
    }

    internal IReadOnlyList<ReportCase> Cases { get; }

    internal ReportCase this[string name] => Cases.Single(c => c.Name == name);

    private ReportCase Make(string name, string[] args)
    {
        string path = System.IO.Path.Combine(_directory, name + ".html");
        var run = CliHarness.Run([.. args, "--report", path]);
        Assert.True(run.ExitCode == 0, $"{string.Join(" ", args)} --report: exit {run.ExitCode}: {run.Err}");
        var json = CliHarness.Run([.. args, "--json"]);
        Assert.Equal(0, json.ExitCode);
        return new ReportCase(name, args, path, File.ReadAllText(path), JsonNode.Parse(json.Out)!.AsObject());
    }

    /// <summary>The JSON document embedded in a report.</summary>
    internal static JsonObject Embedded(string html)
    {
        var m = Regex.Match(html, "<script type=\"application/json\" id=\"initlab-data\">(.*?)</script>", RegexOptions.Singleline);
        Assert.True(m.Success, "the page embeds no JSON document");
        return JsonNode.Parse(m.Groups[1].Value)!.AsObject();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // left for the OS's temporary-file cleanup
        }
    }
}
