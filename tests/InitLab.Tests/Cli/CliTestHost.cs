using InitLab.Cli;

namespace InitLab.Tests.Cli;

/// <summary>Runs the CLI in-process with captured stdout and stderr.</summary>
internal static class CliTestHost
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, new CliContext(output, error, interactive: false));
        return (code, output.ToString(), error.ToString());
    }
}
