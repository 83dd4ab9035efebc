using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InitLab.Formats;
using InitLab.Formats.Onnx;
using InitLab.Networks;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab autoinit --model M | --spec F</c>: automatic initialization with the moment engine (<see cref="AutoInit"/>), then the
/// proof: the explicit engine on the result over several seeds, every node against the prediction within finite-width error
/// (<see cref="FiniteWidthCheck"/>), beside the graph's default init. Exit 0 when every node is within, 1 (one line on stderr) when one is not.
/// </summary>
internal static class AutoInitCommand
{
    public static Command Create(CliContext ctx)
    {
        var g = new GraphOptions();
        var target = CliOptions.Double("--target-std", "The std every weighted layer's and residual add's output is brought to", 1, Bounds.Positive);
        var batch = CliOptions.Int("--batch", "Batch size of the measurement (and of batch norm's statistics)", 16, min: 2, max: 1 << 16);
        var seeds = CliOptions.Int("--seeds", "Seeds of the explicit engine's measurement (>= 2: the finite-width tolerance needs their spread)", 4, min: 2, max: 64);
        var seed = CliOptions.Seed();
        var json = CliOptions.Json();
        var compare = new Option<string?>("--compare")
        {
            Description = "The init to compare with, every weight drawn by SCHEME and biases zero as propagate --init (default: the graph's own initializers)",
            HelpName = "SCHEME",
        };
        var output = CliOptions.OutputFile("--out", "Write the initialized weights (seed --seed) to FILE.safetensors, FILE.npz, or with --onnx the model itself as FILE.onnx (default: none)",
            [".safetensors", ".npz", ".onnx"]);
        var command = Help.Examples(new Command("autoinit",
                "Choose every weighted layer's scale (and residual adds' scales) so the moment engine predicts the target std at every node, then measure it"),
            "initlab autoinit --model resnet:blocks=50,width=64,size=8,norm=none,preact=true --compare kaiming_normal",
            "initlab autoinit --model transformer:layers=24,dim=128,heads=4,tokens=16,ln=none --json",
            "initlab autoinit --spec net.json --target-std 0.5 --out weights.safetensors",
            "initlab autoinit --onnx model.onnx --batch 4 --out model_autoinit.onnx");
        g.AddTo(command);
        foreach (var option in new Option[] { target, batch, seeds, seed, json, compare, output }) command.Add(option);
        command.SetAction(pr =>
        {
            var graph = g.Graph(pr);
            var (source, value) = g.Source(pr);
            string? outPath = pr.GetValue(output);
            if (outPath is not null && Path.GetExtension(outPath).Equals(".onnx", StringComparison.OrdinalIgnoreCase) && pr.GetValue(g.Onnx) is null)
                throw new UsageException($"--out '{outPath}' is an ONNX file: only a model read with --onnx can be written back as ONNX (write .safetensors or .npz).");
            int b = pr.GetValue(batch), s = pr.GetValue(seeds);
            ulong firstSeed = (ulong)pr.GetValue(seed);
            Resources.Check(ctx, GraphResources.Estimate(graph, b, backward: false),
                new Dictionary<string, (string, string)> { ["batch"] = ("--batch", b.ToString(CultureInfo.InvariantCulture)), ["model"] = (source, value) },
                "autoinit's measurement on the explicit engine");
            string baselineName = pr.GetValue(compare) ?? "default";
            var baseline = graph;
            if (pr.GetValue(compare) is { } scheme)
                try
                {
                    baseline = graph.WithScheme(Initializers.Schemes.Create(scheme));
                }
                catch (ArgumentException e)
                {
                    throw new UsageException($"--compare {scheme}: {CliApp.WithoutParameterSuffix(e.Message)}");
                }
            AutoInitResult result;
            try
            {
                result = AutoInit.Run(graph, new AutoInitOptions { TargetStd = pr.GetValue(target), Batch = b });
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"{source} {value}: {CliApp.WithoutParameterSuffix(e.Message)}");
            }
            // The baseline's prediction is a comparison only: where the moment engine cannot treat it (a model's running statistics),
            // its column says so instead of failing the command.
            MomentTrace? defaultPrediction = null;
            try
            {
                defaultPrediction = MomentEngine.Run(baseline, new MomentOptions { Batch = b });
            }
            catch (ArgumentException)
            {
            }
            var traces = Enumerable.Range(0, s).Select(k => ExplicitGraphEngine.Run(result.Graph, new ExplicitOptions { Batch = b, Seed = firstSeed + (ulong)k })).ToList();
            var check = FiniteWidthCheck.Compare(result.Graph, result.Prediction, traces).ToDictionary(n => n.Name);
            var defaultMeasured = ExplicitGraphEngine.Run(baseline, new ExplicitOptions { Batch = b, Seed = firstSeed });
            if (outPath is not null) Write(outPath, result.Graph, firstSeed, pr.GetValue(g.Onnx) is { } onnx ? (g, pr, onnx) : null);
            int within = check.Values.Count(n => n.Within);
            if (pr.GetValue(json)) ctx.Out.WriteLine(Json.Document(pr, w => WriteJson(w, result, check, traces, baselineName, defaultPrediction, defaultMeasured, b, s)));
            else Render(ctx, pr.GetValue(g.Nodes), result, check, baselineName, defaultPrediction, defaultMeasured, b, s, outPath);
            if (within == check.Count) return CliApp.Ok;
            var first = check.Values.First(n => !n.Within);
            ctx.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"error: {check.Count - within} of {check.Count} nodes are outside finite-width error of the prediction (first: {first.Name}, ln(measured/predicted variance) = {first.LogRatio:G4}, tolerance {first.Tolerance:G3})."));
            return CliApp.Failure;
        });
        return command;
    }

    /// <summary>Every parameter of the initialized graph as float32, drawn with <paramref name="seed"/> (what the explicit engine measured first).</summary>
    private static void Write(string path, Graph graph, ulong seed, (GraphOptions Options, ParseResult Parsed, string File)? onnx)
    {
        if (onnx is { } source)
        {
            // The same model with the chosen weights written back into its initializers (the import maps names and layouts).
            var model = GraphOptions.ReadOnnx(source.File, "--onnx");
            WriteModel(path, model, OnnxAutoInit.WriteBack(model, source.Options.Import(source.Parsed, null, 0), graph, seed));
            return;
        }
        var values = NetworkParameters<float>.Draw(graph, seed);
        var tensors = graph.Parameters.Select(p => ModelTensor.FromSingles(p.FullName, p.Shape.Dims.ToArray().Select(d => (long)d).ToArray(), values[p])).ToList();
        ModelFiles.Write(path, new ModelFile(Path.GetExtension(path).TrimStart('.').ToLowerInvariant(), path, tensors));
    }

    /// <summary>An ONNX model's new initializers: the model itself with them (.onnx), or the tensors alone (.safetensors, .npz).</summary>
    internal static void WriteModel(string path, ModelFile model, IReadOnlyList<ModelTensor> written)
    {
        if (Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase)) ModelFiles.Write(path, model.WithTensors(written));
        else ModelFiles.Write(path, new ModelFile(Path.GetExtension(path).TrimStart('.').ToLowerInvariant(), path, written));
    }

    private static void WriteJson(Utf8JsonWriter w, AutoInitResult result, IReadOnlyDictionary<string, FiniteWidthNode> check, IReadOnlyList<GraphTrace> traces,
        string baselineName, MomentTrace? defaultPrediction, GraphTrace defaultMeasured, int batch, int seeds)
    {
        if (result.Graph.Name is { } name) w.WriteString("model", name);
        else w.WriteNull("model");
        Json.Number(w, "target_std", result.TargetStd);
        w.WriteNumber("batch", batch);
        w.WriteNumber("seeds", seeds);
        w.WriteStartArray("layers");
        foreach (var l in result.Layers)
        {
            w.WriteStartObject();
            w.WriteString("name", l.Name);
            w.WriteString("op", l.Op);
            if (l.Block is { } block) w.WriteString("block", block);
            else w.WriteNull("block");
            Json.Number(w, "std", l.Std);
            w.WriteStartArray("parameters");
            foreach (var p in l.Parameters)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                Json.Number(w, "std", p.Std);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (l.Scales is { } scales)
            {
                w.WriteStartArray("scales");
                foreach (double x in scales) Json.Number(w, x);
                w.WriteEndArray();
            }
            else w.WriteNull("scales");
            Json.Number(w, "input_mean_square", l.InputSecondMoment);
            Json.Number(w, "predicted_output_std", l.PredictedStd);
            Json.Number(w, "measured_output_std", check[l.Name].MeasuredStd);
            w.WriteBoolean("within", check[l.Name].Within);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("measured");
        w.WriteString("engine", "explicit");
        w.WriteStartArray("seeds");
        foreach (var t in traces) w.WriteNumberValue(t.Seed);
        w.WriteEndArray();
        w.WriteStartArray("nodes");
        foreach (var n in check.Values)
        {
            w.WriteStartObject();
            w.WriteString("name", n.Name);
            w.WriteString("op", n.Op);
            if (n.Block is { } block) w.WriteString("block", block);
            else w.WriteNull("block");
            WriteCheck(w, "std", n.PredictedStd, n.MeasuredStd, n.LogRatio, n.LogRatioSd, n.Tolerance, n.Within, n.Exact);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("within", check.Values.Count(n => n.Within));
        w.WriteNumber("total", check.Count);
        w.WriteEndObject();
        w.WriteStartArray("blocks");
        foreach (var (block, output) in Blocks(result.Graph))
        {
            w.WriteStartObject();
            w.WriteString("block", block);
            w.WriteString("output", output);
            Json.Number(w, "predicted_std", result.Prediction[output].Std);
            Json.Number(w, "measured_std", check.TryGetValue(output, out var n) ? n.MeasuredStd : double.NaN);
            Json.Number(w, "baseline_predicted_std", Std(defaultPrediction, output));
            Json.Number(w, "baseline_measured_std", defaultMeasured.Nodes.FirstOrDefault(x => x.Name == output)?.Std ?? double.NaN);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("baseline");
        w.WriteString("init", baselineName);
        w.WriteString("output", result.Graph.Output.Name);
        Json.Number(w, "predicted_output_std", Std(defaultPrediction, result.Graph.Output.Name));
        Json.Number(w, "measured_output_std", defaultMeasured.Nodes.FirstOrDefault(x => x.Name == result.Graph.Output.Name)?.Std ?? double.NaN);
        if (defaultMeasured.FirstNonFiniteNode is { } bad) w.WriteString("first_nonfinite_node", bad);
        else w.WriteNull("first_nonfinite_node");
        w.WriteEndObject();
    }

    /// <summary>One node's finite-width check (<see cref="FiniteWidthCheck"/>): both stds, the log variance ratio, its sd, the tolerance, the verdict.</summary>
    internal static void WriteCheck(Utf8JsonWriter w, string measuredKey, double predicted, double measured, double logRatio, double sd, double tolerance, bool within, bool exact)
    {
        Json.Number(w, "predicted_std", predicted);
        Json.Number(w, measuredKey, measured);
        Json.Number(w, "log_variance_ratio", logRatio);
        Json.Number(w, "log_variance_ratio_sd", sd);
        Json.Number(w, "tolerance", tolerance);
        w.WriteBoolean("within", within);
        w.WriteBoolean("exact", exact);
    }

    /// <summary>The std the trace predicts at <paramref name="node"/>; infinity when the prediction overflowed before it, NaN without a prediction.</summary>
    private static double Std(MomentTrace? trace, string node) =>
        trace is null ? double.NaN : trace.Nodes.FirstOrDefault(n => n.Name == node) is { } m ? m.Std : double.PositiveInfinity;

    /// <summary>Each block with its output node (its last node in topological order).</summary>
    private static IEnumerable<(string Block, string Output)> Blocks(Graph graph) =>
        graph.Nodes.Where(n => n.Block is not null).GroupBy(n => n.Block!).Select(grp => (grp.Key, grp.Last().Name));

    private static void Render(CliContext ctx, bool allNodes, AutoInitResult result, IReadOnlyDictionary<string, FiniteWidthNode> check,
        string baselineName, MomentTrace? defaultPrediction, GraphTrace defaultMeasured, int batch, int seeds, string? outPath)
    {
        var graph = result.Graph;
        ctx.Out.WriteLine($"{graph.Name ?? "graph"}: autoinit to std {Json.Format(result.TargetStd)}; measured on the explicit engine, batch {batch}, {seeds} seeds");
        if (allNodes || !Blocks(graph).Any())
        {
            var layers = new Table().Border(TableBorder.Rounded).Title("chosen scales");
            foreach (var c in new[] { "node", "op", "weight std / add scales", "input mean square", "predicted std", "measured std", "within" }) layers.AddColumn(new TableColumn(c));
            foreach (var l in result.Layers)
                layers.AddRow(Markup.Escape(l.Name), l.Op, l.Scales is { } sc ? "scales " + string.Join(", ", sc.Select(Json.Format)) : Json.Format(l.Std!.Value),
                    Json.Format(l.InputSecondMoment), Json.Format(l.PredictedStd), Json.Format(check[l.Name].MeasuredStd), check[l.Name].Within ? "yes" : "[red]no[/]");
            ctx.Console.Write(layers);
        }
        var blocks = new Table().Border(TableBorder.Rounded).Title("std per block output (every chosen node: --nodes)");
        foreach (var c in new[] { "block", "output", "predicted", "measured", "within", $"{baselineName}: predicted", $"{baselineName}: measured" }) blocks.AddColumn(new TableColumn(c));
        foreach (var (block, output) in Blocks(graph))
        {
            var n = check.GetValueOrDefault(output);
            blocks.AddRow(Markup.Escape(block), Markup.Escape(output), Json.Format(result.Prediction[output].Std), n is null ? "" : Json.Format(n.MeasuredStd),
                n is null ? "" : n.Within ? "yes" : "[red]no[/]", Json.Format(Std(defaultPrediction, output)),
                Json.Format(defaultMeasured.Nodes.FirstOrDefault(x => x.Name == output)?.Std ?? double.NaN));
        }
        ctx.Console.Write(blocks);
        int within = check.Values.Count(n => n.Within);
        ctx.Out.WriteLine($"measured: {within} of {check.Count} nodes within finite-width error of the prediction (tolerance {Json.Format(FiniteWidthCheck.StandardErrors(seeds))} sd/sqrt(seeds) + sd^2 + 2/n on ln variance)");
        var outputNode = graph.Output.Name;
        ctx.Out.WriteLine($"{baselineName} init: output std {Json.Format(Std(defaultPrediction, outputNode))} predicted, {Json.Format(defaultMeasured.Nodes.FirstOrDefault(x => x.Name == outputNode)?.Std ?? double.NaN)} measured"
            + (defaultMeasured.FirstNonFiniteNode is { } bad ? $" (first non-finite node: {bad})" : ""));
        if (outPath is not null) ctx.Out.WriteLine($"wrote {outPath} (weights; the add scales are not parameters and not in the file: --json's layers[].scales)");
    }
}
