using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InitLab.Activations;
using InitLab.Theory;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab theory --act ACT --sigma-w SW --sigma-b SB [--param A] [--depth L] [--q0 Q] [--json]</c>: the mean-field
/// summary (JSON keys q_star, c_star, chi1, xi_q, xi_c, phase; null = undefined or, for xi, infinite: see "note"), and
/// with --depth the predicted per-layer second moments q_l for l = 0..L ("layers"). And
/// <c>initlab theory critical --act ACT --sigma-b SB [--json]</c>: JSON key sigma_w_critical.
/// </summary>
internal static class TheoryCommand
{
    public static Command Create(CliContext ctx)
    {
        var act = ActOption();
        var param = ParamOption();
        var sigmaW = new Option<double?>("--sigma-w") { Description = "Weight std: W ~ N(0, SW^2 / fan_in) (required)" };
        var sigmaB = new Option<double>("--sigma-b") { Description = "Bias std: b ~ N(0, SB^2)", DefaultValueFactory = _ => 0.0 };
        var depth = new Option<int?>("--depth") { Description = "Also predict q_l for l = 0..L" };
        var q0 = new Option<double>("--q0") { Description = "Input second moment q_0 (start of the variance iteration)", DefaultValueFactory = _ => 1.0 };
        var json = CommonOptions.Json();
        var command = new Command("theory", "Mean-field signal propagation theory: q*, c*, chi_1, depth scales, phase")
        {
            act, param, sigmaW, sigmaB, depth, q0, json,
        };
        command.Add(CreateCritical(ctx));
        command.SetAction(pr =>
        {
            var activation = ActivationRegistry.Parse(pr.GetValue(act) ?? throw new UsageException("--act is required."), pr.GetValue(param));
            double sw = pr.GetValue(sigmaW) ?? throw new UsageException("--sigma-w is required.");
            int? layers = pr.GetValue(depth);
            if (layers is < 1) throw new UsageException($"--depth must be >= 1, got {layers}.");
            var model = new MeanFieldModel(activation, sw, pr.GetValue(sigmaB));
            double input = pr.GetValue(q0);
            var report = model.Analyze(input);
            var prediction = layers is { } L ? model.Predict(L, input) : null;
            if (pr.GetValue(json)) WriteJson(ctx.Out, report, prediction);
            else WriteTables(ctx, report, prediction);
            return CliApp.Ok;
        });
        return command;
    }

    private static Command CreateCritical(CliContext ctx)
    {
        var act = ActOption();
        var param = ParamOption();
        var sigmaB = new Option<double>("--sigma-b") { Description = "Bias std: b ~ N(0, SB^2)", DefaultValueFactory = _ => 0.0 };
        var json = CommonOptions.Json();
        var command = new Command("critical", "The critical sigma_w (chi_1 = 1, the edge of chaos) for an activation and sigma_b")
        {
            act, param, sigmaB, json,
        };
        command.SetAction(pr =>
        {
            var activation = ActivationRegistry.Parse(pr.GetValue(act) ?? throw new UsageException("--act is required."), pr.GetValue(param));
            var point = CriticalLine.SigmaW(activation, pr.GetValue(sigmaB));
            // For positively homogeneous activations (relu, leaky_relu) q* = sigma_b^2 / (1 - chi_1) has a pole on the critical
            // line: the root finder stops just below it, where q* is finite only by rounding. Report that as divergent.
            if (point.FixedPoint.QStar > 1e8 * Math.Max(1.0, point.SigmaB * point.SigmaB) && point.Note is null)
                point = point with
                {
                    FixedPoint = new VarianceFixedPoint(double.PositiveInfinity, FixedPointKind.Divergent),
                    Note = "q* diverges as sigma_w approaches this critical value: there is no finite fixed point on the critical line",
                };
            if (pr.GetValue(json))
            {
                Json(ctx.Out, w =>
                {
                    w.WriteString("activation", activation.ToString());
                    w.WriteNumber("sigma_b", point.SigmaB);
                    w.WriteNumber("sigma_w_critical", point.SigmaW);
                    Number(w, "q_star", point.FixedPoint.QStar);
                    w.WriteNumber("chi1", point.Chi1);
                    if (point.Note is { } note) w.WriteString("note", note);
                    else w.WriteNull("note");
                });
            }
            else
            {
                var table = new Table().AddColumn("activation").AddColumn("sigma_b").AddColumn("sigma_w critical").AddColumn("q*").AddColumn("chi_1");
                table.AddRow(Markup.Escape(activation.ToString()), F(point.SigmaB), F(point.SigmaW), F(point.FixedPoint.QStar), F(point.Chi1));
                ctx.Console.Write(table);
                if (point.Note is { } note) ctx.Out.WriteLine($"note: {note}");
            }
            return CliApp.Ok;
        });
        return command;
    }

    private static Option<string> ActOption() =>
        new("--act") { Description = $"Activation: {string.Join(", ", ActivationRegistry.Names)}" };

    private static Option<double?> ParamOption() =>
        new("--param") { Description = "leaky_relu negative slope a (default 0.01) or elu alpha (default 1)" };

    private static void WriteJson(TextWriter output, MeanFieldReport r, PropagationPrediction? prediction) =>
        Json(output, w =>
        {
            w.WriteString("activation", r.Activation);
            w.WriteNumber("sigma_w", r.SigmaW);
            w.WriteNumber("sigma_b", r.SigmaB);
            Number(w, "q_star", r.QStar);
            w.WriteString("q_star_kind", r.FixedPoint.Kind.ToString().ToLowerInvariant());
            Number(w, "c_star", r.CStar);
            w.WriteNumber("chi1", r.Chi1);
            Number(w, "chi_c", r.ChiC);
            Number(w, "xi_q", r.XiQ);
            Number(w, "xi_c", r.XiC);
            w.WriteString("phase", r.Phase.ToString().ToLowerInvariant());
            if (r.Note is { } note) w.WriteString("note", note);
            else w.WriteNull("note");
            if (prediction is null) return;
            w.WriteNumber("input_mean_square", prediction.InputMeanSquare);
            Number(w, "chi1_power_depth", r.JacobianMeanSquaredSingularValue(prediction.Layers.Count));
            Number(w, "jacobian_mean_squared_singular_value", prediction.JacobianMeanSquaredSingularValue);
            w.WriteStartArray("layers");
            w.WriteStartObject();
            w.WriteNumber("layer", 0);
            w.WriteNumber("q", prediction.InputMeanSquare);
            w.WriteEndObject();
            foreach (var l in prediction.Layers)
            {
                w.WriteStartObject();
                w.WriteNumber("layer", l.Layer);
                Number(w, "q", l.PreMeanSquare);
                Number(w, "mean", l.PostMean);
                Number(w, "mean_square", l.PostMeanSquare);
                Number(w, "std", l.PostStd);
                Number(w, "chi", l.Chi);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });

    private static void WriteTables(CliContext ctx, MeanFieldReport r, PropagationPrediction? prediction)
    {
        var table = new Table().AddColumn("quantity").AddColumn("value");
        table.AddRow("activation", Markup.Escape(r.Activation));
        table.AddRow("sigma_w, sigma_b", $"{F(r.SigmaW)}, {F(r.SigmaB)}");
        table.AddRow("q*", $"{F(r.QStar)} ({r.FixedPoint.Kind.ToString().ToLowerInvariant()})");
        table.AddRow("c*", F(r.CStar));
        table.AddRow("chi_1", F(r.Chi1));
        table.AddRow("xi_q", F(r.XiQ));
        table.AddRow("xi_c", F(r.XiC));
        table.AddRow("phase", r.Phase.ToString().ToLowerInvariant());
        if (r.Note is { } note) table.AddRow("note", Markup.Escape(note));
        ctx.Console.Write(table);
        if (prediction is null) return;
        var layers = new Table().AddColumn("layer").AddColumn("q_l (pre mean square)").AddColumn("post mean").AddColumn("post std").AddColumn("chi(q_l)");
        layers.AddRow("0 (input)", F(prediction.InputMeanSquare), "", "", "");
        foreach (var l in prediction.Layers)
            layers.AddRow(l.Layer.ToString(CultureInfo.InvariantCulture), F(l.PreMeanSquare), F(l.PostMean), F(l.PostStd), F(l.Chi));
        ctx.Console.Write(layers);
        ctx.Out.WriteLine($"Jacobian mean squared singular value: prod_l chi(q_l) = {F(prediction.JacobianMeanSquaredSingularValue)}; " +
            $"at q*, chi_1^L = {F(r.JacobianMeanSquaredSingularValue(prediction.Layers.Count))}");
    }

    private static string F(double? v) => v switch
    {
        null => "undefined",
        double x when double.IsPositiveInfinity(x) => "inf",
        double x => x.ToString("R", CultureInfo.InvariantCulture),
    };

    // JSON has no infinity or NaN: both are written as null (the "note" says why where it matters).
    private static void Number(Utf8JsonWriter w, string key, double? value)
    {
        if (value is { } v && double.IsFinite(v)) w.WriteNumber(key, v);
        else w.WriteNull(key);
    }

    private static void Json(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
