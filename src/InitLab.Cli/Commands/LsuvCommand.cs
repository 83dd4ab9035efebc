using System.CommandLine;
using System.Globalization;
using InitLab.Propagation;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary><c>initlab lsuv</c>: layer-sequential unit-variance initialization (Mishkin &amp; Matas 2016).</summary>
internal static class LsuvCommand
{
    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions();
        var tolerance = new Option<double>("--tolerance") { Description = "Stop when |Var - 1| < T", DefaultValueFactory = _ => 0.1 };
        var maxIterations = CommonOptions.IntAtLeast("--max-iterations", "At most M rescales per layer", 1, 10);
        var json = CommonOptions.Json();
        var command = new Command("lsuv", "Layer-sequential unit-variance initialization on a data batch");
        o.AddTo(command, withInit: false);
        foreach (var option in new Option[] { tolerance, maxIterations, json }) command.Add(option);
        command.SetAction(pr =>
        {
            var spec = o.Spec(pr, new WeightDistribution.Orthogonal(1.0));
            var result = Lsuv.Run(spec, o.Seed(pr), pr.GetValue(tolerance), pr.GetValue(maxIterations));
            if (pr.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
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
                    w.WriteEndObject();
                }));
                return CliApp.Ok;
            }
            var table = new Table().Border(TableBorder.Rounded).Title($"LSUV: {o.Describe(pr)}");
            foreach (var c in new[] { "layer", "std", "iterations", "scale", "converged" }) table.AddColumn(new TableColumn(c).RightAligned());
            foreach (var l in result.Layers)
                table.AddRow(l.Layer.ToString(CultureInfo.InvariantCulture), Json.Format(l.Std), l.Iterations.ToString(CultureInfo.InvariantCulture),
                    Json.Format(l.Scale), l.Converged ? "yes" : "[red]no[/]");
            ctx.Console.Write(table);
            ctx.Out.WriteLine(result.Converged ? "every layer reached unit variance." : "some layers did not converge within --max-iterations.");
            return CliApp.Ok;
        });
        return command;
    }
}
