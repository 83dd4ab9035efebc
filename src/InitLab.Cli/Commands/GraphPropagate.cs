using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using InitLab.Initializers;
using InitLab.Networks;
using InitLab.Propagation;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab propagate --model M | --spec F | --onnx F</c>: the explicit engine (every node measured) or the moment engine (every
/// node predicted analytically, with the assumptions it made per node) on a network graph, and the diagnosis per block. The JSON
/// keys follow design.md ("Networks beyond MLPs").
/// </summary>
internal static class GraphPropagate
{
    /// <summary>The analytic engine's name on the command line.</summary>
    public const string Moments = "moments";

    /// <summary>One run: an init on one engine; <paramref name="Prediction"/> is the moment engine's own trace (null for explicit).</summary>
    public sealed record Run(string Init, Graph Graph, GraphTrace Trace, GraphDiagnosis Diagnosis, string Engine = "explicit", MomentTrace? Prediction = null);

    public static int Execute(ParseResult pr, CliContext ctx, NetworkOptions o, GraphOptions g, string[] engines, bool backward, bool json, bool csv, string? plot, bool every,
        string? report = null)
    {
        foreach (var option in o.MlpOnly)
            if (pr.IsGiven(option))
                throw new UsageException($"{option.Name} describes the MLP lab's network; with --model, --spec or --onnx the graph defines the network (e.g. --model mlp:depth=L,width=N,act=A).");
        if (every) throw new UsageException("--every thins the MLP lab's layer table; a graph's table lists every node.");
        if (engines.FirstOrDefault(e => e is not ("explicit" or Moments)) is { } mlpEngine)
            throw new UsageException($"the {mlpEngine} engine works on the MLP lab's network (--width, --depth); a graph runs on --engine explicit or moments.");
        var graph = g.Graph(pr);
        int batch = pr.GetValue(o.Batch);
        var inits = pr.List(o.Init);
        var (source, value) = g.Source(pr);
        bool onnx = pr.GetValue(g.Onnx) is not null;
        if (engines.Contains("explicit"))
            Resources.Check(ctx, GraphResources.Estimate(graph, batch, backward).Sequential(inits?.Length ?? 1),
                new Dictionary<string, (string, string)> { ["batch"] = ("--batch", batch.ToString(CultureInfo.InvariantCulture)), ["model"] = (source, value) },
                "propagate on the explicit engine");
        var graphs = new List<(string Init, Graph Graph)>();
        if (inits is null) graphs.Add((onnx ? "file" : "default", graph));
        else
            foreach (string name in inits)
            {
                try
                {
                    // A real model is re-initialized as probe --scheme does (norms fresh too); a family or spec as nn.init would.
                    if (Recipes.IsRecipe(name))
                    {
                        graphs.Add((name, Recipes.Apply(graph, name)));
                        continue;
                    }
                    var scheme = o.Initializer(name, pr);
                    graphs.Add((name, onnx ? g.Import(pr, scheme, o.Seed(pr)).Graph : graph.WithScheme(scheme)));
                }
                catch (ArgumentException e)
                {
                    throw new UsageException($"--init {name}: {CliApp.WithoutParameterSuffix(e.Message)}");
                }
            }
        var runs = new List<Run>();
        foreach (var (init, network) in graphs)
            foreach (string engine in engines)
                runs.Add(engine == Moments ? Predict(init, network, batch, backward, source, value) : Measure(init, network, batch, o.Seed(pr), backward));

        string Document() => Json.Document(pr, w =>
        {
            if (runs.Count == 1)
            {
                WriteRun(w, runs[0]);
                return;
            }
            w.WriteStartArray("runs");
            foreach (var r in runs)
            {
                w.WriteStartObject();
                WriteRun(w, r);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
        if (json) ctx.Out.WriteLine(Document());
        else if (csv) ctx.Out.Write(Csv(runs));
        else foreach (var r in runs) Render(ctx, r, pr.GetValue(g.Nodes) || r.Diagnosis.Blocks.All(b => b.Block == b.Output));

        if (plot is not null)
        {
            Plots.StdPerLayer(plot, $"std per block: {graph.Name ?? value}", runs.Select(r =>
            {
                var stages = r.Diagnosis.Blocks.Where(b => b.Block is not ("stem" or "head")).ToList();
                var stds = stages.Count == 0 ? [] : new[] { stages[0].StdIn }.Concat(stages.Select(s => s.StdOut)).ToArray();
                return new PlotSeries(engines.Length == 1 ? r.Init : $"{r.Init} ({r.Engine})", Enumerable.Range(0, stds.Length).Select(k => (double)k).ToArray(), stds);
            }).ToList());
            if (!json && !csv) ctx.Out.WriteLine($"wrote {plot}");
        }
        if (report is not null)
        {
            Report(pr, runs, $"{value}, batch {batch}").Save(report, Document());
            if (!json && !csv) ctx.Out.WriteLine($"wrote {report}");
        }
        return CliApp.Ok;
    }

    /// <summary>The report of graph runs: every node as a point of the signal (in topological order), then the blocks.</summary>
    private static HtmlReport Report(ParseResult pr, List<Run> runs, string configuration)
    {
        var report = new HtmlReport("propagate", configuration, pr);
        SignalReport.Add(report, configuration, "node", runs.Select(r =>
        {
            var d = r.Diagnosis;
            var points = r.Trace.Nodes.Select((n, i) => new SignalPoint(i, n.Name, n.Op, n.Mean, n.Std, Math.Max(Math.Abs(n.Min), Math.Abs(n.Max)),
                n.ZeroFraction, n.NonFinite, n.Correlation, n.GradNorm, n.Histogram)).ToList();
            int? first = r.Trace.FirstNonFiniteNode is { } bad ? points.FindIndex(p => p.Name == bad) : null;
            string summary = $"std x{Json.Format(d.GrowthPerBlock)} per block, variance growth {d.Shape.ToString().ToLowerInvariant()}"
                + (d.GradientVerdict is { } gv ? $"; gradient {gv.ToString().ToLowerInvariant()}, x{Json.Format(d.GradientGrowthPerBlock!.Value)} per block going back" : "")
                + (d.WorstNode is { } worst ? $"; worst node {worst} (std x{Json.Format(d.WorstNodeGrowth)})" : "")
                + (r.Trace.FirstNonFiniteNode is { } nf ? $"; first non-finite node {nf}" : "");
            return new SignalRun(Label(r), points, d.VerdictName, summary, d.Advice, first);
        }).ToList());
        foreach (var r in runs.Where(r => r.Diagnosis.Blocks.Count > 0))
            report.Table($"{Label(r)}: per block", ["block", "input", "output", "std in", "std out", "growth", "gradient growth"],
                r.Diagnosis.Blocks.Select(b => (IReadOnlyList<string>)[b.Block, b.Input, b.Output, Json.Format(b.StdIn), Json.Format(b.StdOut), Json.Format(b.Growth),
                    b.GradientGrowth is { } gg ? Json.Format(gg) : ""]));
        return report;
    }

    private static string Label(Run r) => r.Engine == Moments ? $"init {r.Init}, moment engine" : $"init {r.Init}";

    /// <summary>The explicit engine's run of <paramref name="network"/>.</summary>
    internal static Run Measure(string init, Graph network, int batch, ulong seed, bool backward)
    {
        var trace = ExplicitGraphEngine.Run(network, new ExplicitOptions { Batch = batch, Seed = seed, Backward = backward });
        return new Run(init, network, trace, GraphDiagnoser.Diagnose(network, trace));
    }

    /// <summary>The moment engine's prediction for <paramref name="network"/>; an op or initializer it cannot treat is a usage error naming the node.</summary>
    internal static Run Predict(string init, Graph network, int batch, bool backward, string option, string value)
    {
        MomentTrace prediction;
        try
        {
            prediction = MomentEngine.Run(network, new MomentOptions { Batch = batch, Backward = backward });
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{option} {value}: {CliApp.WithoutParameterSuffix(e.Message)}");
        }
        var trace = prediction.ToGraphTrace();
        return new Run(init, network, trace, GraphDiagnoser.Diagnose(network, trace), Moments, prediction);
    }

    /// <summary>The keys of one run: engine, model, init, nodes, first_nonfinite_node, diagnosis.</summary>
    internal static void WriteRun(Utf8JsonWriter w, Run run)
    {
        var t = run.Trace;
        w.WriteString("engine", run.Engine);
        if (run.Graph.Name is { } name) w.WriteString("model", name);
        else w.WriteNull("model");
        w.WriteString("init", run.Init);
        w.WriteNumber("batch", t.Batch);
        w.WriteStartArray("nodes");
        foreach (var n in t.Nodes)
            WriteNode(w, n, run.Prediction is { } prediction ? x =>
            {
                var m = prediction[n.Name];
                x.WriteBoolean("exact", m.Exact);
                x.WriteStartArray("assumptions");
                foreach (string text in m.Assumptions) x.WriteStringValue(text);
                x.WriteEndArray();
            } : null);
        w.WriteEndArray();
        if (t.FirstNonFiniteNode is { } bad) w.WriteString("first_nonfinite_node", bad);
        else w.WriteNull("first_nonfinite_node");
        w.WriteNumber("peak_activation_elements", t.PeakActivationElements);
        var d = run.Diagnosis;
        w.WriteStartObject("diagnosis");
        w.WriteString("verdict", d.VerdictName);
        if (d.GradientVerdict is { } gv) w.WriteString("gradient_verdict", gv.ToString().ToLowerInvariant());
        else w.WriteNull("gradient_verdict");
        w.WriteString("advice", d.Advice);
        if (d.WorstNode is { } worst) w.WriteString("worst_node", worst);
        else w.WriteNull("worst_node");
        Json.Number(w, "worst_node_growth", d.WorstNodeGrowth);
        Json.Number(w, "growth_per_block", d.GrowthPerBlock);
        Json.Number(w, "gradient_growth_per_block", d.GradientGrowthPerBlock);
        w.WriteString("variance_growth", d.Shape.ToString().ToLowerInvariant());
        Json.Number(w, "variance_increase_per_block", d.VarianceIncreasePerBlock);
        Json.Number(w, "drift_band_log10", d.DriftBand);
        w.WriteStartArray("blocks");
        foreach (var b in d.Blocks)
        {
            w.WriteStartObject();
            w.WriteString("block", b.Block);
            w.WriteString("input", b.Input);
            w.WriteString("output", b.Output);
            Json.Number(w, "std_in", b.StdIn);
            Json.Number(w, "std_out", b.StdOut);
            Json.Number(w, "growth", b.Growth);
            Json.Number(w, "gradient_growth", b.GradientGrowth);
            Json.Number(w, "param_grad_norm", b.ParamGradNorm);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One node of a trace, the same keys for propagate and probe (design.md).</summary>
    internal static void WriteNode(Utf8JsonWriter w, NodeTrace n, Action<Utf8JsonWriter>? extra = null)
    {
        w.WriteStartObject();
        w.WriteString("name", n.Name);
        w.WriteString("op", n.Op);
        extra?.Invoke(w);
        Json.Ints(w, "shape", n.Shape.Dims);
        if (n.Block is { } b) w.WriteString("block", b);
        else w.WriteNull("block");
        Json.Number(w, "mean", n.Mean);
        Json.Number(w, "std", n.Std);
        Json.Number(w, "mean_square", n.MeanSquare);
        Json.NumberOrNull(w, "min", n.Min);
        Json.NumberOrNull(w, "max", n.Max);
        Json.NumberOrNull(w, "zero_fraction", n.ZeroFraction);
        w.WriteNumber("nonfinite", n.NonFinite);
        Json.Number(w, "correlation", n.Correlation);
        Json.Number(w, "grad_norm", n.GradNorm);
        Json.Number(w, "param_grad_norm", n.ParamGradNorm);
        if (n.Histogram is { } h) PropagateCommand.WriteHistogram(w, h);
        w.WriteStartArray("parameters");
        foreach (var p in n.Parameters)
        {
            w.WriteStartObject();
            w.WriteString("name", p.Name);
            Json.Ints(w, "shape", p.Shape.Dims);
            w.WriteString("role", RoleName(p.Role));
            w.WriteString("init", p.Init);
            Json.NumberOrNull(w, "std", p.Std);
            Json.Number(w, "grad_norm", p.GradNorm);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>weight, bias, scale, shift, embedding, running_mean, running_var.</summary>
    internal static string RoleName(ParameterRole role) => role switch
    {
        ParameterRole.RunningMean => "running_mean",
        ParameterRole.RunningVariance => "running_var",
        _ => role.ToString().ToLowerInvariant(),
    };

    private static string Csv(List<Run> runs)
    {
        var sb = new StringBuilder("engine,init,node,op,block,shape,mean,std,mean_square,min,max,zero_fraction,nonfinite,correlation,grad_norm,param_grad_norm\n");
        foreach (var r in runs)
            foreach (var n in r.Trace.Nodes)
                sb.AppendLine(string.Join(",", r.Engine, r.Init, n.Name, n.Op, n.Block ?? "", string.Join("x", n.Shape.Dims.ToArray()), F(n.Mean), F(n.Std), F(n.MeanSquare),
                    F(n.Min), F(n.Max), F(n.ZeroFraction), n.NonFinite.ToString(CultureInfo.InvariantCulture), F(n.Correlation), F(n.GradNorm), F(n.ParamGradNorm)));
        return sb.ToString();
    }

    private static string F(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    internal static void Render(CliContext ctx, Run run, bool allNodes)
    {
        var t = run.Trace;
        bool grads = t.Nodes.Any(n => n.GradNorm is not null);
        ctx.Out.WriteLine($"{run.Graph.Name ?? "graph"}: init {run.Init}, {run.Engine} engine, batch {t.Batch}, {run.Graph.Nodes.Count} nodes, {run.Graph.ParameterCount} parameters");
        if (allNodes) RenderNodes(ctx, run, grads);
        RenderBlocks(ctx, run, grads);
        if (run.Prediction is { } prediction) RenderAssumptions(ctx, prediction);
    }

    /// <summary>The moment engine's approximations beyond the infinite-width limit, per node (at most 10 lines; --json lists all).</summary>
    private static void RenderAssumptions(CliContext ctx, MomentTrace prediction)
    {
        var flagged = prediction.Nodes.Where(n => !n.Exact).ToList();
        if (flagged.Count == 0)
        {
            ctx.Out.WriteLine("moments: every node exact in the infinite-width limit");
            return;
        }
        ctx.Out.WriteLine($"moments: {flagged.Count} node(s) rest on an approximation:");
        foreach (var n in flagged.Take(10)) ctx.Out.WriteLine($"  {n.Name}: {string.Join("; ", n.Assumptions)}");
        if (flagged.Count > 10) ctx.Out.WriteLine($"  ... {flagged.Count - 10} more (all of them with --json)");
    }

    private static void RenderNodes(CliContext ctx, Run run, bool grads)
    {
        var t = run.Trace;
        var nodes = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{run.Graph.Name ?? "graph"}, init {run.Init}, {run.Engine} engine, batch {t.Batch}"));
        foreach (var c in new[] { "node", "op", "shape", "mean", "std", "zero frac" }) nodes.AddColumn(new TableColumn(c));
        if (grads) foreach (var c in new[] { "grad norm", "param grad" }) nodes.AddColumn(new TableColumn(c).RightAligned());
        foreach (var n in t.Nodes)
        {
            var cells = new List<string> { n.Name, n.Op, string.Join("x", n.Shape.Dims.ToArray()), Json.Format(n.Mean), Json.Format(n.Std), Json.Format(n.ZeroFraction) };
            if (grads) cells.AddRange([n.GradNorm is { } g ? Json.Format(g) : "", n.ParamGradNorm is { } p ? Json.Format(p) : ""]);
            nodes.AddRow(cells.Select(Markup.Escape).ToArray());
        }
        ctx.Console.Write(nodes);
    }

    private static void RenderBlocks(CliContext ctx, Run run, bool grads)
    {
        var t = run.Trace;
        var d = run.Diagnosis;
        if (d.Blocks.Count > 0)
        {
            var blocks = new Table().Border(TableBorder.Rounded).Title("per block (all nodes: --nodes)");
            foreach (var c in new[] { "block", "output", "std in", "std out", "growth" }) blocks.AddColumn(new TableColumn(c));
            if (grads) foreach (var c in new[] { "grad growth", "param grad" }) blocks.AddColumn(new TableColumn(c).RightAligned());
            foreach (var b in d.Blocks)
            {
                var cells = new List<string> { b.Block, b.Output, Json.Format(b.StdIn), Json.Format(b.StdOut), Json.Format(b.Growth) };
                if (grads) cells.AddRange([b.GradientGrowth is { } g ? Json.Format(g) : "", b.ParamGradNorm is { } p ? Json.Format(p) : ""]);
                blocks.AddRow(cells.Select(Markup.Escape).ToArray());
            }
            ctx.Console.Write(blocks);
        }
        ctx.Out.WriteLine($"first non-finite node: {t.FirstNonFiniteNode ?? "none"}");
        ctx.Out.WriteLine($"verdict: {d.VerdictName} (std x{Json.Format(d.GrowthPerBlock)} per block, variance growth {d.Shape.ToString().ToLowerInvariant()}"
            + (d.GradientVerdict is { } gv ? $"; gradient {gv.ToString().ToLowerInvariant()}, x{Json.Format(d.GradientGrowthPerBlock!.Value)} per block going back" : "") + ")");
        if (d.WorstNode is { } worst) ctx.Out.WriteLine($"worst node: {worst} (std x{Json.Format(d.WorstNodeGrowth)})");
        if (d.Advice.Length > 0) ctx.Out.WriteLine($"advice: {d.Advice}");
    }
}
