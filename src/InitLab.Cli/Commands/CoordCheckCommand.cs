using System.CommandLine;
using System.Globalization;
using InitLab.Networks;
using InitLab.Networks.Families;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab coordcheck --model FAMILY[:keys] --widths W1,W2,... --base-width B</c>: muP's coordinate check at initialization
/// (Yang et al. 2021): the root mean square of every weighted layer's output, measured on the explicit engine, across widths, for the
/// standard parameterization (SP: every weight std 1/sqrt(fan_in), i.e. muP with base width = width) and muP with base width B.
/// </summary>
internal static class CoordCheckCommand
{
    /// <summary>The key that sets a family's width.</summary>
    private static readonly Dictionary<string, string> WidthKeys = new(StringComparer.Ordinal) { ["mlp"] = "width", ["cnn"] = "channels", ["resnet"] = "width" };

    public static Command Create(CliContext ctx)
    {
        var model = new Option<string>("--model")
        {
            Description = "A family with a linear readout, without its width key: mlp[:keys], cnn[:keys], resnet[:keys] (the width comes from --widths)",
            HelpName = "MODEL",
            Required = true,
        };
        var widths = CliOptions.IntList("--widths", "Widths to compare, comma-separated", min: 1, minCount: 2);
        widths.Required = true;
        var baseWidth = CliOptions.Int("--base-width", "muP's base width (where muP equals SP)", 64, min: 1);
        var batch = CliOptions.Int("--batch", "Batch size", 8, min: 1, max: 1 << 16);
        var seed = CliOptions.Seed();
        var json = CliOptions.Json();
        var plot = CliOptions.OutputFile("--plot", "Write rms per layer for every width, SP and muP, to FILE.png or FILE.svg (default: no plot)", Plots.Extensions);
        var command = Help.Examples(new Command("coordcheck", "muP's coordinate check at init: each layer's output scale across widths, SP vs muP"),
            "initlab coordcheck --model mlp:depth=4,act=relu --widths 64,256,1024,4096 --base-width 64",
            "initlab coordcheck --model resnet:blocks=2,size=4,norm=none --widths 16,64,256 --base-width 16 --json --plot coord.svg");
        foreach (var option in new Option[] { model, widths, baseWidth, batch, seed, json, plot }) command.Add(option);
        command.SetAction(pr =>
        {
            string spec = pr.GetValue(model)!;
            var ws = pr.GetValue(widths) ?? throw new UsageException("--widths W1,W2,... is required.");
            string family = spec.Split(':', 2)[0];
            if (!WidthKeys.TryGetValue(family, out string? key))
                throw new UsageException($"--model {spec}: coordcheck varies the width of mlp, cnn or resnet (key width or channels); got '{family}'.");
            if (spec.Split(':', 2) is [_, var keys] && keys.Split(',').Any(kv => kv.Split('=')[0].Trim() == key))
                throw new UsageException($"--model {spec}: leave out '{key}'; --widths sets it.");
            int b = pr.GetValue(batch), bw = pr.GetValue(baseWidth);
            ulong s = (ulong)pr.GetValue(seed);
            var rows = new List<(string Param, int Width, IReadOnlyList<(string Node, double Rms)> Layers)>();
            foreach (int w in ws)
            {
                string m = spec.Contains(':') ? $"{spec},{key}={w}" : $"{spec}:{key}={w}";
                Graph g;
                try
                {
                    g = ModelFamilies.Build(m);
                    Resources.Check(ctx, GraphResources.Estimate(g, b, backward: false),
                        new Dictionary<string, (string, string)> { ["batch"] = ("--batch", b.ToString(CultureInfo.InvariantCulture)), ["model"] = ("--widths", w.ToString(CultureInfo.InvariantCulture)) },
                        "coordcheck on the explicit engine");
                    foreach (var (name, graph) in new[] { ("sp", Recipes.MuP(g, w)), ("mup", Recipes.MuP(g, bw)) })
                    {
                        var trace = ExplicitGraphEngine.Run(graph, new ExplicitOptions { Batch = b, Seed = s });
                        rows.Add((name, w, graph.Nodes.Where(n => n.Parameters.Any(p => p.Role == ParameterRole.Weight))
                            .Select(n => (n.Name, Math.Sqrt(trace[n.Name].MeanSquare))).ToList()));
                    }
                }
                catch (ArgumentException e)
                {
                    throw new UsageException($"--model {m}: {CliApp.WithoutParameterSuffix(e.Message)}");
                }
            }
            if (pr.GetValue(json))
                ctx.Out.WriteLine(Json.Document(pr, wr =>
                {
                    wr.WriteNumber("base_width", bw);
                    wr.WriteStartArray("runs");
                    foreach (var r in rows)
                    {
                        wr.WriteStartObject();
                        wr.WriteString("parameterization", r.Param);
                        wr.WriteNumber("width", r.Width);
                        wr.WriteStartArray("layers");
                        foreach (var (node, rms) in r.Layers)
                        {
                            wr.WriteStartObject();
                            wr.WriteString("name", node);
                            Json.Number(wr, "rms", rms);
                            wr.WriteEndObject();
                        }
                        wr.WriteEndArray();
                        wr.WriteEndObject();
                    }
                    wr.WriteEndArray();
                }));
            else
                foreach (string param in new[] { "sp", "mup" })
                {
                    var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(
                        $"{(param == "sp" ? "SP" : $"muP (base width {bw})")}: rms of each layer's output, explicit engine, batch {b}"));
                    table.AddColumn("layer");
                    foreach (int w in ws) table.AddColumn(new TableColumn($"width {w}").RightAligned());
                    var mine = rows.Where(r => r.Param == param).ToList();
                    for (int l = 0; l < mine[0].Layers.Count; l++)
                        table.AddRow([Markup.Escape(mine[0].Layers[l].Node), .. mine.Select(r => Json.Format(r.Layers[l].Rms))]);
                    ctx.Console.Write(table);
                }
            if (pr.GetValue(plot) is { } path)
            {
                Plots.StdPerLayer(path, $"coordinate check: {spec}", rows.Select(r => new PlotSeries($"{(r.Param == "sp" ? "SP" : "muP")} width {r.Width}",
                    Enumerable.Range(1, r.Layers.Count).Select(k => (double)k).ToArray(), r.Layers.Select(x => x.Rms).ToArray())).ToList(), "rms (log scale)");
                if (!pr.GetValue(json)) ctx.Out.WriteLine($"wrote {path}");
            }
            return CliApp.Ok;
        });
        return command;
    }
}
