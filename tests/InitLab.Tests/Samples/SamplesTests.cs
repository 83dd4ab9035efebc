using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace InitLab.Tests.Samples;

/// <summary>
/// The programs under samples/ are built with the tests (project references) and run here as a user runs them, so they
/// never rot; README's C# section is made of their marked regions, word for word.
/// </summary>
public class SamplesTests
{
    private static string Run(string sample)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, sample + ".dll");
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{sample} exited with {process.ExitCode}: {stderr.Result}");
        return output;
    }

    [Fact]
    public void InitializeModel_draws_each_tensor_at_the_kaiming_std()
    {
        var lines = Run("InitializeModel").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        foreach (var (line, fanIn, count) in new[] { (lines[0], 784, 256 * 784), (lines[1], 256, 10 * 256) })
        {
            var m = Regex.Match(line, @"std ([\d.]+), target ([\d.]+)");
            Assert.True(m.Success, line);
            double std = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), target = double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.Equal(Math.Sqrt(2.0 / fanIn), target, 5);
            Assert.True(Math.Abs(std - target) <= 5 * target / Math.Sqrt(2.0 * count) + 1e-5, line); // SE of a std: sigma / sqrt(2n)
        }
    }

    [Fact]
    public void InspectTensor_tells_a_fresh_draw_from_a_trained_matrix()
    {
        string output = Run("InspectTensor");
        Assert.Contains("fresh:   Init, best scheme xavier_uniform", output);
        Assert.Matches(@"trained: Trained \(.*above the Marchenko-Pastur edge", output);
    }

    [Fact]
    public void DiagnosePropagation_finds_normal_exploding_and_kaiming_stable()
    {
        string output = Run("DiagnosePropagation");
        Assert.Matches(@"normal: exploding, std x[\d.]+ per layer, first non-finite layer \d+", output);
        Assert.Contains("kaiming_normal: stable", output);
        Assert.Contains("tanh, sigma_w 1.5, sigma_b 0.1: Chaotic", output);
        Assert.Contains($"critical sigma_w at sigma_b 0.1: {InitLab.Theory.CriticalLine.SigmaW(InitLab.Activations.Activation.Tanh, 0.1).SigmaW.ToString("F4", CultureInfo.InvariantCulture)}", output);
    }

    [Fact]
    public void ResNet_prints_every_block_and_the_diagnosis()
    {
        string output = Run("ResNet");
        foreach (string block in new[] { "stem", "block1", "block4", "block8", "head" }) Assert.Matches($"(?m)^{block} +std ", output);
        // AutoInit predicts std 1 at every block's output; a default init of this no-norm ResNet doubles the variance per block.
        foreach (Match m in Regex.Matches(output, @"(?m)^block\d+ +std [\d.]+ -> ([\d.]+) \(predicted ([\d.]+)\)"))
            Assert.Equal(1.0, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), 3);
        Assert.Equal(8, Regex.Matches(output, @"(?m)^block\d+ +std [\d.]+ -> [\d.]+ \(predicted").Count);
        Assert.Matches(@"\d+ nodes, \d+ parameters: stable$", output.TrimEnd());
    }

    [Fact]
    public void The_readme_csharp_blocks_are_the_samples_marked_regions()
    {
        string root = RepositoryRoot();
        var blocks = Regex.Matches(File.ReadAllText(Path.Combine(root, "README.md")), "```csharp\n(.*?)```", RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value.Trim()).ToList();
        var regions = Directory.GetFiles(Path.Combine(root, "samples"), "Program.cs", SearchOption.AllDirectories)
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), "// <readme>\n(.*?)// </readme>", RegexOptions.Singleline))
            .Select(m => m.Groups[1].Value.Trim()).ToList();
        Assert.Equal(4, regions.Count);
        Assert.Equal(regions.Order(StringComparer.Ordinal), blocks.Order(StringComparer.Ordinal));
    }

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "InitLab.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
