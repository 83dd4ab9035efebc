using System.CommandLine;
using System.Globalization;
using InitLab.Propagation;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab lsuv</c>: layer-sequential unit-variance initialization (Mishkin &amp; Matas 2016). Exit code 0 when every
/// layer reached |Var - 1| &lt; --tolerance, 1 (with the result printed and one line on stderr) when one did not.
/// </summary>
internal static class LsuvCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions();
        // |Var - 1| < T with T >= 1 would accept any variance in (0, 2) -- a std of 0.1 -- as "unit variance".
        var tolerance = CliOptions.Double("--tolerance", "Stop when |Var - 1| < T, with 0 < T < 1", 0.1, new Bounds(0, MinOpen: true, 1, MaxOpen: true));
        var maxIterations = CliOptions.Int("--max-iterations", "At most M rescales per layer", 10, min: 1, max: 1000);
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("lsuv", "Layer-sequential unit-variance initialization on a data batch"),
            "initlab lsuv --act relu --width 256 --depth 20",
            "initlab lsuv --act tanh --widths 784,256,256,10 --input batch.npy --tolerance 0.01 --json");
        o.AddTo(command, withInit: false);
        foreach (var option in new Option[] { tolerance, maxIterations, json }) command.Add(option);
        command.SetAction(pr =>
        {
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
}
