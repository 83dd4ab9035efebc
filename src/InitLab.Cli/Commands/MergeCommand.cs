using System.CommandLine;
using InitLab.Formats.Sweeps;
using InitLab.Formats.Trainability;
using InitLab.Propagation;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab merge FILE.json...</c>: combine sweep (or trainability) shards into one document. Reading and every check are
/// the library's (<see cref="SweepJson.ReadFile"/> and <see cref="TrainabilityJson.ReadFile"/>, then
/// <see cref="ShardedGrid.Merge{TDocument, TCell}"/>): every setting must agree (the first that differs is named), and the
/// cells must cover the grid exactly once. The kind of document is read from the first file's "format".
/// </summary>
internal static class MergeCommand
{
    public static Command Create(CliContext ctx)
    {
        var files = new Argument<string[]>("FILES")
        {
            Description = "Shard outputs of initlab sweep --json or initlab trainability --json",
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
        var plot = CliOptions.OutputFile("--plot", "The merged grid's heatmaps to FILE.png or FILE.svg: a sweep's phase diagram, a trainability grid's accuracy (default: no plot)", Plots.Extensions);
        var report = HtmlReport.Option();
        var command = Help.Examples(new Command("merge", "Combine sweep or trainability shards into one document") { files, json, plot, report },
            "initlab merge shard1.json shard2.json shard3.json --json > sweep.json",
            "initlab merge shards/*.json --report sweep.html",
            "initlab merge trainability-*.json --plot trainability.png");
        command.SetAction(pr =>
        {
            var paths = pr.GetValue(files)!;
            if (IsTrainability(paths[0]))
            {
                if (pr.IsGiven(report)) throw new UsageException("--report applies to sweep documents; plot a trainability grid with --plot.");
                var whole = TrainabilityDocument.Merge(paths.Select(TrainabilityJson.ReadFile).ToList(), paths);
                if (pr.GetValue(json)) ctx.Out.WriteLine(Json.Document(pr, w => TrainabilityJson.WriteProperties(w, whole)));
                else TrainabilityCommand.Render(ctx, whole);
                if (pr.GetValue(plot) is { } heatmapPath) TrainabilityCommand.Heatmap(heatmapPath, whole);
                return CliApp.Ok;
            }
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

    /// <summary>Whether a document file is a trainability document (its "format"), read with the sweep reader's size limit.</summary>
    private static bool IsTrainability(string path)
    {
        InitLab.Formats.FileKinds.CheckReadable(path);
        if (new FileInfo(path).Length > TrainabilityJson.MaxBytes) return false; // the reader reports the size
        return TrainabilityJson.Sniff(File.ReadAllBytes(path));
    }
}
