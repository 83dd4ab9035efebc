using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace InitLab.Tests.Cli;

/// <summary>
/// One JSON convention for every command: a config object with the command, the InitLab version and every effective
/// option (so that the document can be re-run), non-finite numbers as "NaN" / "Infinity" / "-Infinity", and the key
/// "activation" for the activation's canonical name.
/// </summary>
public sealed class JsonDocumentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("initlab-json").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A quick run of every command that prints a JSON document.</summary>
    public static TheoryData<string[]> Commands() => new()
    {
        { ["gain", "leaky_relu", "--param", "0.2", "--json"] },
        { ["theory", "--act", "tanh", "--sigma-w", "1.5", "--sigma-b", "0.05", "--depth", "3", "--json"] },
        { ["theory", "critical", "--act", "relu", "--sigma-b", "0.1", "--json"] },
        { ["propagate", "--act", "relu", "--width", "16", "--depth", "4", "--init", "kaiming_normal", "--batch", "4", "--json"] },
        { ["propagate", "--act", "tanh", "--widths", "8,6,4", "--sigma-w", "1.2", "--engine", "explicit,meanfield", "--batch", "4", "--json"] },
        { ["sweep", "--act", "tanh", "--width", "8", "--depth", "2", "--batch", "4", "--sigma-w", "1:2:2", "--json"] },
        { ["lsuv", "--act", "tanh", "--width", "8", "--depth", "2", "--batch", "8", "--json"] },
        { ["bench", "uniform", "--size", "64", "--repeat", "1", "--threads", "1", "--json"] },
        { ["init", "--scheme", "xavier_normal", "--shape", "4,6", "--out", "{dir}/w.npy", "--json"] },
    };

    private string[] Resolve(string[] args) => [.. args.Select(a => a.Replace("{dir}", _dir, StringComparison.Ordinal))];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_document_ends_with_a_config_that_re_runs_it(string[] args)
    {
        var first = CliHarness.Run(Resolve(args));
        Assert.Equal(0, first.ExitCode);
        var doc = JsonNode.Parse(first.Out)!.AsObject();
        var config = doc["config"]!.AsObject();
        Assert.Equal("config", doc.Last().Key);
        Assert.Equal(LibraryInfo.Version, config["initlab_version"]!.GetValue<string>());
        Assert.Contains("+", LibraryInfo.Version); // the commit it was built from
        string command = config["command"]!.GetValue<string>();
        Assert.Equal(string.Join(" ", args.TakeWhile(a => !a.StartsWith('-')).Take(command.Split(' ').Length)), command);
        // Defaults are recorded too: the seed where the command has one, and --json itself.
        Assert.True(config["options"]!["json"]!.GetValue<bool>());

        var again = CliHarness.Run(Rerun(config));
        Assert.Equal(0, again.ExitCode);
        var second = JsonNode.Parse(again.Out)!.AsObject();
        if (args[0] == "bench") return; // timings differ from run to run; the rest must not
        Assert.Equal(Without(doc, "config"), Without(second, "config"));
        Assert.Equal(config.ToJsonString(), second["config"]!.ToJsonString());
    }

    /// <summary>The command line that a config describes: command words, arguments, then every option that is set.</summary>
    private static string[] Rerun(JsonObject config)
    {
        var args = config["command"]!.GetValue<string>().Split(' ').ToList();
        if (config["arguments"] is JsonObject arguments)
            foreach (var (_, value) in arguments) args.Add(Text(value!));
        foreach (var (key, value) in config["options"]!.AsObject())
        {
            if (value is null || value.GetValueKind() == JsonValueKind.False) continue;
            args.Add("--" + key.Replace('_', '-'));
            if (value.GetValueKind() != JsonValueKind.True) args.Add(Text(value));
        }
        return [.. args];
    }

    private static string Text(JsonNode value) => value switch
    {
        JsonArray a => string.Join(",", a.Select(e => Text(e!))),
        _ when value.GetValueKind() == JsonValueKind.Number => value.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
        _ => value.GetValue<string>(),
    };

    private static string Without(JsonObject doc, string key)
    {
        var copy = doc.DeepClone().AsObject();
        copy.Remove(key);
        return copy.ToJsonString();
    }

    [Fact]
    public void Non_finite_numbers_are_the_strings_NaN_Infinity_and_minus_Infinity_in_every_document()
    {
        // relu with N(0, 1) weights at width 512 overflows float32 within about 30 layers.
        var r = CliHarness.Run("propagate", "--act", "identity", "--width", "64", "--depth", "60", "--init", "normal", "--batch", "2", "--json");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Out); // strict JSON: a bare NaN literal would not parse
        var last = doc.RootElement.GetProperty("layers").EnumerateArray().Last();
        Assert.Equal(doc.RootElement.GetProperty("first_nonfinite_layer").GetInt32(), last.GetProperty("layer").GetInt32());
        var texts = last.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).Select(p => p.Value.GetString()).ToList();
        Assert.NotEmpty(texts);
        Assert.All(texts, t => Assert.Contains(t, new[] { "NaN", "Infinity", "-Infinity" }));
        // theory: xi_c is infinite at the critical point, written "Infinity" (was null, like an undefined value).
        var t = CliHarness.Run("theory", "--act", "tanh", "--sigma-w", "1", "--sigma-b", "0", "--json");
        using var theory = JsonDocument.Parse(t.Out);
        Assert.Equal("Infinity", theory.RootElement.GetProperty("xi_c").GetString());
    }

    [Fact]
    public void The_activation_key_holds_the_canonical_name_everywhere()
    {
        foreach (var args in new[]
        {
            new[] { "gain", "leaky_relu", "--param", "0.2", "--json" },
            ["theory", "--act", "leaky_relu", "--param", "0.2", "--sigma-w", "1.4", "--json"],
            ["theory", "critical", "--act", "leaky_relu", "--param", "0.2", "--json"],
            ["sweep", "--act", "leaky_relu", "--param", "0.2", "--width", "8", "--depth", "2", "--batch", "4", "--sigma-w", "1", "--json"],
        })
        {
            var r = CliHarness.Run(args);
            Assert.Equal(0, r.ExitCode);
            using var doc = JsonDocument.Parse(r.Out);
            Assert.Equal("leaky_relu", doc.RootElement.GetProperty("activation").GetString());
            Assert.Equal(0.2, doc.RootElement.GetProperty("param").GetDouble());
        }
    }
}
