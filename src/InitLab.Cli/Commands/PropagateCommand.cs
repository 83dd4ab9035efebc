using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using InitLab.Activations;
using InitLab.Propagation;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab propagate</c>: push a batch through a deep random MLP and show per-layer statistics, the first non-finite
/// layer and a diagnosis. <c>--engine</c> and <c>--init</c> take comma-separated lists to compare runs side by side.
/// With <c>--model</c> or <c>--spec</c>, the network is a graph (<see cref="GraphPropagate"/>).
/// </summary>
internal static class PropagateCommand
{
    /// <summary>Engine names on the command line.</summary>
    internal static IReadOnlyList<string> EngineNames { get; } = ["explicit", "ensemble", "meanfield"];

    /// <summary>Engine names propagate accepts: the MLP lab's three and the graph's analytic <c>moments</c> engine.</summary>
    internal static IReadOnlyList<string> PropagateEngineNames { get; } = ["explicit", "ensemble", "meanfield", GraphPropagate.Moments];

    public static Command Create(CliContext ctx)
    {
        var o = new NetworkOptions(actRequired: false);
        var g = new GraphOptions();
        var engine = CliOptions.ChoiceList("--engine",
            "explicit, ensemble or meanfield (comma-separated to compare); a --model/--spec graph: explicit or moments (analytic, no sampling)",
            PropagateEngineNames, canonical: name => name.Trim().Equals(GraphPropagate.Moments, StringComparison.OrdinalIgnoreCase) ? GraphPropagate.Moments : Name(ParseEngine(name)),
            defaultValue: ["explicit"]);
        var backward = CliOptions.Flag("--backward", "Back-propagate a random unit-variance gradient (explicit engine)");
        var json = CliOptions.Json();
        var csv = CliOptions.Flag("--csv", "Print every layer as CSV");
        var plot = CliOptions.OutputFile("--plot", "Write std per layer (log scale) to FILE.png or FILE.svg (default: no plot)", Plots.Extensions);
        var every = CliOptions.OptionalInt("--every", "Table: show every k-th layer (default: about 20 rows)", min: 1);
        var generator = CliOptions.Generator("weights, biases, inputs and the top gradient of the PyTorch script in docs/generators.md; explicit engine only");
        var command = Help.Examples(new Command("propagate", "Propagate a batch through a deep random network (an MLP, a family or a JSON graph), layer by layer"),
            "initlab propagate --act relu --width 512 --depth 100 --init kaiming_normal,normal",
            "initlab propagate --act tanh --width 256 --depth 50 --sigma-w 1.1 --engine explicit,ensemble,meanfield --json",
            "initlab propagate --act relu --widths 784,512,256,10 --init kaiming_normal --backward --plot std.svg",
            "initlab propagate --act tanh --width 256 --depth 20 --init xavier_normal --generator torch --seed 0",
            "initlab propagate --model resnet:blocks=8,width=64,size=32,norm=none,preact=true --init kaiming_normal --batch 8",
            "initlab propagate --model transformer:layers=12,dim=256,heads=8,tokens=64,ln=post --backward --json",
            "initlab propagate --model resnet:blocks=50,width=64,size=8,norm=none --engine explicit,moments --init kaiming_normal",
            "initlab propagate --spec net.json --init orthogonal --batch 16",
            "initlab propagate --onnx resnet18.onnx --batch 2 --nodes",
            "initlab propagate --onnx resnet18.onnx --init kaiming_normal --mode fan_out --batch 2",
            "initlab propagate --act tanh --width 256 --depth 50 --sigma-w 1.5 --sigma-b 0.1 --report tanh.html");
        o.AddTo(command);
        g.AddTo(command);
        var report = HtmlReport.Option();
        foreach (var option in new Option[] { engine, backward, json, csv, plot, every, generator, report }) command.Add(option);
        command.SetAction(pr =>
        {
            if (pr.GetValue(json) && pr.GetValue(csv)) throw new UsageException("--json and --csv are exclusive.");
            if (!g.Given(pr) && pr.GetValue(g.Nodes)) throw new UsageException("--nodes lists a graph's nodes; give --model, --spec or --onnx.");
            if (g.Given(pr) && pr.IsGiven(generator) && pr.GeneratorOf(generator) == Random.GeneratorKind.Torch)
                throw new UsageException("--generator torch draws the MLP lab's weights the PyTorch way; a --model, --spec or --onnx graph draws from Philox streams: drop --generator torch or use --act/--width/--depth.");
            if (g.Given(pr))
                return GraphPropagate.Execute(pr, ctx, o, g, pr.GetValue(engine)!, pr.GetValue(backward), pr.GetValue(json), pr.GetValue(csv), pr.GetValue(plot), pr.IsGiven(every),
                    pr.GetValue(report));
            if (pr.IsGiven(every) && (pr.GetValue(json) || pr.GetValue(csv)))
                throw new UsageException("--every thins the table; --json and --csv always list every layer.");
            if (pr.List(o.Init)?.FirstOrDefault(InitLab.Networks.Recipes.IsRecipe) is { } recipe)
                throw new UsageException($"--init {recipe} is a recipe that scales a graph's residual branches or readout: give --model, --spec or --onnx.");
            string? plotPath = pr.GetValue(plot);
            if (pr.GetValue(engine)!.Contains(GraphPropagate.Moments))
                throw new UsageException("--engine moments runs on a network graph: give --model or --spec (the MLP lab's network is --model mlp:depth=L,width=N,act=A).");
            var engines = pr.GetValue(engine)!.Select(ParseEngine).ToArray();
            if (pr.GetValue(backward) && engines.Any(e => e != Engine.Explicit))
                throw new UsageException("--backward needs the explicit engine: --engine explicit.");
            var kind = pr.GeneratorOf(generator);
            if (kind == Random.GeneratorKind.Torch)
            {
                if (engines.Where(e => e != Engine.Explicit).Select(Name).FirstOrDefault() is { } other)
                    throw new UsageException($"--generator torch needs --engine explicit: the {other} engine does not draw the weights, so it cannot draw PyTorch's; got --engine {other}.");
                if (pr.List(o.Init)?.FirstOrDefault(name => !Initializers.Schemes.TorchNames.Contains(name.Trim().ToLowerInvariant())) is { } scheme)
                    throw new UsageException($"--generator torch cannot draw --init {scheme}: torch.nn.init has no such function; with --generator torch use one of {string.Join(", ", Initializers.Schemes.TorchNames)}.");
            }
            int inits = pr.List(o.Init)?.Length ?? 1;
            foreach (var e in engines) o.CheckResources(pr, ctx, e, pr.GetValue(backward), $"propagate on the {Name(e)} engine", runs: inits);
            var specs = o.Specs(pr);
            foreach (var (_, spec) in specs)
                foreach (var e in engines) Propagator.Check(spec, e, pr.GetValue(backward), kind);
            var runs = new List<(string Init, Engine Engine, PropagationTrace Trace)>();
            foreach (var (initName, spec) in specs)
                foreach (var e in engines)
                    runs.Add((initName, e, Propagator.Run(spec, e, o.Seed(pr), pr.GetValue(backward), generator: kind)));

            string Document() => Json.Document(pr, w =>
            {
                if (runs.Count == 1)
                {
                    WriteTraceProperties(w, runs[0].Trace, runs[0].Init);
                    return;
                }
                w.WriteStartArray("runs");
                foreach (var r in runs) WriteTrace(w, r.Trace, r.Init);
                w.WriteEndArray();
            });
            string? document = pr.GetValue(json) || pr.IsGiven(report) ? Document() : null;
            if (pr.GetValue(json))
                ctx.Out.WriteLine(document);
            else if (pr.GetValue(csv))
                ctx.Out.Write(Csv(runs));
            else
                foreach (var r in runs) RenderTable(ctx, r.Trace, r.Init, pr.GetValue(every));

            if (plotPath is not null)
            {
                Plots.StdPerLayer(plotPath, $"std per layer: {Configuration(pr, o, runs)}",
                    runs.Select(r => new PlotSeries(runs.Count == 1 ? r.Init : $"{r.Init} ({Name(r.Engine)})",
                        Enumerable.Range(0, r.Trace.Layers.Count + 1).Select(k => (double)k).ToArray(),
                        new[] { r.Trace.Input.Std }.Concat(r.Trace.Layers.Select(l => l.Std)).ToArray())).ToList());
                if (!pr.GetValue(json) && !pr.GetValue(csv)) ctx.Out.WriteLine($"wrote {plotPath}");
            }
            if (pr.GetValue(report) is { } reportPath)
            {
                string configuration = Configuration(pr, o, runs);
                var page = new HtmlReport("propagate", configuration, pr);
                SignalReport.Add(page, configuration, "layer",
                    runs.Select(r => Run(runs.Count == 1 && engines.Length == 1 ? $"{r.Init}, {Name(r.Engine)} engine" : $"{r.Init} ({Name(r.Engine)})", r.Trace)).ToList());
                page.Save(reportPath, document!);
                if (!pr.GetValue(json) && !pr.GetValue(csv)) ctx.Out.WriteLine($"wrote {reportPath}");
            }
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>
    /// The configuration in words for titles: the network, and the initializer and engine when all runs share them
    /// (each run's legend names what differs), the bias std when nonzero and the batch.
    /// </summary>
    private static string Configuration(ParseResult pr, NetworkOptions o, List<(string Init, Engine Engine, PropagationTrace Trace)> runs)
    {
        var parts = new List<string> { o.Describe(pr) };
        if (runs.Select(r => r.Init).Distinct().Count() == 1) parts.Add(runs[0].Init);
        if (pr.GetValue(o.SigmaB) is var sb && sb != 0) parts.Add($"sigma_b={Json.Format(sb)}");
        if (runs.Select(r => r.Engine).Distinct().Count() == 1) parts.Add(Name(runs[0].Engine));
        if (pr.GetValue(o.Residual) is { } alpha) parts.Add($"residual {Json.Format(alpha)}");
        parts.Add($"batch {pr.GetValue(o.Batch)}");
        return string.Join(", ", parts);
    }

    /// <summary>A trace as a report's run: the input and every layer, the verdict and the diagnosis in words.</summary>
    internal static SignalRun Run(string label, PropagationTrace trace)
    {
        var d = trace.Diagnosis;
        string summary = $"std x{Json.Format(d.GrowthPerLayer)} per layer over {trace.Layers.Count} layers"
            + (trace.FirstNonFiniteLayer is { } k ? $"; the signal is non-finite (NaN or Inf) from layer {k}" : "")
            + string.Concat(d.Limits.Where(x => x.Layer is not null)
                .Select(x => $"; {x.Format} would {(d.Verdict == Verdict.Exploding ? "overflow" : "underflow")} at layer {Json.Format(x.Layer!.Value)}"));
        return new SignalRun(label, [.. new[] { trace.Input }.Concat(trace.Layers).Select(SignalPoint.Of)], d.VerdictName, summary, d.Advice,
            trace.FirstNonFiniteLayer);
    }

    internal static Engine ParseEngine(string name) => name.Trim().ToLowerInvariant() switch
    {
        "explicit" => Engine.Explicit,
        "ensemble" => Engine.Ensemble,
        "meanfield" or "mean-field" or "mean_field" => Engine.MeanField,
        _ => throw new ArgumentException($"unknown engine '{name}'; valid engines: explicit, ensemble, meanfield.", nameof(name)),
    };

    internal static string Name(Engine e) => Sweep.EngineName(e);

    internal static void WriteTrace(Utf8JsonWriter w, PropagationTrace trace, string init)
    {
        w.WriteStartObject();
        WriteTraceProperties(w, trace, init);
        w.WriteEndObject();
    }

    /// <summary>The keys of one trace, written into the current object.</summary>
    internal static void WriteTraceProperties(Utf8JsonWriter w, PropagationTrace trace, string init)
    {
        w.WriteString("engine", Name(trace.Engine));
        w.WriteString("init", init);
        w.WritePropertyName("input");
        WriteLayer(w, trace.Input);
        w.WriteStartArray("layers");
        foreach (var l in trace.Layers) WriteLayer(w, l);
        w.WriteEndArray();
        if (trace.FirstNonFiniteLayer is { } k) w.WriteNumber("first_nonfinite_layer", k);
        else w.WriteNull("first_nonfinite_layer");
        var d = trace.Diagnosis;
        w.WriteStartObject("diagnosis");
        w.WriteString("verdict", d.VerdictName);
        Json.Number(w, "growth_per_layer", d.GrowthPerLayer);
        Json.Number(w, "log10_growth_per_layer", d.Log10GrowthPerLayer);
        w.WriteStartObject("overflow_or_underflow_layer");
        foreach (var limit in d.Limits)
        {
            if (limit.Layer is { } layer) Json.Number(w, limit.Format, layer);
            else w.WriteNull(limit.Format);
        }
        w.WriteEndObject();
        Json.Number(w, "log10_change", d.Log10Change);
        if (d.MeanFieldLog10Change is { } mf) Json.Number(w, "mean_field_log10_change", mf);
        else w.WriteNull("mean_field_log10_change");
        if (d.Band is { } band)
        {
            w.WriteStartObject("drift_band");
            Json.Number(w, "low", band.Low);
            Json.Number(w, "high", band.High);
            Json.Number(w, "alpha", band.Alpha);
            w.WriteEndObject();
        }
        else w.WriteNull("drift_band");
        w.WriteBoolean("finite_width_drift", d.FiniteWidthDriftDominates);
        w.WriteString("advice", d.Advice);
        w.WriteEndObject();
    }

    private static void WriteLayer(Utf8JsonWriter w, LayerTrace l)
    {
        w.WriteStartObject();
        w.WriteNumber("layer", l.Layer);
        Json.Number(w, "mean", l.Mean);
        Json.Number(w, "std", l.Std);
        Json.Number(w, "mean_square", l.MeanSquare);
        Json.NumberOrNull(w, "min", l.Min);
        Json.NumberOrNull(w, "max", l.Max);
        Json.NumberOrNull(w, "zero_fraction", l.ZeroFraction);
        w.WriteNumber("nonfinite", l.NonFinite);
        w.WriteStartObject("pre");
        Json.Number(w, "mean", l.Pre.Mean);
        Json.Number(w, "std", l.Pre.Std);
        Json.Number(w, "mean_square", l.Pre.MeanSquare);
        w.WriteEndObject();
        if (l.Correlation is { } c) Json.Number(w, "correlation", c);
        if (l.GradNorm is { } g) Json.Number(w, "grad_norm", g);
        if (l.WeightGradNorm is { } gw) Json.Number(w, "weight_grad_norm", gw);
        if (l.Histogram is { } h) WriteHistogram(w, h);
        w.WriteEndObject();
    }

    /// <summary>
    /// <c>"histogram": {"bins_per_octave": 4, "first_bin": b0, "counts": [..], "zeros": .., "nonfinite": ..}</c>: bin b
    /// counts the values with 2^(b/4) &lt;= |x| &lt; 2^((b+1)/4) (<see cref="InitLab.Tensors.MagnitudeHistogram"/>).
    /// </summary>
    internal static void WriteHistogram(Utf8JsonWriter w, InitLab.Tensors.MagnitudeHistogram h)
    {
        w.WriteStartObject("histogram");
        w.WriteNumber("bins_per_octave", InitLab.Tensors.MagnitudeHistogram.BinsPerOctave);
        w.WriteNumber("first_bin", h.FirstBin);
        w.WriteStartArray("counts");
        foreach (long c in h.Counts) w.WriteNumberValue(c);
        w.WriteEndArray();
        w.WriteNumber("zeros", h.Zeros);
        w.WriteNumber("nonfinite", h.NonFinite);
        w.WriteEndObject();
    }

    private static string Csv(List<(string Init, Engine Engine, PropagationTrace Trace)> runs)
    {
        var sb = new StringBuilder("engine,init,layer,mean,std,mean_square,min,max,zero_fraction,nonfinite,pre_mean,pre_std,pre_mean_square,correlation,grad_norm,weight_grad_norm\n");
        foreach (var (init, engine, trace) in runs)
            foreach (var l in new[] { trace.Input }.Concat(trace.Layers))
                sb.AppendLine(string.Join(",", Name(engine), init, l.Layer.ToString(CultureInfo.InvariantCulture),
                    F(l.Mean), F(l.Std), F(l.MeanSquare), F(l.Min), F(l.Max), F(l.ZeroFraction), l.NonFinite.ToString(CultureInfo.InvariantCulture),
                    F(l.Pre.Mean), F(l.Pre.Std), F(l.Pre.MeanSquare), F(l.Correlation), F(l.GradNorm), F(l.WeightGradNorm)));
        return sb.ToString();
    }

    private static string F(double? v) => v is { } x ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    private static void RenderTable(CliContext ctx, PropagationTrace trace, string init, int? every)
    {
        int depth = trace.Layers.Count;
        int step = every ?? Math.Max(1, (int)Math.Ceiling(depth / 20.0));
        bool grads = trace.Layers.Any(l => l.GradNorm is not null);
        var table = new Table().Border(TableBorder.Rounded).Title($"{init}, {Name(trace.Engine)} engine");
        foreach (var c in new[] { "layer", "mean", "std", "min", "max", "zero frac", "pre std", "corr" }) table.AddColumn(new TableColumn(c).RightAligned());
        if (grads) table.AddColumn(new TableColumn("grad norm").RightAligned());
        foreach (var l in new[] { trace.Input }.Concat(trace.Layers))
        {
            if (l.Layer != 0 && l.Layer != depth && l.Layer % step != 0 && l.Layer != trace.FirstNonFiniteLayer) continue;
            // The mean-field limit defines no min, max or zero fraction: leave those cells empty rather than print NaN.
            string Cell(double v) => trace.Engine == Engine.MeanField && double.IsNaN(v) ? "" : Json.Format(v);
            var cells = new List<string> { l.Layer.ToString(CultureInfo.InvariantCulture), Json.Format(l.Mean), Json.Format(l.Std), Cell(l.Min), Cell(l.Max),
                Cell(l.ZeroFraction), Json.Format(l.Pre.Std), l.Correlation is { } c ? Json.Format(c) : "" };
            if (grads) cells.Add(l.GradNorm is { } g ? Json.Format(g) : "");
            table.AddRow(cells.Select(Markup.Escape).ToArray());
        }
        ctx.Console.Write(table);
        var d = trace.Diagnosis;
        ctx.Out.WriteLine($"first non-finite layer: {(trace.FirstNonFiniteLayer is { } k ? k.ToString(CultureInfo.InvariantCulture) : "none")}");
        ctx.Out.WriteLine($"verdict: {d.VerdictName} (std x{Json.Format(d.GrowthPerLayer)} per layer)");
        foreach (var limit in d.Limits.Where(x => x.Layer is not null))
            ctx.Out.WriteLine($"  {limit.Format} would {(d.Verdict == Verdict.Exploding ? "overflow" : "underflow")} at layer {Json.Format(limit.Layer!.Value)}");
        if (d.Advice.Length > 0) ctx.Out.WriteLine($"advice: {d.Advice}");
    }
}
