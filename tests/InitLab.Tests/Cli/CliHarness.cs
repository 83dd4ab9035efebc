using InitLab.Cli;

namespace InitLab.Tests.Cli;

/// <summary>Runs the CLI in-process with captured stdout and stderr.</summary>
internal static class CliHarness
{
    public sealed record Result(int ExitCode, string Out, string Err);

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, new CliContext(output, error, interactive: false));
        return new Result(code, output.ToString(), error.ToString());
    }
}
