using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InitLab.Formats.Npy;
using InitLab.Initializers;
using Spectre.Console;

namespace InitLab.Cli;

/// <summary>
/// <c>initlab audit FILE.npy --scheme NAME [scheme options] [--json]</c>: tests a saved tensor against the distribution
/// or structure the scheme claims (KS p-value at alpha = 1e-3, mean and std within 5 standard errors, support,
/// structure). Exit code 0 when every check passes, 1 when one fails, 2 for a bad file or bad options.
/// </summary>
internal static class AuditCommand
{
    public const double Alpha = 1e-3;

    public static Command Create(CliContext ctx)
    {
        var file = new Argument<string>("FILE")
        {
            Description = "A .npy file (float16, float32 or float64)",
            CustomParser = r =>
            {
                string path = CliOptions.Token(r);
                if (InputFiles.Problem(path, "FILE") is { } problem) r.AddError(problem);
                return path;
            },
        };
        var scheme = new SchemeOptions();
        var allowNonFinite = CliOptions.Flag("--allow-nonfinite", "Audit a tensor that holds NaN or infinities (they fail the checks) instead of refusing it");
        var json = CliOptions.Json();
        var command = Help.Examples(new Command("audit", "Test a saved weight tensor against the distribution a scheme claims") { file },
            "initlab audit w.npy --scheme kaiming_normal",
            "initlab audit w.npy --scheme trunc_normal --std 0.02 --low -0.04 --high 0.04 --json");
        scheme.AddTo(command);
        command.Add(allowNonFinite);
        command.Add(json);
        command.SetAction(parsed =>
        {
            var init = scheme.Create(parsed);
            string path = parsed.GetValue(file)!;
            var array = NpyFormat.Read(path);
            if (array.Data.Length == 0)
                throw new InvalidDataException($"'{path}' holds an empty tensor of shape {array.Shape}: there is nothing to audit.");
            int bad = Array.FindIndex(array.Data, v => !double.IsFinite(v));
            if (bad >= 0 && !parsed.GetValue(allowNonFinite))
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{path}' holds {array.Data[bad]} at flat index {bad}; pass --allow-nonfinite to audit it anyway (it then fails)."));
            var report = InitializerAudit.Run(init, array.Data, array.Shape, array.UnitRoundoff, Alpha);
            if (parsed.GetValue(json)) ctx.Out.WriteLine(Json.Document(parsed, w => WriteJson(w, report, path, array)));
            else Render(ctx, report, path, array);
            return report.Passed ? CliApp.Ok : CliApp.Failure;
        });
        return command;
    }

    private static void WriteJson(Utf8JsonWriter w, AuditReport report, string path, NpyArray array)
    {
        w.WriteString("file", path);
        w.WriteString("scheme", report.Scheme);
        w.WriteString("claim", report.Claim);
        Json.Ints(w, "shape", report.Shape.Dims);
        w.WriteString("dtype", array.DType);
        w.WriteNumber("count", report.Count);
        Json.Number(w, "alpha", Alpha);
        Json.Number(w, "ks_p_value", report.KsPValue);
        Json.Number(w, "std", report.MeasuredStd);
        Json.Number(w, "expected_std", report.ExpectedStd);
        Json.Number(w, "std_ratio", report.StdRatio);
        Json.Number(w, "bound_ratio", report.BoundRatio);
        w.WriteStartArray("checks");
        foreach (var c in report.Checks)
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            Json.Number(w, "value", c.Value);
            Json.Number(w, "expected", c.Expected);
            Json.Number(w, "tolerance", c.Tolerance);
            w.WriteBoolean("pass", c.Passed);
            w.WriteString("description", c.Description);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("verdict", report.Verdict);
    }

    private static void Render(CliContext ctx, AuditReport report, string path, NpyArray array)
    {
        var c = CultureInfo.InvariantCulture;
        ctx.Console.WriteLine($"{path}: {array.DType} {report.Shape}, {report.Count} elements; claim: {report.Claim}");
        var table = new Table().AddColumns("check", "measured", "claimed", "tolerance", "result", "meaning");
        foreach (var check in report.Checks)
            table.AddRow(check.Name, check.Value.ToString("G6", c), check.Expected.ToString("G6", c), check.Tolerance.ToString("G3", c),
                check.Passed ? "pass" : "FAIL", Markup.Escape(check.Description));
        ctx.Console.Write(table);
        ctx.Console.WriteLine(string.Create(c,
            $"std {report.MeasuredStd:G6} vs {report.ExpectedStd:G6} (ratio {report.StdRatio:G4}){(report.BoundRatio is { } b ? $", bound ratio {b:G4}" : "")}; verdict: {report.Verdict}"));
    }
}
