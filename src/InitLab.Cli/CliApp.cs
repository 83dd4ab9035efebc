using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.RegularExpressions;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>Where a command writes: stdout, stderr and a Spectre console over stdout.</summary>
internal sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, bool interactive)
    {
        Out = output;
        Err = error;
        Interactive = interactive;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        // Redirected output defaults to 80 columns, which squeezes wide tables.
        if (!interactive) Console.Profile.Width = 200;
    }

    public TextWriter Out { get; }
    public TextWriter Err { get; }

    /// <summary>The memory (bytes) a command may plan to use; runs estimated above it are refused before they start.</summary>
    public double MemoryBudget { get; init; } = Resources.DefaultBudget();
    public bool Interactive { get; }
    public IAnsiConsole Console { get; }
}

/// <summary>A user mistake detected by the CLI itself: reported on one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Builds the <c>initlab</c> command tree and runs it with the exit-code contract of design.md.</summary>
internal static class CliApp
{
    public const int Ok = 0, Failure = 1, BadInput = 2;

    public static int RunConsole(string[] args)
    {
        bool interactive = !System.Console.IsOutputRedirected;
        if (args is ["reproduce", ..] && !args.Contains("--json")) ReproduceCommand.StartWarmUp(interactive);
        return Run(args, new CliContext(System.Console.Out, System.Console.Error, interactive));
    }

    public static int Run(string[] args, CliContext ctx)
    {
        ParseResult parsed = Root(ctx, CommandNamed(args)).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // One line for all problems, no help text, exit code 2.
            ctx.Err.WriteLine($"error: {string.Join(" ", parsed.Errors.Select(e => Friendly(OneLine(WithoutParameterSuffix(e.Message)))))}");
            return BadInput;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = ctx.Out, Error = ctx.Err, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is ArgumentException or UsageException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException or UnauthorizedAccessException)
        {
            ctx.Err.WriteLine($"error: {OneLine(InOptionWords(WithoutParameterSuffix(ex.Message), ex as ArgumentException, parsed))}");
            return BadInput;
        }
        catch (OutOfMemoryException)
        {
            ctx.Err.WriteLine("error: out of memory; the run needed more memory than its estimate, or than this machine has free. Try smaller sizes.");
            return Failure;
        }
        catch (Exception ex)
        {
            ctx.Err.WriteLine($"error: {OneLine(ex.Message)}");
            return Failure;
        }
    }

    private static string OneLine(string message) => Regex.Replace(message.ReplaceLineEndings(" "), @"\s+", " ").Trim();

    /// <summary>System.CommandLine names .NET types in conversion errors; say what kind of value was expected instead.</summary>
    private static string Friendly(string message) => Regex.Replace(message,
        @"as expected type '([^']*)'", m => m.Groups[1].Value switch
        {
            var t when t.Contains("Double") || t.Contains("Single") => "as a finite number",
            var t when t.Contains("Int") => "as an integer",
            var t => $"as {t}",
        });

    /// <summary>The message without .NET's " (Parameter 'x')" suffix: the text already names what is wrong.</summary>
    internal static string WithoutParameterSuffix(string message) => Regex.Replace(message, @"\s*\(Parameter '[^']*'\)", "");

    /// <summary>
    /// The library's names for a setting, as they appear in its messages ("a must be &lt; b, got a = 2 and b = 1"), and
    /// the option that sets it. A name is rewritten only where it stands for the setting: at the start of the message,
    /// after "got", "&lt;" or "and", and before "must", "=", "," or ".".
    /// </summary>
    private static readonly (string Library, string Option)[] LibraryNames =
    [
        ("a", "--low"), ("b", "--high"), ("low", "--low"), ("high", "--high"), ("mean", "--mean"), ("std", "--std"), ("gain", "--gain"),
        ("scale", "--scale"), ("sparsity", "--sparsity"), ("value", "--value"), ("groups", "--groups"), ("parameter", "--param"),
        ("sigma_w", "--sigma-w"), ("sigma_b", "--sigma-b"), ("batch", "--batch"), ("tolerance", "--tolerance"), ("maxIterations", "--max-iterations"),
        ("input variance", "--input-variance"), ("residual alpha", "--residual"),
    ];

    /// <summary>
    /// Rewrites the library's parameter names in <paramref name="message"/> as the invoked command's option names (an
    /// error message uses option names, not internal parameter names), when the exception names such a parameter.
    /// </summary>
    private static string InOptionWords(string message, ArgumentException? ex, ParseResult parsed)
    {
        if (ex?.ParamName is not { } param || !LibraryNames.Any(n => n.Library == param)) return message;
        var options = parsed.CommandResult.Command.Options.Select(o => o.Name).ToHashSet();
        foreach (var (library, option) in LibraryNames)
            if (options.Contains(option))
                message = Regex.Replace(message.Replace($"option '{library}'", option, StringComparison.Ordinal),
                    $@"(?<=^|, got |< | and ){Regex.Escape(library)}(?= must| =|[,.]|$)", option);
        return message;
    }

    /// <summary>The <c>initlab</c> command tree, with help that shows every command's examples; with
    /// <paramref name="only"/>, the root holds that one command (what a run of it parses against: the others' options,
    /// defaults and parsers are built for nothing, 10-20 ms of the start).</summary>
    internal static RootCommand Root(CliContext ctx, string? only = null)
    {
        var root = new RootCommand("InitLab: initialize neural networks well, and prove that the initialization works.");
        foreach (var (name, create) in Commands)
            if (only is null || name == only) root.Add(create(ctx));
        Help.Install(root);
        return root;
    }

    /// <summary>The top-level command that <paramref name="args"/> run, when the first token names one; null otherwise
    /// (no arguments, root options, response files, a typo: those parse against the whole tree).</summary>
    internal static string? CommandNamed(string[] args) =>
        args.Length > 0 && Array.Exists(Commands, c => c.Name == args[0]) ? args[0] : null;

    /// <summary>Every top-level command by name; each lives in its own file under Commands/.</summary>
    internal static readonly (string Name, Func<CliContext, Command> Create)[] Commands =
    [
        ("reproduce", ReproduceCommand.Create),
        ("init", InitCommand.Create),
        ("audit", AuditCommand.Create),
        ("inspect", InspectCommand.Create),
        ("reinit", ReinitCommand.Create),
        ("propagate", PropagateCommand.Create),
        ("models", ModelsCommand.Create),
        ("sweep", SweepCommand.Create),
        ("merge", MergeCommand.Create),
        ("lsuv", LsuvCommand.Create),
        ("autoinit", AutoInitCommand.Create),
        ("coordcheck", CoordCheckCommand.Create),
        ("gain", GainCommand.Create),
        ("bench", BenchCommand.Create),
        ("theory", TheoryCommand.Create),
        ("probe", ProbeCommand.Create),
        ("train", TrainCommand.Create),
        ("trainability", TrainabilityCommand.Create),
    ];
}
