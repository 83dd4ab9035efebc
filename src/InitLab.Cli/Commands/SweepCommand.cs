using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InitLab.Propagation;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab sweep</c>: a grid of propagations over sigma_w x sigma_b, with shards for job arrays
/// (<c>--shard K/N</c>) that <c>initlab merge</c> combines; <c>--plot</c> draws the final std as a heatmap with the
/// mean-field critical line.
/// </summary>
internal static class SweepCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions();
        var sigmaW = new Option<string>("--sigma-w") { Description = "sigma_w grid START:STOP:COUNT", Required = true };
        var sigmaB = new Option<string>("--sigma-b") { Description = "sigma_b grid START:STOP:COUNT", DefaultValueFactory = _ => "0" };
        var engine = new Option<string>("--engine") { Description = "explicit, ensemble or meanfield", DefaultValueFactory = _ => "ensemble" };
        var shard = new Option<string?>("--shard") { Description = "Run shard K of N (1-based): K/N" };
        var json = CommonOptions.Json();
        var plot = new Option<string?>("--plot") { Description = "Heatmap of log10 final std to FILE.png or FILE.svg" };
        var command = new Command("sweep", "Propagate over a grid of sigma_w x sigma_b");
        o.AddTo(command, withInit: false);
        command.Options.Remove(o.SigmaB);
        foreach (var option in new Option[] { sigmaW, sigmaB, engine, shard, json, plot }) command.Add(option);
        command.SetAction(pr =>
        {
            var gw = ParameterGrid.Parse(pr.GetValue(sigmaW)!, "--sigma-w");
            var gb = ParameterGrid.Parse(pr.GetValue(sigmaB)!, "--sigma-b");
            var e = PropagateCommand.ParseEngine(pr.GetValue(engine)!);
            string? plotPath = pr.GetValue(plot);
            if (plotPath is not null) Plots.CheckPath(plotPath, "--plot");
            var (k, n) = ParseShard(pr.GetValue(shard));
            int total = gw.Count * gb.Count;
            var cells = Sweep.ShardCells(total, k, n);
            var widths = o.WidthList(pr);
            var activation = o.Activation(pr);
            ulong seed = o.Seed(pr);
            // Validate the whole configuration once, before the first cell runs.
            var probe = o.Spec(pr, WeightDistribution.Gaussian.WithSigmaW(Math.Max(gw.Start, 0)), Math.Max(gb.Start, 0));
            probe.Validate();
            if (e == Engine.Ensemble) EnsembleEngine.CheckRepresentable(probe);

            NetworkSpec MakeSpec(double sw, double sb) => o.Spec(pr, WeightDistribution.Gaussian.WithSigmaW(sw), sb);
            IReadOnlyList<SweepCell> result;
            bool quiet = pr.GetValue(json);
            if (ctx.Interactive && !quiet)
            {
                IReadOnlyList<SweepCell> r = [];
                ctx.Console.Progress().AutoClear(false).Start(p =>
                {
                    var task = p.AddTask("sweep", maxValue: cells.Count);
                    r = Sweep.Run(gw, gb, cells, MakeSpec, e, seed, _ => task.Increment(1));
                });
                result = r;
            }
            else
            {
                int done = 0, lastDecile = 0;
                result = Sweep.Run(gw, gb, cells, MakeSpec, e, seed, _ =>
                {
                    done++;
                    int decile = done * 10 / Math.Max(1, cells.Count);
                    if (!quiet && decile > lastDecile)
                    {
                        lastDecile = decile;
                        ctx.Err.WriteLine($"sweep: {done}/{cells.Count} cells");
                    }
                });
            }
            var doc = new SweepDocument(activation.ToString(), widths.ToArray(), Math.Max(1, pr.GetValue(o.Batch)), PropagateCommand.Name(e),
                seed, gw.ToString(), gb.ToString(), total, $"{k}/{n}", result);
            if (quiet) ctx.Out.WriteLine(doc.ToJson());
            else Render(ctx, doc);
            if (plotPath is not null)
            {
                Heatmap(plotPath, doc, gw, gb, activation);
                if (!quiet) ctx.Out.WriteLine($"wrote {plotPath}");
            }
            return CliApp.Ok;
        });
        return command;
    }

    internal static (int K, int N) ParseShard(string? text)
    {
        if (text is null) return (1, 1);
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int k)
            || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 1 || k < 1 || k > n)
            throw new UsageException($"--shard must be K/N with 1 <= K <= N, got '{text}'.");
        return (k, n);
    }

    internal static void Render(CliContext ctx, SweepDocument doc)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"sweep: {doc.Activation}, widths {string.Join(",", doc.Widths.Distinct())}, depth {doc.Widths.Length - 1}, {doc.Engine} engine");
        foreach (var c in new[] { "sigma_w", "sigma_b", "final std", "first non-finite", "verdict" }) table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var c in doc.Cells)
            table.AddRow(Json.Format(c.SigmaW), Json.Format(c.SigmaB), Json.Format(c.FinalStd),
                c.FirstNonFiniteLayer?.ToString(CultureInfo.InvariantCulture) ?? "", c.Verdict);
        ctx.Console.Write(table);
        ctx.Out.WriteLine($"{doc.Cells.Count} of {doc.TotalCells} cells (shard {doc.Shard}).");
    }

    /// <summary>The mean-field critical sigma_w (chi_1 = 1) for each sigma_b where one exists.</summary>
    internal static (double[] X, double[] Y) CriticalCurve(InitLab.Activations.Activation activation, double[] sigmaB)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (double sb in sigmaB)
        {
            try
            {
                xs.Add(InitLab.Theory.CriticalLine.SigmaW(activation, sb).SigmaW);
                ys.Add(sb);
            }
            catch (ArgumentException)
            {
                // No critical point for this sigma_b (e.g. relu with sigma_b > 0 has no finite q*): leave a gap.
            }
        }
        return (xs.ToArray(), ys.ToArray());
    }

    internal static void Heatmap(string path, SweepDocument doc, ParameterGrid gw, ParameterGrid gb, InitLab.Activations.Activation activation)
    {
        var values = new double[gb.Count, gw.Count];
        for (int i = 0; i < gb.Count; i++)
            for (int j = 0; j < gw.Count; j++) values[i, j] = double.NaN;
        foreach (var c in doc.Cells)
        {
            // Overflowed cells are drawn at the top of the scale, underflowed ones at the bottom.
            double v = double.IsFinite(c.FinalStd) && c.FinalStd > 0 ? Math.Log10(c.FinalStd) : c.FinalStd == 0 ? -45 : 39;
            values[c.Index % gb.Count, c.Index / gb.Count] = Math.Clamp(v, -45, 39);
        }
        var xs = Enumerable.Range(0, gw.Count).Select(i => gw[i]).ToArray();
        var ys = Enumerable.Range(0, gb.Count).Select(i => gb[i]).ToArray();
        var line = CriticalCurve(activation, ys);
        Plots.Heatmap(path, $"log10 final std after {doc.Widths.Length - 1} layers ({doc.Activation})", values, xs, ys, "sigma_w", "sigma_b",
            "log10 std", line.X.Length > 0 ? (line.X, line.Y, "critical line (chi_1 = 1)") : null);
    }
}

/// <summary>A sweep's (or a merged set of shards') JSON document.</summary>
internal sealed record SweepDocument(string Activation, int[] Widths, int Batch, string Engine, ulong Seed, string SigmaW, string SigmaB,
    int TotalCells, string Shard, IReadOnlyList<SweepCell> Cells)
{
    public string ToJson() => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("act", Activation);
        w.WriteStartArray("widths");
        foreach (int x in Widths) w.WriteNumberValue(x);
        w.WriteEndArray();
        w.WriteNumber("depth", Widths.Length - 1);
        w.WriteNumber("batch", Batch);
        w.WriteString("engine", Engine);
        w.WriteNumber("seed", Seed);
        w.WriteString("sigma_w_grid", SigmaW);
        w.WriteString("sigma_b_grid", SigmaB);
        w.WriteNumber("total_cells", TotalCells);
        w.WriteString("shard", Shard);
        w.WriteStartArray("cells");
        foreach (var c in Cells)
        {
            w.WriteStartObject();
            w.WriteNumber("index", c.Index);
            Json.Number(w, "sigma_w", c.SigmaW);
            Json.Number(w, "sigma_b", c.SigmaB);
            Json.Number(w, "final_std", c.FinalStd);
            if (c.FirstNonFiniteLayer is { } k) w.WriteNumber("first_nonfinite_layer", k);
            else w.WriteNull("first_nonfinite_layer");
            w.WriteString("verdict", c.Verdict);
            if (c.FinalCorrelation is { } r) Json.Number(w, "final_correlation", r);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>Reads a document written by <see cref="ToJson"/>; anything else is an <see cref="InvalidDataException"/>.</summary>
    public static SweepDocument Parse(string text, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            var cells = new List<SweepCell>();
            foreach (var c in root.GetProperty("cells").EnumerateArray())
            {
                var first = c.GetProperty("first_nonfinite_layer");
                cells.Add(new SweepCell(c.GetProperty("index").GetInt32(), Num(c.GetProperty("sigma_w")), Num(c.GetProperty("sigma_b")),
                    Num(c.GetProperty("final_std")), first.ValueKind == JsonValueKind.Null ? null : first.GetInt32(),
                    c.GetProperty("verdict").GetString() ?? "", c.TryGetProperty("final_correlation", out var fc) ? Num(fc) : null));
            }
            return new SweepDocument(root.GetProperty("act").GetString() ?? "",
                root.GetProperty("widths").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
                root.GetProperty("batch").GetInt32(), root.GetProperty("engine").GetString() ?? "",
                root.GetProperty("seed").GetUInt64(), root.GetProperty("sigma_w_grid").GetString() ?? "",
                root.GetProperty("sigma_b_grid").GetString() ?? "", root.GetProperty("total_cells").GetInt32(),
                root.GetProperty("shard").GetString() ?? "", cells);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source} is not an initlab sweep document: {ex.Message}");
        }
    }

    private static double Num(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch { "NaN" => double.NaN, "Infinity" => double.PositiveInfinity, "-Infinity" => double.NegativeInfinity, var s => throw new FormatException($"bad number '{s}'") }
        : e.GetDouble();
}
