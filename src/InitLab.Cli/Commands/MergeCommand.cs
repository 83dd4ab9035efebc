using System.CommandLine;
using InitLab.Formats.Sweeps;
using InitLab.Propagation;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab merge FILE.json...</c>: combine sweep shards into one sweep document. Reading and every check are the
/// library's (<see cref="SweepJson.ReadFile"/>, <see cref="SweepDocument.Merge"/>): every setting of the sweep must agree
/// (the first that differs is named), and the cells must cover the grid exactly once.
/// </summary>
internal static class MergeCommand
{
    public static Command Create(CliContext ctx)
    {
        var files = new Argument<string[]>("FILES")
        {
            Description = "Shard outputs of initlab sweep --json",
            Arity = ArgumentArity.OneOrMore,
            CustomParser = r =>
            {
                var paths = r.Tokens.Select(t => t.Value).ToArray();
                foreach (var path in paths)
                    if (InputFiles.Problem(path, "FILES") is { } problem)
                    {
                        r.AddError(problem);
                        break;
                    }
                return paths;
            },
        };
        var json = CliOptions.Json();
        var plot = CliOptions.OutputFile("--plot", "The merged sweep's phase heatmaps to FILE.png or FILE.svg (default: no plot)", Plots.Extensions);
        var report = HtmlReport.Option();
        var command = Help.Examples(new Command("merge", "Combine sweep shards into one sweep document") { files, json, plot, report },
            "initlab merge shard1.json shard2.json shard3.json --json > sweep.json",
            "initlab merge shards/*.json --report sweep.html");
        command.SetAction(pr =>
        {
            var paths = pr.GetValue(files)!;
            var docs = paths.Select(SweepJson.ReadFile).ToList();
            var merged = SweepDocument.Merge(docs, paths);
            if (pr.GetValue(json)) ctx.Out.WriteLine(Json.Document(pr, w => SweepJson.WriteProperties(w, merged)));
            else SweepCommand.Render(ctx, merged);
            if (pr.GetValue(plot) is { } plotPath) SweepCommand.PhaseFigure(merged).Save(plotPath);
            if (pr.GetValue(report) is { } reportPath)
                SweepCommand.Report(merged, pr).Save(reportPath, Json.Document(pr, w => SweepJson.WriteProperties(w, merged)));
            return CliApp.Ok;
        });
        return command;
    }
}
