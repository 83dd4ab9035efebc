using System.Text;
using System.Text.Json.Nodes;
using InitLab.Cli;
using InitLab.Formats;
using InitLab.Formats.Npy;
using InitLab.Tensors;
using InitLab.Tests.Formats;

namespace InitLab.Tests.Cli;

/// <summary>
/// The files a bad-input case may point at (see the header of BadInputCases.txt), made once per test class with the
/// CLI itself, and a snapshot of them to prove that no case replaced or wrote any of them.
/// </summary>
public sealed class BadInputFixture : IDisposable
{
    public BadInputFixture()
    {
        Root = Directory.CreateTempSubdirectory("initlab-bad-input").FullName;
        Fixtures = Path.Combine(Root, "fx");
        Directory.CreateDirectory(Fixtures);
        Directory.CreateDirectory(Path.Combine(Fixtures, "adir"));
        Cli("init", "--scheme", "normal", "--shape", "32,32", "--seed", "1", "--out", F("w.npy"));
        Cli("init", "--scheme", "normal", "--shape", "8,16", "--out", F("in.npy"));
        var withNaN = new float[8 * 16];
        new InitLab.Random.Generator(3).Normal(withNaN);
        withNaN[3 * 16 + 5] = float.NaN;
        NpyFormat.Write(F("nan.npy"), withNaN, new Shape(8, 16));
        NpyFormat.Write(F("rank3.npy"), new float[2 * 8 * 16], new Shape(2, 8, 16));
        var garbage = new byte[300];
        new System.Random(7).NextBytes(garbage);
        File.WriteAllBytes(F("garbage.npy"), garbage);
        File.WriteAllBytes(F("empty"), []);
        File.WriteAllText(F("notjson.json"), "hello");
        File.WriteAllText(F("array.json"), "[]");
        Fifos = SpecialFiles.Fifo(F("pipe")) && SpecialFiles.Fifo(F("pipe.png"));
        Device = SpecialFiles.CharacterDevice(F("full"));
        DevicePng = SpecialFiles.CharacterDevice(F("full.png"));

        string[] sweep = ["sweep", "--act", "tanh", "--width", "8", "--depth", "2", "--batch", "4", "--sigma-w", "1:2:2", "--sigma-b", "0:0.1:2",
            "--engine", "ensemble", "--seed", "3", "--json"];
        string Shard(int k, params string[] change)
        {
            var args = sweep.ToList();
            for (int i = 0; i < change.Length; i += 2)
            {
                int at = args.IndexOf(change[i]);
                if (at >= 0) args[at + 1] = change[i + 1];
                else args.AddRange([change[i], change[i + 1]]);
            }
            return Cli([.. args, "--shard", $"{k}/2"]);
        }
        File.WriteAllText(F("s1.json"), Shard(1));
        string s2 = Shard(2);
        File.WriteAllText(F("s2.json"), s2);
        File.WriteAllText(F("s2res.json"), Shard(2, "--residual", "0.5"));
        File.WriteAllText(F("s2iv.json"), Shard(2, "--input-variance", "2"));
        File.WriteAllText(F("s2seed.json"), Shard(2, "--seed", "4"));
        File.WriteAllText(F("s2grid.json"), Shard(2, "--sigma-w", "1:3:2"));
        File.WriteAllText(F("s2act.json"), Shard(2, "--act", "relu"));
        void Mutate(string name, Action<JsonObject> change)
        {
            var doc = JsonNode.Parse(s2)!.AsObject();
            change(doc);
            File.WriteAllText(F(name), doc.ToJsonString());
        }
        Mutate("s2bad.json", d => d["cells"]![0]!["index"] = 99999);
        Mutate("s2neg.json", d => d["cells"]![0]!["index"] = -1);
        Mutate("s2str.json", d => d["cells"]![0]!["index"] = d["cells"]![0]!["index"]!.ToJsonString());
        Mutate("s2nokeys.json", d => d.Remove("seed"));
        Mutate("s2total.json", d => d["total_cells"] = 3);
        Snapshot = Take();
    }

    public string Root { get; }
    public string Fixtures { get; }
    public bool Fifos { get; }
    public string Device { get; }
    public string DevicePng { get; }
    public string Snapshot { get; }

    public string F(string name) => Path.Combine(Fixtures, name);

    /// <summary>Every fixture's name, kind, size and modification time: a case that wrote or replaced one changes it.</summary>
    public string Take()
    {
        var sb = new StringBuilder();
        foreach (var path in Directory.EnumerateFileSystemEntries(Fixtures).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            var kind = FileKinds.Of(path);
            sb.Append(Path.GetFileName(path)).Append(' ').Append(kind).Append(' ')
                .Append(kind == FileKind.Regular ? info.Length : 0).Append(' ').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>The placeholders of BadInputCases.txt and what they stand for; {tmp} is per case.</summary>
    public IReadOnlyDictionary<string, string> Placeholders() => new Dictionary<string, string>
    {
        ["{dev}"] = Device, ["{devpng}"] = DevicePng, ["{fifo}"] = F("pipe"), ["{fifopng}"] = F("pipe.png"), ["{dir}"] = F("adir"),
        ["{missing}"] = F(Path.Combine("no", "such")), ["{w}"] = F("w.npy"), ["{npy}"] = F("in.npy"), ["{nan}"] = F("nan.npy"),
        ["{rank3}"] = F("rank3.npy"), ["{garbage}"] = F("garbage.npy"), ["{emptyfile}"] = F("empty"), ["{notjson}"] = F("notjson.json"),
        ["{arrayjson}"] = F("array.json"), ["{s1}"] = F("s1.json"), ["{s2}"] = F("s2.json"), ["{s2res}"] = F("s2res.json"),
        ["{s2iv}"] = F("s2iv.json"), ["{s2seed}"] = F("s2seed.json"), ["{s2grid}"] = F("s2grid.json"), ["{s2act}"] = F("s2act.json"),
        ["{s2bad}"] = F("s2bad.json"), ["{s2neg}"] = F("s2neg.json"), ["{s2str}"] = F("s2str.json"), ["{s2nokeys}"] = F("s2nokeys.json"),
        ["{s2total}"] = F("s2total.json"),
        ["{onnx}"] = InitLab.Tests.Formats.Fixtures.PathOf("cnn.onnx"), ["{onnxunsupported}"] = InitLab.Tests.Formats.Fixtures.PathOf(Path.Combine("ops", "unsupported.onnx")),
        ["{pt}"] = InitLab.Tests.Formats.Fixtures.PathOf("cnn.pt"),
    };

    private static string Cli(params string[] args)
    {
        var r = CliHarness.Run(args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"fixture command failed: {string.Join(" ", args)}: {r.Err}");
        return r.Out;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>
/// Every line of BadInputCases.txt is a bad command line (a wrong number such as '1,5', NaN, 0, -1, 1e12, an empty
/// string, a directory / fifo / device / missing directory as a path, an unknown name, conflicting or ignored options,
/// sizes beyond memory, corrupt or mismatched sweep shards). Each must meet the contract of design.md: exit code 2,
/// exactly one line on stderr without a stack trace, nothing on stdout, no file written and nothing replaced.
/// </summary>
public sealed class BadInputCampaignTests(BadInputFixture fixture) : IClassFixture<BadInputFixture>
{
    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        int line = 0;
        foreach (string text in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Cli", "BadInputCases.txt")))
        {
            line++;
            if (text.Length > 0 && !text.StartsWith('#')) data.Add(line, text);
        }
        return data;
    }

    [Fact]
    public void The_campaign_has_more_than_300_cases_over_every_command()
    {
        var commands = Cases().Select(row => (string)row[1]).Select(c => c.Split(' ')[0]).ToHashSet();
        Assert.True(Cases().Count > 300, $"{Cases().Count} cases");
        foreach (string command in new[] { "init", "audit", "propagate", "sweep", "merge", "lsuv", "gain", "bench", "theory", "reproduce" })
            Assert.Contains(command, commands);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_command_line_exits_2_with_one_line_on_stderr_and_writes_nothing(int line, string commandLine)
    {
        if (commandLine.Contains("{fifo") && !fixture.Fifos) return; // no mkfifo on this system
        string tmp = Directory.CreateDirectory(Path.Combine(fixture.Root, $"case{line}")).FullName;
        var args = Split(commandLine).Select(a => Substitute(a, tmp)).ToArray();
        var output = new StringWriter();
        var error = new StringWriter();
        // A fixed memory budget, so that the resource refusals do not depend on the test machine.
        int code = CliApp.Run(args, new CliContext(output, error, interactive: false) { MemoryBudget = 16e9 });
        string err = error.ToString();
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string context = $"line {line}: {commandLine}\nstderr: {err}\nstdout: {output}";
        Assert.True(code == 2, $"exit code {code}; {context}");
        Assert.True(lines.Length == 1, $"{lines.Length} stderr lines; {context}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", err);
        Assert.DoesNotContain("Exception", err);
        Assert.True(output.ToString().Length == 0, $"stdout not empty; {context}");
        Assert.True(Directory.GetFileSystemEntries(tmp).Length == 0, $"wrote {string.Join(", ", Directory.GetFileSystemEntries(tmp))}; {context}");
        Assert.True(fixture.Take() == fixture.Snapshot, $"a fixture changed; {context}");
    }

    [Theory]
    [InlineData("--sigma-w must be at most", "theory", "--act", "tanh", "--sigma-w", "1e300", "--sigma-b", "0.1")]
    [InlineData("--sigma-b must be at most", "theory", "critical", "--act", "tanh", "--sigma-b", "1e300")]
    [InlineData("--sigma-w must be at most", "propagate", "--act", "tanh", "--width", "8", "--depth", "2", "--sigma-w", "1e300")]
    [InlineData("--sigma-b must be at most", "propagate", "--act", "tanh", "--width", "8", "--depth", "2", "--sigma-w", "1", "--sigma-b", "1e300")]
    [InlineData("--sigma-b must be at most", "lsuv", "--act", "tanh", "--width", "8", "--depth", "2", "--sigma-b", "1e300")]
    public void A_scale_too_large_for_its_arithmetic_is_refused_by_its_option_name(string expected, params string[] args)
    {
        // These were refused by internal names ("q must be a finite number", "std must be ...") after the run had started.
        var error = new StringWriter();
        int code = CliApp.Run(args, new CliContext(new StringWriter(), error, interactive: false));
        Assert.Equal(2, code);
        Assert.StartsWith("error: " + expected, error.ToString());
    }

    private string Substitute(string arg, string tmp)
    {
        arg = arg.Replace("{tmp}", tmp, StringComparison.Ordinal);
        foreach (var (key, value) in fixture.Placeholders()) arg = arg.Replace(key, value, StringComparison.Ordinal);
        return arg;
    }

    /// <summary>Splits on spaces; single quotes group ('' is an empty argument, 'a b' one argument).</summary>
    internal static List<string> Split(string line)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        bool quoted = false, any = false;
        foreach (char c in line)
        {
            if (c == '\'')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any) args.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }
        if (any) args.Add(current.ToString());
        return args;
    }
}
