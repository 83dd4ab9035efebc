using System.CommandLine;
using InitLab.Cli;

namespace InitLab.Tests.Cli;

/// <summary>Every command's --help shows at least one example, marks required options and shows every default.</summary>
public class HelpTests
{
    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var command in Commands(CliApp.Root(new CliContext(TextWriter.Null, TextWriter.Null, false)))) data.Add(command.Path);
        return data;
    }

    private static IEnumerable<(Command Command, string Path)> Commands(Command root, string prefix = "")
    {
        foreach (var sub in root.Subcommands)
        {
            string path = (prefix + " " + sub.Name).Trim();
            yield return (sub, path);
            foreach (var nested in Commands(sub, path)) yield return nested;
        }
    }

    private static Command Find(string path)
    {
        Command c = CliApp.Root(new CliContext(TextWriter.Null, TextWriter.Null, false));
        foreach (string name in path.Split(' ')) c = c.Subcommands.Single(s => s.Name == name);
        return c;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void Help_shows_examples_that_parse(string path)
    {
        var r = CliHarness.Run([.. path.Split(' '), "--help"]);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Examples:", r.Out);
        var examples = Help.ExamplesOf(Find(path));
        Assert.NotEmpty(examples);
        var root = CliApp.Root(new CliContext(TextWriter.Null, TextWriter.Null, false));
        foreach (string example in examples)
        {
            Assert.Contains("  " + example, r.Out);
            Assert.StartsWith($"initlab {path} ", example + " ");
            // Every word of the example is a known option with a valid value (files it names need not exist here).
            var tokens = example.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).TakeWhile(t => t != ">").ToArray();
            var errors = root.Parse(tokens).Errors.Select(e => e.Message).Where(m => !m.Contains("does not exist")).ToList();
            Assert.True(errors.Count == 0, $"{example}: {string.Join("; ", errors)}");
        }
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public void Help_marks_required_options_and_shows_every_default(string path)
    {
        var command = Find(path);
        string help = CliHarness.Run([.. path.Split(' '), "--help"]).Out;
        foreach (var option in command.Options.Where(o => o.Name != "--help" && !o.Hidden))
        {
            string row = help.Split('\n').First(l => l.TrimStart().StartsWith(option.Name, StringComparison.Ordinal) || l.Contains(", " + option.Name));
            if (option.Required) Assert.Contains("(REQUIRED)", row);
            else if (option.ValueType == typeof(bool)) continue; // a flag: absent means false
            else if (option.HasDefaultValue) Assert.Contains("[default: ", row);
            else Assert.True(row.Contains("default", StringComparison.Ordinal) || row.Contains("required unless") || row.Contains("is required)") || row.Contains("required there"),
                $"{path} {option.Name} neither is required nor states its default: {row}");
        }
    }
}
