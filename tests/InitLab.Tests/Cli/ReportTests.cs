using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InitLab.Cli;

namespace InitLab.Tests.Cli;

/// <summary>
/// The HTML reports without a browser: the embedded document is the command's <c>--json</c> document, the page loads
/// nothing from anywhere, every figure is inline SVG with a title, axis labels and labelled ticks, and the numbers of
/// the document are in the page's tables. (ReportBrowserTests load the same pages in Chromium.)
/// </summary>
public sealed class ReportTests(ReportFixture reports) : IClassFixture<ReportFixture>
{
    public static TheoryData<string> Names => new(["reproduce", "propagate", "propagate-meanfield", "propagate-graph", "sweep", "merge", "inspect", "probe", "probe-compare"]);

    [Theory]
    [MemberData(nameof(Names))]
    public void The_embedded_document_is_the_json_document_of_the_same_command_line(string name)
    {
        var c = reports[name];
        var embedded = ReportFixture.Embedded(c.Html);
        var options = embedded["config"]!["options"]!.AsObject();
        Assert.Equal(c.Path, options["report"]!.GetValue<string>());
        Assert.False(options["json"]!.GetValue<bool>());
        Assert.Equal(Without(c.Json, "config"), Without(embedded, "config"));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_page_refers_to_nothing_outside_itself(string name)
    {
        string html = reports[name].Html;
        Assert.DoesNotMatch("<link|<iframe|<object|<embed|@import|<img ", html);
        foreach (Match m in Regex.Matches(html, "(?:src|href)=\"([^\"]*)\""))
            Assert.Matches("^(#|data:image/png;base64,)", m.Groups[1].Value);
        foreach (Match m in Regex.Matches(html, @"url\(([^)]*)\)"))
            Assert.StartsWith("#", m.Groups[1].Value);
        Assert.Contains("default-src 'none'", html); // and the browser is told to refuse anything else
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_figure_is_inline_svg_with_a_title_naming_the_configuration_axis_labels_and_two_labelled_ticks_per_axis(string name)
    {
        var c = reports[name];
        var figures = Regex.Matches(c.Html, "<figure id=\"figure-\\d+\"><svg.*?</svg>\\s*<figcaption>(.*?)</figcaption></figure>", RegexOptions.Singleline);
        Assert.NotEmpty(figures);
        // Ids are unique across the page's figures (each figure's clip paths and images are prefixed).
        var ids = Regex.Matches(c.Html, "\\sid=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (Match figure in figures)
        {
            var texts = SvgTexts(figure.Value);
            Assert.Contains(texts, t => t.Contains(':') || t.Contains("x = a @ x") || t.Contains("spectrum of")); // the title names what was run
            Assert.True(texts.Count(IsTickLabel) >= 4, $"figure '{figure.Groups[1].Value}' has too few tick labels: {string.Join(" | ", texts)}");
        }
    }

    [Fact]
    public void The_propagate_report_has_std_gradient_correlation_and_one_histogram_figure_per_run_and_every_layer_std_in_its_tables()
    {
        var c = reports["propagate"];
        var texts = SvgTexts(c.Html);
        Assert.Contains("std: relu, width 64, depth 12, explicit, batch 8", texts);
        Assert.Contains("std of the layer's output (log scale)", texts);
        Assert.Contains("||dL/dx||_F (log scale)", texts);
        Assert.Contains("correlation c (dimensionless)", texts);
        Assert.Contains("|value| (log scale)", texts);
        Assert.Contains("kaiming_normal (explicit)", texts); // a legend: two runs
        Assert.Contains("normal (explicit)", texts);
        Assert.Equal(2, Regex.Matches(c.Html, "<figcaption>Distribution of \\|x\\|").Count);
        string page = WebUtility.HtmlDecode(c.Html);
        foreach (var run in c.Json["runs"]!.AsArray())
        {
            Assert.Contains(run!["diagnosis"]!["verdict"]!.GetValue<string>(), page);
            foreach (var layer in run["layers"]!.AsArray())
                Assert.Contains($">{Json.Format(Number(layer!["std"]!))}<", page);
        }
    }

    [Fact]
    public void The_mean_field_engine_has_no_histogram_and_its_report_says_so_by_drawing_only_the_sampled_run()
    {
        var c = reports["propagate-meanfield"];
        var runs = c.Json["runs"]!.AsArray();
        Assert.All(runs.Single(r => r!["engine"]!.GetValue<string>() == "meanfield")!["layers"]!.AsArray(), l => Assert.Null(l!["histogram"]));
        Assert.All(runs.Single(r => r!["engine"]!.GetValue<string>() == "ensemble")!["layers"]!.AsArray(), l => Assert.NotNull(l!["histogram"]));
        Assert.Single(Regex.Matches(c.Html, "<figcaption>Distribution of \\|x\\|"));
    }

    [Fact]
    public void Propagate_histograms_count_every_value_of_every_layer()
    {
        var c = reports["propagate"];
        foreach (var run in c.Json["runs"]!.AsArray())
            foreach (var layer in run!["layers"]!.AsArray())
            {
                var h = layer!["histogram"]!;
                long total = h["counts"]!.AsArray().Sum(n => n!.GetValue<long>()) + h["zeros"]!.GetValue<long>() + h["nonfinite"]!.GetValue<long>();
                Assert.Equal(8 * 64, total); // batch x width
                Assert.Equal(4, h["bins_per_octave"]!.GetValue<int>());
            }
    }

    [Theory]
    [InlineData("sweep")]
    [InlineData("merge")]
    public void The_sweep_report_shows_the_correlation_and_std_panels_with_the_critical_line_and_every_cell(string name)
    {
        var c = reports[name];
        var texts = SvgTexts(c.Html);
        Assert.Contains(texts, t => t.StartsWith("final correlation of two inputs: tanh, width 32, depth 10", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.StartsWith("log10 final std: tanh, width 32, depth 10", StringComparison.Ordinal));
        Assert.Contains("sigma_w (weight std x sqrt(fan_in))", texts);
        Assert.Contains("sigma_b (bias std)", texts);
        Assert.Contains("critical line (chi_1 = 1)", texts);
        string page = WebUtility.HtmlDecode(c.Html);
        var cells = c.Json["cells"]!.AsArray();
        Assert.Equal(15, cells.Count);
        foreach (var cell in cells)
            Assert.Contains($"<td class=\"num\">{Json.Format(Number(cell!["final_std"]!))}</td>", page);
    }

    [Fact]
    public void The_inspect_report_lists_every_tensor_with_its_verdict_and_draws_a_spectrum_against_Marchenko_Pastur()
    {
        var c = reports["inspect"];
        string page = WebUtility.HtmlDecode(c.Html);
        foreach (var t in c.Json["tensors"]!.AsArray())
            Assert.Matches($"<td>{Regex.Escape(t!["name"]!.GetValue<string>())}</td>(<td[^>]*>[^<]*</td>)*<td>{t["verdict"]!.GetValue<string>()}</td>", page);
        var texts = SvgTexts(c.Html);
        Assert.Contains("Marchenko-Pastur law (same entry variance)", texts);
        Assert.Contains("squared singular value λ = σ²", texts);
    }

    [Fact]
    public void The_probe_report_traces_every_node()
    {
        var c = reports["probe"];
        string page = WebUtility.HtmlDecode(c.Html);
        foreach (var node in c.Json["nodes"]!.AsArray())
            Assert.Contains($"<td>{node!["name"]!.GetValue<string>()}</td><td>{node["op"]!.GetValue<string>()}</td>", page);
        Assert.Contains(SvgTexts(c.Html), t => t.StartsWith("std: cnn.onnx", StringComparison.Ordinal));
    }

    [Fact]
    public void The_graph_report_traces_every_node_with_its_histogram_and_lists_the_blocks()
    {
        var c = reports["propagate-graph"];
        string page = WebUtility.HtmlDecode(c.Html);
        var nodes = c.Json["nodes"]!.AsArray();
        foreach (var node in nodes)
        {
            Assert.Contains($"<td>{node!["name"]!.GetValue<string>()}</td><td>{node["op"]!.GetValue<string>()}</td>", page);
            var h = node["histogram"]!;
            long total = h["counts"]!.AsArray().Sum(n => n!.GetValue<long>()) + h["zeros"]!.GetValue<long>() + h["nonfinite"]!.GetValue<long>();
            Assert.Equal(4 * node["shape"]!.AsArray().Aggregate(1L, (a, d) => a * d!.GetValue<long>()), total);
        }
        foreach (var block in c.Json["diagnosis"]!["blocks"]!.AsArray())
            Assert.Contains($"<td>{block!["block"]!.GetValue<string>()}</td>", page);
        var texts = SvgTexts(c.Html);
        Assert.Contains("std: resnet:blocks=2,width=8,size=8, batch 4", texts);
        Assert.Contains("node", texts);
    }

    [Fact]
    public void The_reproduce_report_says_how_many_experiments_agree_and_lists_each()
    {
        var c = reports["reproduce"];
        var experiments = c.Json["experiments"]!.AsArray();
        int agree = experiments.Count(e => e!["agrees"]!.GetValue<bool>());
        Assert.Contains($"{agree} of {experiments.Count} experiments agree with theory.", c.Html);
        foreach (var e in experiments) Assert.Contains($"<td>{e!["id"]!.GetValue<string>()}</td>", c.Html);
    }

    [Fact]
    public void A_report_path_is_checked_before_any_work()
    {
        var r = CliHarness.Run("propagate", "--act", "relu", "--width", "8", "--depth", "2", "--init", "kaiming_normal", "--report", "out.png");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--report must name a .html or .htm file", r.Err);
        string dir = Directory.CreateTempSubdirectory("initlab-report-dir-").FullName;
        try
        {
            var d = CliHarness.Run("sweep", "--act", "relu", "--width", "8", "--depth", "2", "--sigma-w", "1:2:2", "--report", dir);
            Assert.Equal(2, d.ExitCode);
            Assert.Empty(d.Out);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The text content of every &lt;text&gt; element of the SVG figures in <paramref name="html"/>.</summary>
    internal static List<string> SvgTexts(string html) =>
        Regex.Matches(html, "<text[^>]*>(.*?)</text>", RegexOptions.Singleline).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value).Trim()).ToList();

    /// <summary>A tick label: a number (1.5, -0.2, 1e-3), a power of ten (10⁻³, 2×10⁵), 0 or NaN/Inf.</summary>
    internal static bool IsTickLabel(string text) =>
        Regex.IsMatch(text, @"^(-?\d+(\.\d+)?([eE][-+]?\d+)?|(-?\d+(\.\d+)?×)?10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+|NaN/Inf)$");

    private static double Number(JsonNode n) => n.GetValueKind() == System.Text.Json.JsonValueKind.String
        ? double.Parse(n.GetValue<string>(), CultureInfo.InvariantCulture)
        : n.GetValue<double>();

    private static string Without(JsonObject doc, string key)
    {
        var copy = doc.DeepClone().AsObject();
        copy.Remove(key);
        return copy.ToJsonString();
    }
}
