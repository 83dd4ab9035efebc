using System.CommandLine;
using System.Globalization;
using InitLab.Formats;
using InitLab.Networks;
using InitLab.Onnx;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab probe MODEL.onnx</c>: runs a real model with ONNX Runtime, with its own weights or re-initialized in
/// memory by a scheme, and prints the per-node trace and the lab's diagnosis (design.md, "Model files"). With
/// <c>--compare</c>, InitLab's explicit engine runs the imported graph beside it on the same weights and input, and every node's
/// values are compared to float tolerance (exit code 1 when a node disagrees), and the moment engine's prediction is put beside ONNX
/// Runtime's measurement per node within finite-width error (a graph it refuses is named in one line; informational, not in the exit code).
/// </summary>
internal static class ProbeCommand
{
    public static Command Create(CliContext ctx)
    {
        var model = new Argument<string>("MODEL") { Description = "The ONNX model (.onnx)" };
        var scheme = new SchemeOptions(required: false,
            "Re-initialize in memory with this scheme (weights by scheme with fans from their layout, biases 0, norm scales 1 and shifts 0, running statistics 0 and 1); default: the model's own weights");
        var batch = CliOptions.Int("--batch", "Batch size of the Gaussian N(0, 1) input (the model's first input dimension)", 4, min: 1, max: 1024);
        var input = CliOptions.InputFile("--input", "Feed this .npy batch (its first dimension is the batch) (default: a Gaussian N(0, 1) batch of the input's shape)");
        var seed = CliOptions.Seed();
        var compare = CliOptions.Flag("--compare", "Also run InitLab's explicit engine on the imported graph (same weights, same input; every node to float tolerance) and the moment engine (every node within finite-width error)");
        var json = CliOptions.Json();
        var report = HtmlReport.Option();
        var command = Help.Examples(new Command("probe", "Run a real ONNX model (ONNX Runtime) and trace what its initialization does to the signal"),
            "initlab probe resnet18.onnx",
            "initlab probe resnet18.onnx --scheme kaiming_normal --batch 2",
            "initlab probe model.onnx --input batch.npy --json",
            "initlab probe resnet18.onnx --batch 1 --compare",
            "initlab probe resnet18.onnx --scheme kaiming_normal --report resnet18-probe.html");
        command.Add(model);
        scheme.AddTo(command);
        foreach (var option in new Option[] { batch, input, seed, compare, json, report }) command.Add(option);
        command.SetAction(pr =>
        {
            string path = pr.GetValue(model)!;
            string? inputPath = pr.GetValue(input);
            if (inputPath is not null && pr.IsGiven(batch))
                throw new UsageException("--batch does not apply with --input: the file's first dimension is the batch.");
            string format = ModelFiles.DetectFormat(path);
            if (format != ModelFormats.Onnx) throw new UsageException($"'{path}' reads as {format}; probe runs ONNX models (.onnx).");
            var file = ModelFiles.Read(path);
            ModelTensor? given = null;
            if (inputPath is not null)
            {
                var array = ModelFiles.Read(inputPath);
                if (array.Format != ModelFormats.Npy) throw new UsageException($"--input '{inputPath}' is not a .npy array (it reads as {array.Format}).");
                given = array.Tensors[0];
            }
            var options = new ProbeOptions
            {
                Scheme = pr.GetValue(scheme.Scheme) is null ? null : scheme.Create(pr),
                Seed = (ulong)pr.GetValue(seed),
                Batch = pr.GetValue(batch),
                Input = given,
            };
            if (options.Scheme is null && SchemeParameters(scheme).FirstOrDefault(p => pr.IsGiven(p.Option)) is { Option: { } unused })
                throw new UsageException($"{unused.Name} applies only with --scheme.");
            var trace = pr.GetValue(compare) ? null : OnnxProbe.Run(file, options);
            var c = trace is null ? OnnxCompare.Run(file, options) : null;
            var probe = trace ?? c!.Probe;
            if (pr.GetValue(json))
                ctx.Out.WriteLine(Json.Document(pr, w =>
                {
                    WriteJson(w, probe);
                    if (c is not null) WriteComparison(w, c);
                }));
            else
            {
                Render(ctx, probe);
                if (c is not null) RenderComparison(ctx, c);
            }
            if (pr.GetValue(report) is { } reportPath)
            {
                string configuration = $"{Path.GetFileName(probe.Model)}, {(probe.Weights == "trained" ? "its own weights" : $"{probe.Weights} weights")}, batch {probe.Batch}";
                var page = new HtmlReport("probe", configuration, pr);
                SignalReport.Add(page, configuration, "node", [Run(probe)]);
                page.Save(reportPath, Json.Document(pr, w =>
                {
                    WriteJson(w, probe);
                    if (c is not null) WriteComparison(w, c);
                }));
                if (!pr.GetValue(json)) ctx.Out.WriteLine($"wrote {reportPath}");
            }
            if (c is null || c.Agrees) return CliApp.Ok;
            var worst = c.Nodes.Where(n => !n.Agreement.Agrees).MaxBy(n => double.IsNaN(n.Agreement.LocalRatio) ? double.PositiveInfinity : Math.Max(n.Agreement.LocalRatio, n.Agreement.ChainRatio))!;
            ctx.Err.WriteLine($"error: the explicit engine and ONNX Runtime disagree beyond float tolerance at {c.Nodes.Count(n => !n.Agreement.Agrees)} node(s) (first: {worst.Node.Node}, {worst.Node.OnnxOp} as {worst.Node.Op}).");
            return CliApp.Failure;
        });
        return command;
    }

    /// <summary>The options of a scheme's parameters (given without --scheme: refused).</summary>
    internal static IEnumerable<(Option Option, string Key)> SchemeParameters(SchemeOptions s) =>
    [
        (s.Mode, "mode"), (s.Distribution, "distribution"), (s.Scale, "scale"), (s.Gain, "gain"), (s.Nonlinearity, "nonlinearity"), (s.Param, "param"),
        (s.Mean, "mean"), (s.Std, "std"), (s.Low, "low"), (s.High, "high"), (s.Sparsity, "sparsity"), (s.Value, "value"), (s.Groups, "groups"),
    ];

    /// <summary>The probe as a report's run: the input, then every node in graph order (its position is the x axis).</summary>
    private static SignalRun Run(ProbeTrace t)
    {
        var nodes = new[] { t.Input }.Concat(t.Nodes).ToList();
        var points = nodes.Select((n, i) => new SignalPoint(i, i == 0 ? $"input {n.Name}" : n.Name, n.Op, n.Mean, n.Std,
            Math.Max(Math.Abs(n.Min), Math.Abs(n.Max)), n.ZeroFraction, n.NonFinite, n.Correlation, null, n.Histogram)).ToList();
        var d = t.Diagnosis;
        int? first = t.FirstNonFiniteNode is { } name ? nodes.FindIndex(n => n.Name == name) : null;
        string summary = string.Create(CultureInfo.InvariantCulture,
            $"std x{Json.Format(d.GrowthPerLayer)} per weighted layer over {t.WeightedLayers.Count} weighted layers; worst node: {t.WorstNode ?? "none"}")
            + (t.FirstNonFiniteNode is null ? "" : $"; first non-finite node: {t.FirstNonFiniteNode}");
        return new SignalRun(t.Weights == "trained" ? "own weights" : t.Weights, points, d.VerdictName, summary, d.Advice, first);
    }

    private static void WriteJson(System.Text.Json.Utf8JsonWriter w, ProbeTrace t)
    {
        w.WriteString("engine", "onnxruntime");
        w.WriteString("model", t.Model);
        w.WriteString("weights", t.Weights);
        w.WriteNumber("batch", t.Batch);
        w.WriteString("input", t.InputSource);
        w.WriteNumber("replaced_initializers", t.Replaced.Count);
        w.WritePropertyName("input_stats");
        GraphPropagate.WriteNode(w, t.Input);
        w.WriteStartArray("nodes");
        foreach (var n in t.Nodes) GraphPropagate.WriteNode(w, n);
        w.WriteEndArray();
        if (t.FirstNonFiniteNode is null) w.WriteNull("first_nonfinite_node");
        else w.WriteString("first_nonfinite_node", t.FirstNonFiniteNode);
        w.WriteStartObject("diagnosis");
        w.WriteString("verdict", t.Diagnosis.VerdictName);
        Json.Number(w, "growth_per_layer", t.Diagnosis.GrowthPerLayer);
        w.WriteNumber("weighted_layers", t.WeightedLayers.Count);
        w.WriteString("advice", t.Diagnosis.Advice);
        if (t.WorstNode is null) w.WriteNull("worst_node");
        else w.WriteString("worst_node", t.WorstNode);
        w.WriteEndObject();
    }

    /// <summary>The <c>compare</c> object: per imported node both engines' std and the agreement, per ONNX op type the worst.</summary>
    private static void WriteComparison(System.Text.Json.Utf8JsonWriter w, OnnxComparison c)
    {
        w.WriteStartObject("compare");
        w.WriteString("engine", "explicit");
        w.WriteBoolean("agrees", c.Agrees);
        w.WriteStartArray("nodes");
        foreach (var n in c.Nodes)
        {
            var a = n.Agreement;
            w.WriteStartObject();
            w.WriteString("name", n.Node.Node);
            w.WriteString("op", n.Node.Op);
            w.WriteString("onnx_name", n.Node.OnnxName);
            w.WriteString("onnx_op", n.Node.OnnxOp);
            Json.Number(w, "onnxruntime_std", n.OnnxRuntime.Std);
            Json.Number(w, "explicit_std", n.Explicit.Std);
            w.WriteNumber("elements", a.Elements);
            Json.Number(w, "max_abs", a.ReferenceMaxAbs);
            Json.Number(w, "chain_max_difference", a.ChainMaxDifference);
            Json.Number(w, "chain_relative", a.ChainRelative);
            Json.Number(w, "chain_tolerance_ratio", a.ChainRatio);
            Json.Number(w, "local_max_difference", a.LocalMaxDifference);
            Json.Number(w, "local_relative", a.LocalRelative);
            Json.Number(w, "local_tolerance_ratio", a.LocalRatio);
            w.WriteBoolean("agrees", a.Agrees);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("by_onnx_op");
        foreach (var g in c.ByOpType)
        {
            w.WriteStartObject();
            w.WriteString("onnx_op", g.OnnxOp);
            w.WriteString("op", g.Op);
            w.WriteNumber("nodes", g.Nodes);
            Json.Number(w, "chain_relative", g.ChainRelative);
            Json.Number(w, "local_relative", g.LocalRelative);
            Json.Number(w, "chain_tolerance_ratio", g.ChainRatio);
            Json.Number(w, "local_tolerance_ratio", g.LocalRatio);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteMoments(w, c.Moments!);
        w.WriteEndObject();
    }

    /// <summary>The <c>moments</c> object: per node the moment engine's std beside ONNX Runtime's, or <c>refused</c> with the reason.</summary>
    private static void WriteMoments(System.Text.Json.Utf8JsonWriter w, MomentComparison m)
    {
        w.WriteStartObject("moments");
        w.WriteString("engine", "moments");
        if (m.Refused is { } why) w.WriteString("refused", why);
        else w.WriteNull("refused");
        w.WriteNumber("spread_seeds", m.Seeds);
        w.WriteStartArray("nodes");
        foreach (var n in m.Nodes)
        {
            w.WriteStartObject();
            w.WriteString("name", n.Name);
            w.WriteString("op", n.Op);
            AutoInitCommand.WriteCheck(w, "onnxruntime_std", n.PredictedStd, n.MeasuredStd, n.LogRatio, n.LogRatioSd, n.Tolerance, n.Within, n.Exact);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("within", m.Nodes.Count(n => n.Within));
        w.WriteNumber("total", m.Nodes.Count);
        w.WriteEndObject();
    }

    private static string Sci(double v) => double.IsNaN(v) ? "NaN" : v == 0 ? "0" : v.ToString("0.0e0", CultureInfo.InvariantCulture);

    private static void RenderComparison(CliContext ctx, OnnxComparison c)
    {
        ctx.Out.WriteLine($"compare: InitLab's explicit engine on the imported graph ({c.Import.Graph.Nodes.Count} nodes), same weights, same input");
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var col in new[] { "node", "onnx op", "initlab op" }) table.AddColumn(col);
        foreach (var col in new[] { "ort std", "initlab std", "chain |d|/max|y|", "local |d|/max|y|", "local |d|/tol" }) table.AddColumn(new TableColumn(col).RightAligned());
        foreach (var n in c.Nodes)
        {
            var a = n.Agreement;
            string ratio = Sci(a.LocalRatio);
            table.AddRow(Markup.Escape(n.Node.Node), Markup.Escape(n.Node.OnnxOp), Markup.Escape(n.Node.Op), Json.Format(n.OnnxRuntime.Std), Json.Format(n.Explicit.Std),
                Sci(a.ChainRelative), Sci(a.LocalRelative), a.Agrees ? ratio : $"[red]{ratio}[/]");
        }
        ctx.Console.Write(table);
        var byOp = new Table().Border(TableBorder.Rounded).Title("worst per ONNX op type");
        foreach (var col in new[] { "onnx op", "initlab op", "nodes" }) byOp.AddColumn(col);
        foreach (var col in new[] { "chain |d|/max|y|", "local |d|/max|y|", "local |d|/tol" }) byOp.AddColumn(new TableColumn(col).RightAligned());
        foreach (var g in c.ByOpType)
            byOp.AddRow(Markup.Escape(g.OnnxOp), Markup.Escape(g.Op), g.Nodes.ToString(CultureInfo.InvariantCulture), Sci(g.ChainRelative), Sci(g.LocalRelative), Sci(g.LocalRatio));
        ctx.Console.Write(byOp);
        double worst = c.Nodes.Count == 0 ? 0 : c.Nodes.Max(n => n.Agreement.LocalRatio);
        ctx.Out.WriteLine(c.Agrees
            ? $"agreement: every node within float tolerance (largest local |difference| / tolerance {Sci(worst)}; largest chain |difference| / max |y| {Sci(c.Nodes.Count == 0 ? 0 : c.Nodes.Max(n => n.Agreement.ChainRelative))})"
            : $"agreement: {c.Nodes.Count(n => !n.Agreement.Agrees)} node(s) beyond float tolerance");
        var m = c.Moments!;
        if (m.Refused is { } why)
        {
            ctx.Out.WriteLine($"moments: not compared ({why})");
            return;
        }
        var moments = new Table().Border(TableBorder.Rounded).Title("moment engine (infinite width) vs ONNX Runtime");
        foreach (var col in new[] { "node", "initlab op" }) moments.AddColumn(col);
        foreach (var col in new[] { "moment std", "ort std", "ln(var ratio)", "tolerance", "within" }) moments.AddColumn(new TableColumn(col).RightAligned());
        foreach (var n in m.Nodes)
            moments.AddRow(Markup.Escape(n.Name), Markup.Escape(n.Op), Json.Format(n.PredictedStd), Json.Format(n.MeasuredStd),
                n.LogRatio.ToString("0.000", CultureInfo.InvariantCulture), n.Tolerance.ToString("0.000", CultureInfo.InvariantCulture), n.Within ? "yes" : "[red]no[/]");
        ctx.Console.Write(moments);
        ctx.Out.WriteLine($"moments: {m.Nodes.Count(n => n.Within)} of {m.Nodes.Count} nodes within finite-width error of the moment engine's prediction (spread from {m.Seeds} explicit-engine inputs; not part of the exit code)");
    }

    private static void Render(CliContext ctx, ProbeTrace t)
    {
        string weights = t.Weights == "trained" ? "its own weights" : $"{t.Weights} weights ({t.Replaced.Count} initializers replaced)";
        string input = t.InputSource == "gaussian" ? "N(0, 1) input" : "input from file";
        // The heading is a line of its own: a model path can be wider than the table.
        ctx.Out.WriteLine($"probe {t.Model}: {weights}, {input}, batch {t.Batch}, seed {t.Seed}");
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var c in new[] { "node", "op", "shape" }) table.AddColumn(c);
        foreach (var c in new[] { "mean", "std", "max |y|", "zero", "corr", "nonfinite" }) table.AddColumn(new TableColumn(c).RightAligned());
        foreach (var n in new[] { t.Input }.Concat(t.Nodes))
        {
            table.AddRow(Markup.Escape(n.Name), Markup.Escape(n.Op), string.Join("x", n.Shape.Dims.ToArray()), Json.Format(n.Mean), Json.Format(n.Std),
                Json.Format(Math.Max(Math.Abs(n.Min), Math.Abs(n.Max))), n.ZeroFraction.ToString("0.00", CultureInfo.InvariantCulture),
                n.Correlation is double c ? c.ToString("0.000", CultureInfo.InvariantCulture) : "",
                n.NonFinite == 0 ? "0" : $"[red]{n.NonFinite}[/]");
        }
        ctx.Console.Write(table);
        var d = t.Diagnosis;
        string nonFinite = t.FirstNonFiniteNode is null ? "" : $"; first non-finite node: {t.FirstNonFiniteNode}";
        ctx.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"diagnosis: {d.VerdictName} over {t.WeightedLayers.Count} weighted layers (std x{Json.Format(d.GrowthPerLayer)} per layer); worst node: {t.WorstNode ?? "none"}{nonFinite}"));
        if (d.Advice.Length > 0) ctx.Out.WriteLine($"advice: {d.Advice}");
    }
}
