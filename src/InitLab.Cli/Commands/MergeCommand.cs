using System.CommandLine;

namespace InitLab.Cli;

/// <summary><c>initlab merge FILE.json...</c>: combine sweep (or trainability) shards into one document.</summary>
internal static class MergeCommand
{
    public static Command Create(CliContext ctx)
    {
        var files = new Argument<string[]>("files") { Description = "Shard outputs of initlab sweep --json or initlab trainability --json", Arity = ArgumentArity.OneOrMore };
        var json = CommonOptions.Json();
        var plot = new Option<string?>("--plot") { Description = "trainability: heatmap of the merged grid to FILE.png or FILE.svg" };
        var command = new Command("merge", "Combine sweep or trainability shards into one document") { files, json, plot };
        command.SetAction(pr =>
        {
            var paths = pr.GetValue(files)!;
            var texts = paths.Select(ReadBounded).ToList();
            string? plotPath = pr.GetValue(plot);
            if (plotPath is not null) Plots.CheckPath(plotPath, "--plot");
            if (TrainabilityJson.IsTrainability(texts[0]))
            {
                var shards = texts.Select((t, i) => TrainabilityJson.Parse(t, paths[i])).ToList();
                var whole = InitLab.Training.TrainabilityDocument.Merge(shards, paths);
                if (pr.GetValue(json)) ctx.Out.WriteLine(TrainabilityJson.Write(whole));
                else TrainabilityCommand.Render(ctx, whole);
                if (plotPath is not null) TrainabilityCommand.Heatmap(plotPath, whole);
                return CliApp.Ok;
            }
            if (plotPath is not null) throw new UsageException("--plot applies to trainability documents; plot a sweep with initlab sweep --plot.");
            var docs = texts.Select((t, i) => SweepDocument.Parse(t, paths[i])).ToList();
            var merged = Merge(docs);
            if (pr.GetValue(json)) ctx.Out.WriteLine(merged.ToJson());
            else SweepCommand.Render(ctx, merged);
            return CliApp.Ok;
        });
        return command;
    }

    private static string ReadBounded(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"file not found: {path}");
        if (info.Length > 512L << 20) throw new InvalidDataException($"{path} is {info.Length} bytes, larger than any sweep document this tool writes (512 MiB).");
        return File.ReadAllText(path);
    }

    /// <summary>Checks that the shards come from one sweep and together cover it exactly once.</summary>
    internal static SweepDocument Merge(IReadOnlyList<SweepDocument> docs)
    {
        var first = docs[0];
        foreach (var d in docs.Skip(1))
        {
            if (d.Activation != first.Activation || !d.Widths.SequenceEqual(first.Widths) || d.Batch != first.Batch || d.Engine != first.Engine
                || d.Seed != first.Seed || d.SigmaW != first.SigmaW || d.SigmaB != first.SigmaB || d.TotalCells != first.TotalCells)
                throw new InvalidDataException("the files come from different sweeps (activation, widths, batch, engine, seed or grids differ).");
        }
        var cells = docs.SelectMany(d => d.Cells).OrderBy(c => c.Index).ToList();
        var duplicate = cells.GroupBy(c => c.Index).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"cell {duplicate.Key} appears in more than one file.");
        if (cells.Count != first.TotalCells)
        {
            var missing = Enumerable.Range(0, first.TotalCells).Except(cells.Select(c => c.Index)).Take(5).ToList();
            throw new InvalidDataException($"the files hold {cells.Count} of {first.TotalCells} cells; missing e.g. cell(s) {string.Join(", ", missing)}.");
        }
        return first with { Shard = "1/1", Cells = cells };
    }
}
