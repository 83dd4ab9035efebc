using System.CommandLine;

namespace InitLab.Cli;

/// <summary><c>initlab merge FILE.json...</c>: combine sweep shards into one sweep document.</summary>
internal static class MergeCommand
{
    public static Command Create(CliContext ctx)
    {
        var files = new Argument<string[]>("files") { Description = "Shard outputs of initlab sweep --json", Arity = ArgumentArity.OneOrMore };
        var json = CommonOptions.Json();
        var command = new Command("merge", "Combine sweep shards into one sweep document") { files, json };
        command.SetAction(pr =>
        {
            var docs = pr.GetValue(files)!.Select(f => SweepDocument.Parse(ReadBounded(f), f)).ToList();
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
