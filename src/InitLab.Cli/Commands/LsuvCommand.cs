using System.CommandLine;
using System.Globalization;
using InitLab.Formats;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Propagation;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab lsuv</c>: layer-sequential unit-variance initialization (Mishkin &amp; Matas 2016). Exit code 0 when every
/// layer reached |Var - 1| &lt; --tolerance, 1 (with the result printed and one line on stderr) when one did not. With
/// --model, --spec or --onnx it runs on a network graph (<see cref="Lsuv.Run(Graph, NetworkParameters{float}, int, ulong, IReadOnlyDictionary{string, float[]}?, double, int, int)"/>):
/// every linear and conv node in order, from an orthogonal pre-init (an ONNX model re-initialized as <c>probe --scheme orthogonal</c>
/// does), on the Gaussian batch <c>probe</c> draws with the same seed; --out writes the ONNX model with the rescaled weights.
/// </summary>
internal static class LsuvCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions(actRequired: false);
        // |Var - 1| < T with T >= 1 would accept any variance in (0, 2) -- a std of 0.1 -- as "unit variance".
        var tolerance = CliOptions.Double("--tolerance", "Stop when |Var - 1| < T, with 0 < T < 1", 0.1, new Bounds(0, MinOpen: true, 1, MaxOpen: true));
        var maxIterations = CliOptions.Int("--max-iterations", "At most M rescales per layer", 10, min: 1, max: 1000);
        var json = CliOptions.Json();
        var g = new GraphOptions();
        var output = CliOptions.OutputFile("--out", "With --onnx: write the model with LSUV's weights here (.onnx) (default: nothing written)", [".onnx"]);
        var command = Help.Examples(new Command("lsuv", "Layer-sequential unit-variance initialization on a data batch"),
            "initlab lsuv --act relu --width 256 --depth 20",
            "initlab lsuv --act tanh --widths 784,256,256,10 --input batch.npy --tolerance 0.01 --json",
            "initlab lsuv --model resnet:blocks=4,width=16,size=16 --batch 8",
            "initlab lsuv --onnx resnet18.onnx --batch 2 --out resnet18_lsuv.onnx");
        o.AddTo(command, withInit: false);
        foreach (var option in new Option[] { g.Model, g.Spec, g.Onnx, output, tolerance, maxIterations, json }) command.Add(option);
        command.SetAction(pr =>
        {
            if (g.Given(pr)) return Graph(pr, ctx, o, g, pr.GetValue(output), pr.GetValue(tolerance), pr.GetValue(maxIterations), pr.GetValue(json));
            if (pr.GetValue(output) is not null) throw new UsageException("--out writes an ONNX model's LSUV weights; give --onnx FILE.");
            // LSUV keeps every layer's weight matrix (4 bytes per weight) besides what a forward pass needs.
            o.CheckResources(pr, ctx, Engine.Explicit, backward: false, "lsuv", extraBytesPerWeight: sizeof(float));
            var spec = o.Spec(pr, new WeightDistribution.Orthogonal(1.0));
            spec.Validate();
            double t = pr.GetValue(tolerance);
            var result = Lsuv.Run(spec, o.Seed(pr), t, pr.GetValue(maxIterations));
            if (pr.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Document(pr, w =>
                {
                    w.WriteStartArray("layers");
                    foreach (var l in result.Layers)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("layer", l.Layer);
                        Json.Number(w, "std", l.Std);
                        w.WriteNumber("iterations", l.Iterations);
                        Json.Number(w, "scale", l.Scale);
                        w.WriteBoolean("converged", l.Converged);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteBoolean("converged", result.Converged);
                }));
            }
            else
            {
                var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"LSUV: {o.Describe(pr)}"));
                foreach (var c in new[] { "layer", "std", "iterations", "scale", "converged" }) table.AddColumn(new TableColumn(c).RightAligned());
                foreach (var l in result.Layers)
                    table.AddRow(l.Layer.ToString(CultureInfo.InvariantCulture), Json.Format(l.Std), l.Iterations.ToString(CultureInfo.InvariantCulture),
                        Json.Format(l.Scale), l.Converged ? "yes" : "[red]no[/]");
                ctx.Console.Write(table);
                if (result.Converged) ctx.Out.WriteLine("every layer reached unit variance.");
            }
            if (result.Converged) return CliApp.Ok;
            var failed = result.Layers.Where(l => !l.Converged).ToList();
            ctx.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"error: {failed.Count} of {result.Layers.Count} layers did not reach |Var - 1| < {t} within --max-iterations {pr.GetValue(maxIterations)} (first: layer {failed[0].Layer}, std {Json.Format(failed[0].Std)})."));
            return CliApp.Failure;
        });
        return command;
    }

    private static int Graph(ParseResult pr, CliContext ctx, NetworkOptions o, GraphOptions g, string? output, double t, int maxIterations, bool json)
    {
        foreach (var mlpOption in o.MlpOnly)
            if (pr.IsGiven(mlpOption))
                throw new UsageException($"{mlpOption.Name} describes the MLP lab's network; with --model, --spec or --onnx the graph defines the network.");
        string? onnx = pr.GetValue(g.Onnx);
        if (new[] { pr.GetValue(g.Model), pr.GetValue(g.Spec), onnx }.Count(v => v is not null) != 1)
            throw new UsageException("give exactly one of --model MODEL, --spec FILE and --onnx FILE.");
        if (output is not null && onnx is null) throw new UsageException("--out writes an ONNX model's LSUV weights; give --onnx FILE.");
        ulong seed = o.Seed(pr);
        int batch = pr.GetValue(o.Batch);
        var orthogonal = Schemes.Create("orthogonal");
        ModelFile? model = null;
        Formats.Onnx.OnnxImport? import = null;
        Graph graph;
        if (onnx is not null)
        {
            model = GraphOptions.ReadOnnx(onnx, "--onnx");
            import = g.Import(pr, orthogonal, seed);
            graph = import.Graph;
        }
        else
        {
            try
            {
                graph = g.Graph(pr).WithScheme(orthogonal);
            }
            catch (ArgumentException e)
            {
                var (source, value) = g.Source(pr);
                throw new UsageException($"{source} {value}: {CliApp.WithoutParameterSuffix(e.Message)}");
            }
        }
        var (option, text) = g.Source(pr);
        Resources.Check(ctx, GraphResources.Estimate(graph, batch, backward: false),
            new Dictionary<string, (string, string)> { ["batch"] = ("--batch", batch.ToString(CultureInfo.InvariantCulture)), ["model"] = (option, text) },
            "lsuv on the explicit engine");
        var start = import?.Parameters ?? NetworkParameters<float>.Draw(graph, seed);
        var result = Lsuv.Run(graph, start, batch, seed, inputs: null, t, maxIterations);
        if (result.Layers.Count == 0) throw new UsageException($"{option} {text} has no linear or conv node for LSUV to rescale.");
        if (output is not null) ModelFiles.Write(output, model!.WithTensors(import!.WriteBack(model, result.Parameters)));
        if (json)
        {
            ctx.Out.WriteLine(Json.Document(pr, w =>
            {
                w.WriteStartArray("layers");
                foreach (var l in result.Layers)
                {
                    w.WriteStartObject();
                    w.WriteString("node", l.Node);
                    w.WriteString("op", l.Op);
                    Json.Number(w, "std", l.Std);
                    w.WriteNumber("iterations", l.Iterations);
                    Json.Number(w, "scale", l.Scale);
                    w.WriteBoolean("converged", l.Converged);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteBoolean("converged", result.Converged);
                if (output is not null) w.WriteString("output", output);
            }));
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"LSUV: {option} {text}, orthogonal pre-init, batch {batch}, seed {seed}"));
            foreach (var c in new[] { "node", "op", "std", "iterations", "scale", "converged" }) table.AddColumn(new TableColumn(c).RightAligned());
            foreach (var l in result.Layers)
                table.AddRow(Markup.Escape(l.Node), l.Op, Json.Format(l.Std), l.Iterations.ToString(CultureInfo.InvariantCulture), Json.Format(l.Scale), l.Converged ? "yes" : "[red]no[/]");
            ctx.Console.Write(table);
            if (result.Converged) ctx.Out.WriteLine("every layer reached unit variance.");
            if (output is not null) ctx.Out.WriteLine($"wrote {output}");
        }
        if (result.Converged) return CliApp.Ok;
        var failed = result.Layers.Where(l => !l.Converged).ToList();
        ctx.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"error: {failed.Count} of {result.Layers.Count} layers did not reach |Var - 1| < {t} within --max-iterations {maxIterations} (first: {failed[0].Node}, std {Json.Format(failed[0].Std)})."));
        return CliApp.Failure;
    }
}
