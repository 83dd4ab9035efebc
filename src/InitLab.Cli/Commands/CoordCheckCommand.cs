using System.CommandLine;
using System.Globalization;
using InitLab.Networks;
using InitLab.Networks.Families;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab coordcheck --model FAMILY[:keys] --widths W1,W2,... --base-width B</c>: muP's coordinate check at initialization
/// (Yang et al. 2021): the root mean square of every weighted layer's output, measured on the explicit engine, across widths, for the
/// standard parameterization (SP: every weight std 1/sqrt(fan_in), i.e. muP with base width = width) and muP with base width B;
/// with <c>--steps T</c> after T SGD steps on one fixed batch (<see cref="CoordinateCheck"/>: SP one global learning rate, muP its
/// per-layer rates).
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
        var steps = CliOptions.Int("--steps", "SGD steps T on one fixed synthetic batch before measuring (0: at initialization); the model's output must be its readout's logits (mlp: add out=K)", 0, min: 0, max: 10000);
        var lr = CliOptions.Double("--lr", "Global SGD learning rate eta with --steps (SP uses it for every layer, muP times its per-layer multipliers)", 0.5, Bounds.Positive);
        var command = Help.Examples(new Command("coordcheck", "muP's coordinate check at init: each layer's output scale across widths, SP vs muP"),
            "initlab coordcheck --model mlp:depth=4,act=relu --widths 64,256,1024,4096 --base-width 64",
            "initlab coordcheck --model resnet:blocks=2,size=4,norm=none --widths 16,64,256 --base-width 16 --json --plot coord.svg",
            "initlab coordcheck --model mlp:depth=3,act=relu,out=4 --widths 64,256,1024 --base-width 64 --steps 2 --lr 0.5");
        foreach (var option in new Option[] { model, widths, baseWidth, batch, seed, steps, lr, json, plot }) command.Add(option);
        command.SetAction(pr =>
        {
            string spec = pr.GetValue(model)!;
            var ws = pr.GetValue(widths) ?? throw new UsageException("--widths W1,W2,... is required.");
            string family = spec.Split(':', 2)[0];
            if (!WidthKeys.TryGetValue(family, out string? key))
                throw new UsageException($"--model {spec}: coordcheck varies the width of mlp, cnn or resnet (key width or channels); got '{family}'.");
            if (spec.Split(':', 2) is [_, var keys] && keys.Split(',').Any(kv => kv.Split('=')[0].Trim() == key))
                throw new UsageException($"--model {spec}: leave out '{key}'; --widths sets it.");
            int b = pr.GetValue(batch), bw = pr.GetValue(baseWidth), t = pr.GetValue(steps);
            double eta = pr.GetValue(lr);
            ulong s = (ulong)pr.GetValue(seed);
            string At(int width) => spec.Contains(':') ? $"{spec},{key}={width}" : $"{spec}:{key}={width}";
            var rows = new List<(string Param, int Width, IReadOnlyList<(string Node, IReadOnlyList<double> Rms)> Layers)>();
            foreach (int w in ws)
            {
                string m = At(w);
                Graph g;
                try
                {
                    g = ModelFamilies.Build(m);
                    Resources.Check(ctx, GraphResources.Estimate(g, b, backward: false),
                        new Dictionary<string, (string, string)> { ["batch"] = ("--batch", b.ToString(CultureInfo.InvariantCulture)), ["model"] = ("--widths", w.ToString(CultureInfo.InvariantCulture)) },
                        "coordcheck on the explicit engine");
                    if (t > 0 && !g.Output.Parameters.Any(p => p.Role == ParameterRole.Weight))
                        throw new UsageException($"--model {m}: --steps trains the model's output as the logits of its readout; the output '{g.Output.Name}' is a {g.Output.Op.Kind}, not a weighted layer{(family == "mlp" ? " (add out=K to the mlp for a linear readout)" : "")}.");
                    var rates = t > 0 ? CoordinateCheck.MuPSgdLearningRates(g, ModelFamilies.Build(At(bw))) : null;
                    foreach (var (name, graph) in new[] { ("sp", Recipes.MuP(g, w)), ("mup", Recipes.MuP(g, bw)) })
                    {
                        if (t > 0)
                        {
                            var run = CoordinateCheck.Run(graph, name == "mup" ? rates : null, new CoordinateCheckOptions { Batch = b, Seed = s, Steps = t, LearningRate = eta });
                            rows.Add((name, w, run.Select(l => (l.Node, l.Rms)).ToList()));
                            continue;
                        }
                        var trace = ExplicitGraphEngine.Run(graph, new ExplicitOptions { Batch = b, Seed = s });
                        rows.Add((name, w, graph.Nodes.Where(n => n.Parameters.Any(p => p.Role == ParameterRole.Weight))
                            .Select(n => (n.Name, (IReadOnlyList<double>)[Math.Sqrt(trace[n.Name].MeanSquare)])).ToList()));
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
                    wr.WriteNumber("steps", t);
                    if (t > 0) Json.Number(wr, "lr", eta);
                    wr.WriteStartArray("runs");
                    foreach (var r in rows)
                    {
                        wr.WriteStartObject();
                        wr.WriteString("parameterization", r.Param);
                        wr.WriteNumber("width", r.Width);
                        if (FirstNonFiniteStep(r.Layers) is int bad) wr.WriteNumber("first_nonfinite_step", bad);
                        else wr.WriteNull("first_nonfinite_step");
                        wr.WriteStartArray("layers");
                        foreach (var (node, rms) in r.Layers)
                        {
                            wr.WriteStartObject();
                            wr.WriteString("name", node);
                            Json.Number(wr, "rms", rms[^1]);
                            if (t > 0)
                            {
                                wr.WriteStartArray("rms_per_step");
                                foreach (double v in rms) Json.Number(wr, v);
                                wr.WriteEndArray();
                            }
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
                        $"{(param == "sp" ? "SP" : $"muP (base width {bw})")}: rms of each layer's output, explicit engine, batch {b}" +
                        (t > 0 ? $", after {t} SGD step(s), lr {Json.Format(eta)}{(param == "sp" ? "" : " x muP's per-layer multipliers")}" : "")));
                    table.AddColumn("layer");
                    foreach (int w in ws) table.AddColumn(new TableColumn($"width {w}").RightAligned());
                    var mine = rows.Where(r => r.Param == param).ToList();
                    for (int l = 0; l < mine[0].Layers.Count; l++)
                        table.AddRow([Markup.Escape(mine[0].Layers[l].Node), .. mine.Select(r => Json.Format(r.Layers[l].Rms[^1]))]);
                    ctx.Console.Write(table);
                    foreach (var r in mine)
                        if (FirstNonFiniteStep(r.Layers) is int bad)
                            ctx.Out.WriteLine(bad == 0
                                ? $"note: {(param == "sp" ? "SP" : "muP")} width {r.Width}: the forward pass overflowed at initialization (NaN or infinity), not a measurement of the parameterization."
                                : $"note: {(param == "sp" ? "SP" : "muP")} width {r.Width}: training diverged, non-finite from step {bad} on (lower --lr).");
                }
            if (pr.GetValue(plot) is { } path)
            {
                Plots.StdPerLayer(path, $"coordinate check: {spec}", rows.Select(r => new PlotSeries($"{(r.Param == "sp" ? "SP" : "muP")} width {r.Width}",
                    Enumerable.Range(1, r.Layers.Count).Select(k => (double)k).ToArray(), r.Layers.Select(x => x.Rms[^1]).ToArray())).ToList(), "rms (log scale)");
                if (!pr.GetValue(json)) ctx.Out.WriteLine($"wrote {path}");
            }
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>The first step (0 = at initialization) at which any layer's rms is NaN or infinite; null when all are finite.</summary>
    private static int? FirstNonFiniteStep(IReadOnlyList<(string Node, IReadOnlyList<double> Rms)> layers)
    {
        int? first = null;
        foreach (var (_, rms) in layers)
            for (int k = 0; k < rms.Count && (first is null || k < first); k++)
                if (!double.IsFinite(rms[k])) first = k;
        return first;
    }
}
