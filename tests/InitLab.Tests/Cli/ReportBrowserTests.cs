using System.Globalization;
using System.Text.Json.Nodes;
using InitLab.Cli;
using SkiaSharp;

namespace InitLab.Tests.Cli;

/// <summary>One headless Chromium for the browser tests of a class.</summary>
public sealed class BrowserFixture : IDisposable
{
    private readonly Lazy<HeadlessChromium> _browser = new(() => new HeadlessChromium());

    internal HeadlessChromium Browser => _browser.Value;

    public void Dispose()
    {
        if (_browser.IsValueCreated) _browser.Value.Dispose();
    }
}

/// <summary>
/// Every report in a real browser (Debian's Chromium, headless, through the DevTools protocol): the page loads with no
/// console error, no exception and no request other than itself and its inline images; every figure has a size; the
/// key numbers of the JSON document are in the rendered text; and a screenshot is not blank.
/// Run alone with <c>dotnet test --filter Category=Browser</c>.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ReportBrowserTests(ReportFixture reports, BrowserFixture browser) : IClassFixture<ReportFixture>, IClassFixture<BrowserFixture>
{
    public static TheoryData<string> Names => ReportTests.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void The_page_loads_without_errors_or_network_requests_and_shows_its_figures_numbers_and_pixels(string name)
    {
        var c = reports[name];
        var page = browser.Browser.Load(c.Path);

        Assert.Empty(page.Errors);
        string self = new Uri(Path.GetFullPath(c.Path)).AbsoluteUri;
        Assert.Contains(self, page.Requests);
        Assert.All(page.Requests, url => Assert.True(url == self || url.StartsWith("data:image/png;base64,", StringComparison.Ordinal), $"the page requested {url}"));

        Assert.NotEmpty(page.Figures);
        Assert.All(page.Figures, f => Assert.True(f.Width > 200 && f.Height > 100, $"a figure is {f.Width} x {f.Height}"));

        foreach (string number in KeyNumbers(c)) Assert.Contains(number, page.Text);

        using var bitmap = SKBitmap.Decode(page.Screenshot);
        Assert.NotNull(bitmap);
        var background = bitmap.GetPixel(bitmap.Width - 1, bitmap.Height - 1);
        int differing = 0;
        var colors = new HashSet<uint>();
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
            {
                var p = bitmap.GetPixel(x, y);
                colors.Add((uint)p);
                if (p != background) differing++;
            }
        Assert.True(differing > bitmap.Width * bitmap.Height / 4 / 10, $"only {differing} sampled pixels differ from the background");
        Assert.True(colors.Count > 50, $"the screenshot has {colors.Count} colours");
    }

    [Fact]
    public void The_harness_sees_console_errors_exceptions_and_requests()
    {
        // The checks above can fail: a page that logs an error, throws and loads a file is caught on all three counts.
        string dir = Directory.CreateTempSubdirectory("initlab-bad-page-").FullName;
        try
        {
            string path = Path.Combine(dir, "bad.html");
            File.WriteAllText(path, "<!DOCTYPE html><html><body><p>x</p><img src=\"missing.png\"><script>console.error('broken'); throw new Error('thrown');</script></body></html>");
            var page = browser.Browser.Load(path, 400, 300);
            Assert.Contains(page.Errors, e => e.Contains("broken"));
            Assert.Contains(page.Errors, e => e.Contains("thrown"));
            Assert.Contains(page.Requests, url => url.EndsWith("/missing.png", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Numbers and words of the JSON document that the rendered page must show.</summary>
    private static IEnumerable<string> KeyNumbers(ReportCase c)
    {
        var doc = c.Json;
        switch (c.Name)
        {
            case "reproduce":
                var experiments = doc["experiments"]!.AsArray();
                yield return $"{experiments.Count(e => e!["agrees"]!.GetValue<bool>())} of {experiments.Count} experiments agree with theory.";
                foreach (var e in experiments) yield return e!["title"]!.GetValue<string>();
                break;
            case "propagate" or "propagate-meanfield":
                foreach (var run in doc["runs"]!.AsArray())
                {
                    yield return run!["diagnosis"]!["verdict"]!.GetValue<string>();
                    yield return $"std x{Json.Format(Number(run["diagnosis"]!["growth_per_layer"]!))} per layer";
                    yield return Json.Format(Number(run["layers"]!.AsArray()[^1]!["std"]!));
                }
                break;
            case "propagate-graph":
                yield return doc["diagnosis"]!["verdict"]!.GetValue<string>();
                foreach (var node in doc["nodes"]!.AsArray()) yield return Json.Format(Number(node!["std"]!));
                break;
            case "sweep" or "merge":
                foreach (var cell in doc["cells"]!.AsArray()) yield return Json.Format(Number(cell!["final_std"]!));
                break;
            case "inspect":
                foreach (var t in doc["tensors"]!.AsArray()) yield return t!["name"]!.GetValue<string>();
                break;
            case "probe" or "probe-compare":
                yield return doc["diagnosis"]!["verdict"]!.GetValue<string>();
                foreach (var node in doc["nodes"]!.AsArray()) yield return Json.Format(Number(node!["std"]!));
                break;
            default:
                throw new ArgumentException(c.Name);
        }
        yield return doc["config"]!["initlab_version"]!.GetValue<string>();
    }

    private static double Number(JsonNode n) => n.GetValueKind() == System.Text.Json.JsonValueKind.String
        ? double.Parse(n.GetValue<string>(), CultureInfo.InvariantCulture)
        : n.GetValue<double>();
}
