using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace InitLab.Cli;

/// <summary>
/// <c>--help</c> for every command: System.CommandLine's sections (usage, arguments, options with "(REQUIRED)" and
/// "[default: ...]") followed by an "Examples:" section. A command registers its examples with
/// <see cref="Examples"/>; every command must have at least one (a test checks it).
/// </summary>
internal static class Help
{
    private static readonly ConditionalWeakTable<Command, IReadOnlyList<string>> Table = new();

    /// <summary>Registers the examples shown by <c>initlab COMMAND --help</c> (full command lines starting with "initlab").</summary>
    public static T Examples<T>(T command, params string[] examples) where T : Command
    {
        Table.AddOrUpdate(command, examples);
        return command;
    }

    /// <summary>The examples registered for <paramref name="command"/> (empty when none).</summary>
    public static IReadOnlyList<string> ExamplesOf(Command command) => Table.TryGetValue(command, out var e) ? e : [];

    /// <summary>Makes the root command's help option print the examples after System.CommandLine's own help text.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var option in root.Options)
            if (option is HelpOption { Action: HelpAction action } help) help.Action = new WithExamples(action);
    }

    // System.CommandLine 3 keeps its help layout internal: run its help, then append the section.
    private sealed class WithExamples(HelpAction inner) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            int code = inner.Invoke(parseResult);
            var examples = ExamplesOf(parseResult.CommandResult.Command);
            if (examples.Count > 0)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (string e in examples) output.WriteLine($"  {e}");
                output.WriteLine();
            }
            return code;
        }
    }
}
