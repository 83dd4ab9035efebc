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

    public static TheoryData<string> TopLevelNames() => [.. CliApp.Commands.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(TopLevelNames))]
    public void A_run_parses_against_its_one_command_tree_as_against_the_whole_tree(string name)
    {
        // Run builds only the command that the first token names; its help, its errors and its parse are those of the
        // whole tree.
        var ctx = new CliContext(TextWriter.Null, TextWriter.Null, false);
        Assert.Equal(name, CliApp.CommandNamed([name, "--help"]));
        Assert.Equal(name, Assert.Single(CliApp.Root(ctx, name).Subcommands).Name);
        foreach (string[] args in new[] { new[] { name, "--help" }, [name, "--no-such-option", "1"], [name, "--seed", "x"], [name] })
        {
            var (whole, one) = (CliApp.Root(ctx).Parse(args), CliApp.Root(ctx, name).Parse(args));
            Assert.Equal(whole.Errors.Select(e => e.Message), one.Errors.Select(e => e.Message));
            Assert.Equal(whole.CommandResult.Command.Name, one.CommandResult.Command.Name);
            var (wholeOut, oneOut) = (new StringWriter(), new StringWriter());
            if (args[^1] == "--help")
            {
                whole.Invoke(new InvocationConfiguration { Output = wholeOut });
                one.Invoke(new InvocationConfiguration { Output = oneOut });
                Assert.Equal(wholeOut.ToString(), oneOut.ToString());
            }
        }
        Assert.Null(CliApp.CommandNamed([]));
        Assert.Null(CliApp.CommandNamed(["--version"]));
        Assert.Null(CliApp.CommandNamed(["reproduc"]));
    }
}
