using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
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
        var file = new Argument<string>("FILE") { Description = "A .npy file (float16, float32 or float64)" };
        var scheme = new SchemeOptions();
        var json = CommonOptions.Json();
        var command = new Command("audit", "Test a saved weight tensor against the distribution a scheme claims") { file };
        scheme.AddTo(command);
        command.Add(json);
        command.SetAction(parsed =>
        {
            var init = scheme.Create(parsed);
            string path = parsed.GetValue(file)!;
            var array = NpyFormat.Read(path);
            if (array.Data.Length == 0)
                throw new InvalidDataException($"'{path}' holds an empty tensor of shape {array.Shape}: there is nothing to audit.");
            var report = InitializerAudit.Run(init, array.Data, array.Shape, array.UnitRoundoff, Alpha);
            if (parsed.GetValue(json)) ctx.Out.WriteLine(ToJson(report, path, array).ToJsonString());
            else Render(ctx, report, path, array);
            return report.Passed ? CliApp.Ok : CliApp.Failure;
        });
        return command;
    }

    private static JsonObject ToJson(AuditReport report, string path, NpyArray array)
    {
        var checks = new JsonArray();
        foreach (var c in report.Checks)
            checks.Add(new JsonObject
            {
                ["name"] = c.Name,
                ["value"] = JsonNumbers.Of(c.Value),
                ["expected"] = JsonNumbers.Of(c.Expected),
                ["tolerance"] = JsonNumbers.Of(c.Tolerance),
                ["pass"] = c.Passed,
                ["description"] = c.Description,
            });
        return new JsonObject
        {
            ["file"] = path,
            ["scheme"] = report.Scheme,
            ["claim"] = report.Claim,
            ["shape"] = JsonNumbers.Dims(report.Shape),
            ["dtype"] = array.DType,
            ["count"] = report.Count,
            ["alpha"] = Alpha,
            ["ks_p_value"] = JsonNumbers.Of(report.KsPValue),
            ["std"] = JsonNumbers.Of(report.MeasuredStd),
            ["expected_std"] = JsonNumbers.Of(report.ExpectedStd),
            ["std_ratio"] = JsonNumbers.Of(report.StdRatio),
            ["bound_ratio"] = JsonNumbers.Of(report.BoundRatio),
            ["checks"] = checks,
            ["verdict"] = report.Verdict,
        };
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
