using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InitLab.Tests.Samples;

namespace InitLab.Tests.Cli;

/// <summary>
/// The cluster files of docs/cluster run as written: the Slurm array script once per task with the variables Slurm sets,
/// the Kubernetes Indexed Job's command once per index, then each merge step; the merged sweep equals the unsharded one.
/// </summary>
public sealed class ClusterDocsTests : IDisposable
{
    private static readonly string Docs = Path.Combine(SamplesTests.RepositoryRoot(), "docs", "cluster");
    private readonly string _work = Directory.CreateTempSubdirectory("initlab-cluster-").FullName;
    private readonly string _bin;

    public ClusterDocsTests()
    {
        // initlab on the PATH, as the tool would be: this build's CLI.
        _bin = Path.Combine(_work, "bin");
        Directory.CreateDirectory(_bin);
        string shim = Path.Combine(_bin, "initlab");
        File.WriteAllText(shim, $"#!/bin/sh\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "InitLab.Cli.dll")}\" \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public void The_slurm_array_and_its_merge_give_the_unsharded_sweep()
    {
        string script = File.ReadAllText(Path.Combine(Docs, "sweep-array.sbatch"));
        var array = Regex.Match(script, @"#SBATCH --array=(\d+)-(\d+)");
        Assert.True(array.Success, "the script declares no --array=MIN-MAX");
        int min = int.Parse(array.Groups[1].Value), max = int.Parse(array.Groups[2].Value);
        Assert.True(max > min, "the array should have several tasks");
        string dir = Path.Combine(_work, "slurm");
        Directory.CreateDirectory(dir);
        for (int id = min; id <= max; id++)
            Run(dir, "bash", [Path.Combine(Docs, "sweep-array.sbatch")], new()
            {
                ["SLURM_ARRAY_JOB_ID"] = "4242", ["SLURM_ARRAY_TASK_ID"] = $"{id}", ["SLURM_ARRAY_TASK_MIN"] = $"{min}",
                ["SLURM_ARRAY_TASK_MAX"] = $"{max}", ["SLURM_ARRAY_TASK_COUNT"] = $"{max - min + 1}", ["SLURM_ARRAY_TASK_STEP"] = "1",
            });
        Assert.Equal(max - min + 1, Directory.GetFiles(Path.Combine(dir, "shards"), "shard-*.json").Length);
        Run(dir, "bash", [Path.Combine(Docs, "merge.sbatch")], []);
        AssertEqualsUnsharded(SweepArguments(script), Path.Combine(dir, "sweep.json"));
        Assert.Contains("<script type=\"application/json\" id=\"initlab-data\">", File.ReadAllText(Path.Combine(dir, "sweep.html")));
    }

    [Fact]
    public void The_kubernetes_indexed_job_and_its_merge_give_the_unsharded_sweep()
    {
        string job = File.ReadAllText(Path.Combine(Docs, "sweep-job.yaml"));
        Assert.Contains("completionMode: Indexed", job);
        int completions = int.Parse(Regex.Match(job, @"(?m)^\s+completions: (\d+)").Groups[1].Value);
        string sweep = CommandLine(job, "initlab sweep");
        Assert.Contains($"--shard auto/{completions}", sweep);
        string dir = Path.Combine(_work, "k8s");
        Directory.CreateDirectory(dir);
        for (int index = 0; index < completions; index++)
            Run(dir, "/bin/sh", ["-c", sweep.Replace("/results", dir, StringComparison.Ordinal)], new() { ["JOB_COMPLETION_INDEX"] = $"{index}" });
        string merge = CommandLine(File.ReadAllText(Path.Combine(Docs, "merge-job.yaml")), "initlab merge");
        Run(dir, "/bin/sh", ["-c", merge.Replace("/results", dir, StringComparison.Ordinal)], []);
        AssertEqualsUnsharded(SweepArguments(sweep), Path.Combine(dir, "sweep.json"));
        Assert.True(File.Exists(Path.Combine(dir, "sweep.html")));
    }

    [Fact]
    public void Shard_auto_without_a_job_array_is_one_clear_error()
    {
        var (code, _, err) = Run(_work, "/bin/sh", ["-c", "initlab sweep --act tanh --width 8 --depth 2 --sigma-w 1:2:2 --shard auto --json"], [], check: false);
        Assert.Equal(2, code);
        Assert.Contains("no job array found (neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set)", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    /// <summary>The documented command's sweep arguments without the shard and the redirection.</summary>
    private static string[] SweepArguments(string text)
    {
        var m = Regex.Match(text, @"initlab sweep (.*?) --shard auto(/\d+)? --json");
        Assert.True(m.Success, "no 'initlab sweep ... --shard auto --json' command");
        return ["sweep", .. m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--json"];
    }

    /// <summary>The one shell line of a manifest that contains <paramref name="command"/>.</summary>
    private static string CommandLine(string manifest, string command) =>
        Assert.Single(manifest.Split('\n'), line => line.Contains(command, StringComparison.Ordinal) && !line.TrimStart().StartsWith('#')).Trim();

    private static void AssertEqualsUnsharded(string[] args, string mergedPath)
    {
        var whole = CliHarness.Run(args);
        Assert.Equal(0, whole.ExitCode);
        var expected = JsonNode.Parse(whole.Out)!.AsObject();
        var merged = JsonNode.Parse(File.ReadAllText(mergedPath))!.AsObject();
        expected.Remove("config");
        merged.Remove("config");
        Assert.Equal(expected.ToJsonString(), merged.ToJsonString());
    }

    private (int Code, string Out, string Err) Run(string dir, string file, string[] args, Dictionary<string, string> environment, bool check = true)
    {
        var start = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("SLURM_", StringComparison.Ordinal) || k == "JOB_COMPLETION_INDEX").ToList())
            start.Environment.Remove(name);
        start.Environment["PATH"] = _bin + ":" + start.Environment["PATH"];
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (check) Assert.True(process.ExitCode == 0, $"{file} {string.Join(" ", args)}: exit {process.ExitCode}: {stderr.Result}");
        return (process.ExitCode, stdout, stderr.Result);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // left for the OS's temporary-file cleanup
        }
    }
}
