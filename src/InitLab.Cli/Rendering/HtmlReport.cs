using System.CommandLine;
using System.Net;
using System.Text;
using System.Text.Json;

namespace InitLab.Cli;

/// <summary>
/// A self-contained HTML report (<c>--report FILE.html</c>): the plots as inline SVG, the tables, the diagnosis and the
/// advice, the effective configuration, and the command's JSON document embedded in the page
/// (<c>&lt;script type="application/json" id="initlab-data"&gt;</c>), so that the page is also the data. Nothing is loaded
/// from anywhere: no network, no CDN, no external file; the page's one script only offers the embedded JSON for download.
/// </summary>
/// <remarks>
/// A command builds its report in a few lines:
/// <code>
/// var report = new HtmlReport("propagate", "relu MLP, width 512, depth 100", parsed);
/// report.Verdict(trace.Diagnosis.VerdictName, "std x1.00 per layer").Paragraph(advice);
/// report.Figure("Std per layer", new Figure([Plots.LogLines(...)]));
/// report.Table("Layers", ["layer", "std"], rows);
/// report.Save(path, jsonDocument);   // the same document --json prints
/// </code>
/// </remarks>
internal sealed class HtmlReport
{
    private readonly StringBuilder _body = new();
    private readonly string _title;
    private readonly string _subtitle;
    private readonly ParseResult _parsed;
    private int _figures;

    /// <param name="command">The command's name, e.g. <c>propagate</c>.</param>
    /// <param name="subtitle">The configuration in words (network, activation, engine).</param>
    /// <param name="parsed">The parsed command line (shown, and the source of the configuration table through the JSON config).</param>
    public HtmlReport(string command, string subtitle, ParseResult parsed)
    {
        _title = $"initlab {command}";
        _subtitle = subtitle;
        _parsed = parsed;
    }

    /// <summary>The report's option: <c>--report FILE.html</c>, checked before any work.</summary>
    public static Option<string?> Option() =>
        CliOptions.OutputFile("--report", "Write a self-contained HTML report (plots, tables, diagnosis, configuration and the JSON document) to FILE.html (default: no report)",
            [".html", ".htm"]);

    /// <summary>A section heading.</summary>
    public HtmlReport Heading(string text)
    {
        _body.Append("<h2>").Append(E(text)).Append("</h2>\n");
        return this;
    }

    /// <summary>A paragraph of text (empty text adds nothing).</summary>
    public HtmlReport Paragraph(string text)
    {
        if (text.Length > 0) _body.Append("<p>").Append(E(text)).Append("</p>\n");
        return this;
    }

    /// <summary>A verdict badge (stable, exploding, vanishing, init, trained, ...) with a line of explanation.</summary>
    public HtmlReport Verdict(string verdict, string text)
    {
        _body.Append("<p class=\"verdict\"><span class=\"badge ").Append(E(BadgeClass(verdict))).Append("\">").Append(E(verdict))
            .Append("</span> ").Append(E(text)).Append("</p>\n");
        return this;
    }

    /// <summary>A figure with its caption, inlined as SVG.</summary>
    public HtmlReport Figure(string caption, Figure figure)
    {
        int n = ++_figures;
        _body.Append("<figure id=\"figure-").Append(n).Append("\">").Append(figure.Svg($"f{n}"))
            .Append("<figcaption>").Append(E(caption)).Append("</figcaption></figure>\n");
        return this;
    }

    /// <summary>A table; numbers are right-aligned. <paramref name="rowClass"/> may mark rows (e.g. "bad").</summary>
    public HtmlReport Table(string caption, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, Func<int, string?>? rowClass = null)
    {
        // A wide table (inspect's reasons, many columns) scrolls inside its box instead of running off the page.
        _body.Append("<div class=\"table-wrap\"><table><caption>").Append(E(caption)).Append("</caption>\n<thead><tr>");
        foreach (string h in headers) _body.Append("<th>").Append(E(h)).Append("</th>");
        _body.Append("</tr></thead>\n<tbody>\n");
        int i = 0;
        foreach (var row in rows)
        {
            string? cls = rowClass?.Invoke(i++);
            _body.Append(cls is null ? "<tr>" : $"<tr class=\"{E(cls)}\">");
            foreach (string cell in row)
                _body.Append(IsNumber(cell) ? "<td class=\"num\">" : "<td>").Append(E(cell)).Append("</td>");
            _body.Append("</tr>\n");
        }
        _body.Append("</tbody></table></div>\n");
        return this;
    }

    /// <summary>The page, with <paramref name="json"/> (the command's JSON document) embedded.</summary>
    public string Render(string json)
    {
        using var doc = JsonDocument.Parse(json); // the embedded document must be valid JSON
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data: blob:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n")
            .Append("<title>").Append(E(_title)).Append(": ").Append(E(_subtitle)).Append("</title>\n<style>").Append(Css).Append("</style>\n</head>\n<body>\n")
            .Append("<header><h1>").Append(E(_title)).Append("</h1><p class=\"subtitle\">").Append(E(_subtitle)).Append("</p>")
            .Append("<p class=\"command\"><code>").Append(E(CommandLine())).Append("</code></p></header>\n<main>\n")
            .Append(_body)
            .Append(ConfigurationTable(doc.RootElement))
            .Append("<h2>Data</h2>\n<p>This page embeds the command's JSON document (the same as <code>--json</code> prints): ")
            .Append("<a id=\"download-json\" download=\"initlab.json\" href=\"#\">download it</a>, or read it from the element ")
            .Append("<code>#initlab-data</code>.</p>\n</main>\n")
            .Append("<footer>InitLab ").Append(E(LibraryInfo.Version)).Append("</footer>\n")
            .Append("<script type=\"application/json\" id=\"initlab-data\">\n")
            .Append(json.Replace("<", "\\u003c", StringComparison.Ordinal)) // '<' only occurs in strings; keeps "</script>" out
            .Append("\n</script>\n<script>").Append(Script).Append("</script>\n</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>Writes the page through the one output writer (temporary file, then rename).</summary>
    public void Save(string path, string json) => InitLab.Formats.AtomicFile.WriteAllText(path, Render(json));

    /// <summary>The command line as typed, for the page's header.</summary>
    private string CommandLine() =>
        "initlab " + string.Join(" ", _parsed.Tokens.Select(t => t.Value).Select(v => v.Length == 0 || v.Any(char.IsWhiteSpace) || v.Contains('\'') ? $"'{v.Replace("'", "'\\''")}'" : v));

    /// <summary>The effective configuration: the JSON document's <c>config</c> (every option with its value, defaults included).</summary>
    private static string ConfigurationTable(JsonElement root)
    {
        if (!root.TryGetProperty("config", out var config)) return "";
        var sb = new StringBuilder("<h2>Configuration</h2>\n<table class=\"config\"><caption>Every option's effective value (defaults included); ")
            .Append("<code>initlab ").Append(E(config.GetProperty("command").GetString() ?? "")).Append("</code> with these re-runs the result.</caption>\n<tbody>\n");
        foreach (string section in new[] { "arguments", "options" })
            if (config.TryGetProperty(section, out var values))
                foreach (var p in values.EnumerateObject())
                    sb.Append("<tr><th>").Append(E(p.Name)).Append("</th><td>").Append(E(Text(p.Value))).Append("</td></tr>\n");
        sb.Append("<tr><th>initlab_version</th><td>").Append(E(config.GetProperty("initlab_version").GetString() ?? "")).Append("</td></tr>\n");
        return sb.Append("</tbody></table>\n").ToString();
    }

    private static string Text(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null => "(none)",
        JsonValueKind.String => v.GetString() ?? "",
        JsonValueKind.Array => string.Join(",", v.EnumerateArray().Select(Text)),
        _ => v.GetRawText(),
    };

    private static string BadgeClass(string verdict) => verdict switch
    {
        "stable" or "init" or "agrees" or "critical" => "good",
        "exploding" or "vanishing" or "disagrees" => "bad",
        "trained" or "ordered" or "chaotic" => "warn",
        _ => "neutral",
    };

    private static bool IsNumber(string cell) =>
        cell.Length > 0 && (double.TryParse(cell, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _)
            || cell is "NaN" or "Inf" or "-Inf");

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Css = """
        body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa;line-height:1.45}
        header{background:#1d2330;color:#fff;padding:18px 32px}
        header h1{margin:0;font-size:24px} .subtitle{margin:4px 0 0;color:#c9d1e3} .command code{color:#9fe3b0;font-size:13px;word-break:break-all}
        main{padding:8px 32px 24px;max-width:1400px;box-sizing:border-box}
        h2{margin-top:28px;border-bottom:1px solid #d5d9e2;padding-bottom:4px;font-size:19px}
        figure{margin:16px 0;background:#fff;border:1px solid #d5d9e2;padding:8px;display:inline-block;max-width:100%}
        figure svg{max-width:100%;height:auto;display:block} figure svg image{image-rendering:pixelated}
        figcaption{font-size:13px;color:#4a5468;margin-top:4px;max-width:1100px}
        .table-wrap{max-width:100%;overflow-x:auto}
        table{border-collapse:collapse;margin:12px 0;background:#fff;font-size:13px}
        caption{text-align:left;font-weight:bold;padding:4px 0}
        th,td{border:1px solid #d5d9e2;padding:3px 8px;text-align:left} th{background:#eef1f6}
        td.num{text-align:right;font-variant-numeric:tabular-nums;font-family:"DejaVu Sans Mono",monospace}
        tr.bad td{background:#fde8e8} tr.warn td{background:#fff6dd}
        .verdict{font-size:16px} .badge{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:bold;color:#fff;background:#6b7489}
        .badge.good{background:#2e8b57} .badge.bad{background:#c0392b} .badge.warn{background:#d4860b}
        footer{padding:12px 32px;color:#6b7489;font-size:12px}
        """;

    // The embedded document is parsed once (a broken document would show in the console) and offered for download.
    private const string Script = """
        (function () {
          var text = document.getElementById('initlab-data').textContent;
          var data = JSON.parse(text);
          var link = document.getElementById('download-json');
          link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
          link.download = 'initlab-' + ((data.config && data.config.command) || 'report').replace(/ /g, '-') + '.json';
        })();
        """;
}
