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
        var sigmaW = CliOptions.OptionalDouble("--sigma-w", "Weight std: W ~ N(0, SW^2 / fan_in)", Bounds.NonNegative, required: true);
        var sigmaB = CliOptions.Double("--sigma-b", "Bias std: b ~ N(0, SB^2)", 0.0, Bounds.NonNegative);
        var depth = CliOptions.OptionalInt("--depth", "Also predict q_l for l = 0..L (default: no per-layer prediction)", min: 1);
        var q0 = CliOptions.Double("--q0", "Input second moment q_0 (start of the variance iteration)", 1.0, Bounds.Positive);
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("theory", "Mean-field signal propagation theory: q*, c*, chi_1, depth scales, phase")
        {
            act, param, sigmaW, sigmaB, depth, q0, json,
        },
            "initlab theory --act tanh --sigma-w 1.5 --sigma-b 0.05",
            "initlab theory --act relu --sigma-w 1.4142 --depth 10 --json",
            "initlab theory critical --act tanh --sigma-b 0.3");
        command.Add(CreateCritical(ctx));
        command.SetAction(pr =>
        {
            var activation = ActivationRegistry.Parse(pr.GetValue(act)!, pr.GetValue(param));
            double sw = pr.GetValue(sigmaW)!.Value;
            int? layers = pr.GetValue(depth);
            if (layers is { } l)
                Resources.CheckBytes(ctx, l * ResourceEstimatePerLayer, "--depth", l.ToString(CultureInfo.InvariantCulture), "the per-layer prediction");
            var model = new MeanFieldModel(activation, sw, pr.GetValue(sigmaB));
            double input = pr.GetValue(q0);
            var report = model.Analyze(input);
            var prediction = layers is { } L ? model.Predict(L, input) : null;
            if (pr.GetValue(json)) WriteJson(ctx.Out, pr, activation, report, prediction);
            else WriteTables(ctx, report, prediction);
            return CliApp.Ok;
        });
        return command;
    }

    // A predicted layer (record and list slot), as the library's trace estimate counts it.
    private const double ResourceEstimatePerLayer = 256;

    private static Command CreateCritical(CliContext ctx)
    {
        var act = ActOption();
        var param = ParamOption();
        var sigmaB = CliOptions.Double("--sigma-b", "Bias std: b ~ N(0, SB^2)", 0.0, Bounds.NonNegative);
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("critical", "The critical sigma_w (chi_1 = 1, the edge of chaos) for an activation and sigma_b")
        {
            act, param, sigmaB, json,
        },
            "initlab theory critical --act tanh --sigma-b 0.3",
            "initlab theory critical --act elu --param 0.5 --json");
        command.SetAction(pr =>
        {
            var activation = ActivationRegistry.Parse(pr.GetValue(act)!, pr.GetValue(param));
            // The library's answer as it is: sweep --plot draws the same points (CriticalLine.TrySigmaW).
            var point = CriticalLine.SigmaW(activation, pr.GetValue(sigmaB));
            if (pr.GetValue(json))
            {
                ctx.Out.WriteLine(Json.Document(pr, w =>
                {
                    w.WriteString("activation", activation.Name);
                    Json.Number(w, "param", activation.Parameter);
                    Json.Number(w, "sigma_b", point.SigmaB);
                    Json.Number(w, "sigma_w_critical", point.SigmaW);
                    Json.Number(w, "q_star", point.FixedPoint.QStar);
                    w.WriteString("q_star_kind", point.FixedPoint.Kind.ToString().ToLowerInvariant());
                    Json.Number(w, "chi1", point.Chi1);
                    if (point.Note is { } note) w.WriteString("note", note);
                    else w.WriteNull("note");
                }));
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
        CliOptions.Choice("--act", $"Activation: {string.Join(", ", ActivationRegistry.Names)}", ActivationRegistry.Names, required: true,
            canonical: ActivationRegistry.Canonical);

    private static Option<double?> ParamOption() =>
        CliOptions.OptionalDouble("--param", "Activation parameter: leaky_relu negative slope a (default 0.01), elu alpha (default 1)");

    private static void WriteJson(TextWriter output, ParseResult pr, Activation activation, MeanFieldReport r, PropagationPrediction? prediction) =>
        output.WriteLine(Json.Document(pr, w =>
        {
            // "activation" is the canonical name in every document, its parameter "param" (as gain's document).
            w.WriteString("activation", activation.Name);
            Json.Number(w, "param", activation.Parameter);
            Json.Number(w, "sigma_w", r.SigmaW);
            Json.Number(w, "sigma_b", r.SigmaB);
            Json.Number(w, "q_star", r.QStar);
            w.WriteString("q_star_kind", r.FixedPoint.Kind.ToString().ToLowerInvariant());
            Json.Number(w, "c_star", r.CStar);
            Json.Number(w, "chi1", r.Chi1);
            Json.Number(w, "chi_c", r.ChiC);
            Json.Number(w, "xi_q", r.XiQ);
            Json.Number(w, "xi_c", r.XiC);
            w.WriteString("phase", r.Phase.ToString().ToLowerInvariant());
            if (r.Note is { } note) w.WriteString("note", note);
            else w.WriteNull("note");
            if (prediction is null) return;
            Json.Number(w, "input_mean_square", prediction.InputMeanSquare);
            Json.Number(w, "chi1_power_depth", r.JacobianMeanSquaredSingularValue(prediction.Layers.Count));
            Json.Number(w, "jacobian_mean_squared_singular_value", prediction.JacobianMeanSquaredSingularValue);
            w.WriteStartArray("layers");
            w.WriteStartObject();
            w.WriteNumber("layer", 0);
            Json.Number(w, "q", prediction.InputMeanSquare);
            w.WriteEndObject();
            foreach (var l in prediction.Layers)
            {
                w.WriteStartObject();
                w.WriteNumber("layer", l.Layer);
                Json.Number(w, "q", l.PreMeanSquare);
                Json.Number(w, "mean", l.PostMean);
                Json.Number(w, "mean_square", l.PostMeanSquare);
                Json.Number(w, "std", l.PostStd);
                Json.Number(w, "chi", l.Chi);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }));

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
}
