using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InitLab.Formats;
using InitLab.Inspection;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab inspect FILE [--alpha A] [--layout torch|keras] [--json]</c>: per tensor of a model file (ONNX, safetensors,
/// PyTorch checkpoint, .npz, .npy, TF.js) its role, fans, moments, spectral summary and verdict (init and the scheme,
/// trained and why, constant, structured, unknown). The library does the work (<see cref="ModelInspection"/>); this
/// command reads the file, renders a table with a summary line, or the JSON of design.md.
/// </summary>
internal static class InspectCommand
{
    public static Command Create(CliContext ctx)
    {
        var file = ModelArgument("A model file or folder: .onnx, .safetensors (or a shard index), .pt/.pth/.bin, .npz, .npy, TF.js model.json");
        var alpha = CliOptions.Double("--alpha", "Significance level of the verdict: a fresh init is called anything else with probability at most alpha",
            1e-3, new Bounds(0, MinOpen: true, 0.5));
        var layout = CliOptions.Choice("--layout", "Layout of tensors whose file does not state one (default: keras for TF.js, else torch)", InitLab.Initializers.Names.Layouts);
        var json = CliOptions.Json();
        var report = HtmlReport.Option();
        var command = Help.Examples(new Command("inspect", "Which initialization is each tensor of a model, or is it trained?") { file },
            "initlab inspect model.safetensors",
            "initlab inspect resnet18.onnx --json",
            "initlab inspect tfjs_model/model.json --alpha 0.01",
            "initlab inspect resnet18.onnx --report resnet18.html");
        foreach (var option in new Option[] { alpha, layout, json, report }) command.Add(option);
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(file)!;
            var model = ModelFiles.Read(path);
            var parameters = ModelParameters.Resolve(model, ModelParameters.DefaultLayout(model, parsed.GetValue(layout)));
            var inspections = ModelInspection.Inspect(parameters, p => ModelParameters.Read(model.Find(p.Name)!), parsed.GetValue(alpha));
            var rows = model.Tensors.Select((t, i) => (Tensor: t, Parameter: parameters[i], Inspection: inspections[i])).ToList();
            if (parsed.GetValue(json)) ctx.Out.WriteLine(Json.Document(parsed, w => WriteJson(w, model, rows)));
            else Render(ctx, model, rows);
            if (parsed.GetValue(report) is { } reportPath)
            {
                Report(parsed, model, rows, parsed.GetValue(alpha)).Save(reportPath, Json.Document(parsed, w => WriteJson(w, model, rows)));
                if (!parsed.GetValue(json)) ctx.Out.WriteLine($"wrote {reportPath}");
            }
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>A model file or folder argument, checked while parsing: an existing regular file or directory.</summary>
    public static Argument<string> ModelArgument(string description) => new("FILE")
    {
        Description = description,
        CustomParser = r =>
        {
            string path = CliOptions.Token(r);
            if (!Directory.Exists(path) && InputFiles.Problem(path, "FILE") is { } problem) r.AddError(problem);
            return path;
        },
    };

    private static void WriteJson(Utf8JsonWriter w, ModelFile model, List<(ModelTensor Tensor, ResolvedParameter Parameter, TensorInspection Inspection)> rows)
    {
        w.WriteString("format", model.Format);
        w.WriteStartArray("tensors");
        foreach (var (t, p, r) in rows)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Name);
            w.WriteStartArray("shape");
            foreach (long d in t.Shape) w.WriteNumberValue(d);
            w.WriteEndArray();
            w.WriteString("dtype", t.DType);
            w.WriteString("role", ParameterRoles.JsonName(p.Role));
            Json.Number(w, "fan_in", p.LayerFans?.FanIn);
            Json.Number(w, "fan_out", p.LayerFans?.FanOut);
            Json.NumberOrNull(w, "mean", r.Mean);
            Json.NumberOrNull(w, "std", r.Std);
            Json.NumberOrNull(w, "kurtosis", r.Kurtosis);
            Json.NumberOrNull(w, "max_abs", r.MaxAbs);
            Json.Number(w, "sigma_max", r.Spectrum?.SigmaMax);
            Json.Number(w, "stable_rank", r.Spectrum?.StableRank);
            Json.Number(w, "mp_edge", r.Spectrum?.MpEdge);
            if (r.Spectrum is { } s) w.WriteNumber("mp_spikes", s.MpSpikes);
            else w.WriteNull("mp_spikes");
            w.WriteString("verdict", Verdicts.JsonName(r.Verdict));
            if (r.BestScheme is { } b)
            {
                w.WriteStartObject("best_scheme");
                w.WriteString("name", b.Name);
                Json.Number(w, "p_value", b.PValue);
                Strings(w, "equivalents", b.Equivalents);
                Strings(w, "also_fits", b.AlsoFits);
                w.WriteEndObject();
            }
            else w.WriteNull("best_scheme");
            w.WriteString("reason", r.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("summary");
        foreach (var (verdict, count) in ModelInspection.Counts(rows.Select(r => r.Inspection))) w.WriteNumber(Verdicts.JsonName(verdict), count);
        w.WriteEndObject();
    }

    /// <summary>
    /// The report: the verdict counts, every tensor with its verdict, and the spectrum of the most structured weight
    /// matrix (the largest sigma_max against its Marchenko-Pastur edge) against the law of i.i.d. entries of the same
    /// variance: a fresh initialization fills the bulk, training pushes singular values past the edge.
    /// </summary>
    private static HtmlReport Report(ParseResult parsed, ModelFile model, List<(ModelTensor Tensor, ResolvedParameter Parameter, TensorInspection Inspection)> rows, double alpha)
    {
        static string F(double? v) => v is { } x ? Json.Format(x) : "";
        var report = new HtmlReport("inspect", $"{model.Format} {model.Path}, {rows.Count} tensors", parsed);
        var counts = ModelInspection.Counts(rows.Select(r => r.Inspection));
        report.Heading("Verdict");
        string overall = counts.GetValueOrDefault(Verdict.Trained) > 0 ? "trained" : counts.GetValueOrDefault(Verdict.Init) > 0 ? "init" : "unknown";
        report.Verdict(overall, $"{rows.Count} tensors: " + string.Join(", ", counts.Select(kv => $"{kv.Value} {Verdicts.JsonName(kv.Key)}")) + ".");

        var worst = rows.Where(r => r.Inspection.Spectrum is { MpEdge: > 0 }).MaxBy(r => r.Inspection.Spectrum!.SigmaMax / r.Inspection.Spectrum.MpEdge);
        if (worst.Tensor is not null)
        {
            var spectrum = worst.Inspection.Spectrum!;
            var values = ModelParameters.Read(worst.Tensor).Values;
            var (eigenvalues, sampledRows, sampledCols) = TensorInspector.SampledSpectrum(values, spectrum.Rows, spectrum.Cols);
            double variance = values.Sum(v => v * v) / values.Length;
            double? threshold = Math.Min(sampledRows, sampledCols) >= MarchenkoPastur.MinDimension && variance > 0
                ? MarchenkoPastur.SpikeThreshold(variance, sampledRows, sampledCols, alpha) : null;
            string sampled = sampledRows == spectrum.Rows ? "" : $" (an evenly strided {sampledRows} x {sampledCols} submatrix)";
            report.Heading("Spectrum of the most structured weight");
            report.Figure($"{worst.Tensor.Name} as a {spectrum.Rows} x {spectrum.Cols} matrix{sampled}: the density of its squared singular values against " +
                $"the Marchenko-Pastur law of a matrix of i.i.d. entries with its own mean square; sigma_max is {spectrum.SigmaMax / spectrum.MpEdge:G3} x the edge, " +
                $"{spectrum.MpSpikes} singular value(s) above the spike threshold. Verdict: {Verdicts.JsonName(worst.Inspection.Verdict)} ({worst.Inspection.Reason}).",
                new Figure([Plots.Spectrum($"spectrum of {worst.Tensor.Name} ({spectrum.Rows} x {spectrum.Cols}) vs Marchenko-Pastur", eigenvalues, variance,
                    sampledRows, sampledCols, threshold)]));
        }

        report.Heading("Tensors");
        report.Table("Every tensor: role, fans, moments, spectrum against the Marchenko-Pastur edge, verdict and the best-fitting scheme",
            ["tensor", "shape", "dtype", "role", "fan_in", "fan_out", "mean", "std", "kurtosis", "max |w|", "sigma_max / MP edge", "spikes", "verdict", "scheme (p)", "reason"],
            rows.Select(r => (IReadOnlyList<string>)[r.Tensor.Name, $"({string.Join(", ", r.Tensor.Shape)})", r.Tensor.DType, ParameterRoles.JsonName(r.Parameter.Role),
                F(r.Parameter.LayerFans?.FanIn), F(r.Parameter.LayerFans?.FanOut), F(r.Inspection.Mean), F(r.Inspection.Std), F(r.Inspection.Kurtosis),
                F(r.Inspection.MaxAbs), r.Inspection.Spectrum is { MpEdge: > 0 } s ? Json.Format(s.SigmaMax / s.MpEdge) : "",
                r.Inspection.Spectrum is { } sp ? sp.MpSpikes.ToString(CultureInfo.InvariantCulture) : "", Verdicts.JsonName(r.Inspection.Verdict),
                r.Inspection.BestScheme is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b.Name} ({b.PValue:G3})") : "", r.Inspection.Reason]),
            i => rows[i].Inspection.Verdict switch { Verdict.Trained => "warn", Verdict.Unknown => "bad", _ => null });
        return report;
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void Render(CliContext ctx, ModelFile model, List<(ModelTensor Tensor, ResolvedParameter Parameter, TensorInspection Inspection)> rows)
    {
        static string F(double? v) => v is { } x ? Json.Format(x) : "";
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"{model.Format} {model.Path}"));
        foreach (var c in new[] { "tensor", "shape", "dtype", "role", "fan_in", "fan_out", "mean", "std", "kurtosis", "max |w|", "sigma_max", "stable rank", "spikes", "verdict", "scheme (p)" })
            table.AddColumn(new TableColumn(c));
        var notes = new List<string>();
        foreach (var (t, p, r) in rows)
        {
            string scheme = r.BestScheme is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b.Name} ({b.PValue:G3})") : "";
            if (r.Verdict is Verdict.Trained or Verdict.Unknown) notes.Add($"{t.Name}: {r.Reason}.");
            else if (r.BestScheme is { AlsoFits.Count: > 0 } fit) notes.Add($"{t.Name}: also fits {string.Join(", ", fit.AlsoFits)}.");
            string verdict = r.Verdict switch
            {
                Verdict.Trained => "[yellow]trained[/]",
                Verdict.Unknown => "[grey]unknown[/]",
                _ => Verdicts.JsonName(r.Verdict),
            };
            table.AddRow(Markup.Escape(t.Name), Markup.Escape($"({string.Join(", ", t.Shape)})"), t.DType, ParameterRoles.JsonName(p.Role),
                F(p.LayerFans?.FanIn), F(p.LayerFans?.FanOut), F(r.Mean), F(r.Std), F(r.Kurtosis), F(r.MaxAbs),
                F(r.Spectrum?.SigmaMax), F(r.Spectrum?.StableRank), r.Spectrum is { } s ? s.MpSpikes.ToString(CultureInfo.InvariantCulture) : "",
                verdict, Markup.Escape(scheme));
        }
        ctx.Console.Write(table);
        foreach (string note in notes) ctx.Out.WriteLine(note);
        var counts = ModelInspection.Counts(rows.Select(r => r.Inspection));
        ctx.Out.WriteLine($"{rows.Count} tensors: " + string.Join(", ", counts.Select(kv => $"{kv.Value} {Verdicts.JsonName(kv.Key)}")) + ".");
    }
}
