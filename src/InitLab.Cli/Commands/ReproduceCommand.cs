using System.CommandLine;

namespace InitLab.Cli;

/// <summary><c>initlab reproduce</c>: the classic initialization experiments (filled in by the foundation issue).</summary>
internal static class ReproduceCommand
{
    public static Command Create(CliContext ctx)
    {
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var command = new Command("reproduce", "Run the classic initialization experiments and compare them with theory") { seed, json };
        command.SetAction(pr => 0);
        return command;
    }
}
