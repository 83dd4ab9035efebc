using System.CommandLine;
using System.Globalization;
using InitLab.Formats;
using InitLab.Onnx;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab probe MODEL.onnx</c>: runs a real model with ONNX Runtime, with its own weights or re-initialized in
/// memory by a scheme, and prints the per-node trace and the lab's diagnosis (design.md, "Model files").
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
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("probe", "Run a real ONNX model (ONNX Runtime) and trace what its initialization does to the signal"),
            "initlab probe resnet18.onnx",
            "initlab probe resnet18.onnx --scheme kaiming_normal --batch 2",
            "initlab probe model.onnx --input batch.npy --json");
        command.Add(model);
        scheme.AddTo(command);
        foreach (var option in new Option[] { batch, input, seed, json }) command.Add(option);
        command.SetAction(pr =>
        {
            string path = pr.GetValue(model)!;
            string? inputPath = pr.GetValue(input);
            if (inputPath is not null && pr.IsGiven(batch))
                throw new UsageException("--batch does not apply with --input: the file's first dimension is the batch.");
            string format = ModelFiles.DetectFormat(path);
            if (format != ModelFormats.Onnx) throw new UsageException($"'{path}' reads as {format}; probe runs ONNX models (.onnx).");
            ModelTensor? given = null;
            if (inputPath is not null)
            {
                var file = ModelFiles.Read(inputPath);
                if (file.Format != ModelFormats.Npy) throw new UsageException($"--input '{inputPath}' is not a .npy array (it reads as {file.Format}).");
                given = file.Tensors[0];
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
            var trace = OnnxProbe.Run(ModelFiles.Read(path), options);
            if (pr.GetValue(json)) ctx.Out.WriteLine(Json.Document(pr, w => WriteJson(w, trace)));
            else Render(ctx, trace);
            return CliApp.Ok;
        });
        return command;
    }

    private static IEnumerable<(Option Option, string Key)> SchemeParameters(SchemeOptions s) =>
    [
        (s.Mode, "mode"), (s.Distribution, "distribution"), (s.Scale, "scale"), (s.Gain, "gain"), (s.Nonlinearity, "nonlinearity"), (s.Param, "param"),
        (s.Mean, "mean"), (s.Std, "std"), (s.Low, "low"), (s.High, "high"), (s.Sparsity, "sparsity"), (s.Value, "value"), (s.Groups, "groups"),
    ];

    private static void WriteJson(System.Text.Json.Utf8JsonWriter w, ProbeTrace t)
    {
        w.WriteString("engine", "onnxruntime");
        w.WriteString("model", t.Model);
        w.WriteString("weights", t.Weights);
        w.WriteNumber("batch", t.Batch);
        w.WriteString("input", t.InputSource);
        w.WriteNumber("replaced_initializers", t.Replaced.Count);
        w.WritePropertyName("input_stats");
        Node(w, t.Input);
        w.WriteStartArray("nodes");
        foreach (var n in t.Nodes) Node(w, n);
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

    private static void Node(System.Text.Json.Utf8JsonWriter w, ProbeNode n)
    {
        w.WriteStartObject();
        w.WriteString("name", n.Name);
        w.WriteString("op", n.Op);
        w.WriteStartArray("shape");
        foreach (long d in n.Shape) w.WriteNumberValue(d);
        w.WriteEndArray();
        Json.Number(w, "mean", n.Mean);
        Json.Number(w, "std", n.Std);
        Json.Number(w, "mean_square", n.MeanSquare);
        Json.Number(w, "min", n.Min);
        Json.Number(w, "max", n.Max);
        Json.Number(w, "zero_fraction", n.ZeroFraction);
        w.WriteNumber("nonfinite", n.NonFinite);
        Json.Number(w, "correlation", n.Correlation);
        w.WriteEndObject();
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
            table.AddRow(Markup.Escape(n.Name), Markup.Escape(n.Op), string.Join("x", n.Shape), Json.Format(n.Mean), Json.Format(n.Std),
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
