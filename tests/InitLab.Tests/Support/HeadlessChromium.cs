using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace InitLab.Tests;

/// <summary>What loading a page in the browser showed.</summary>
/// <param name="Errors">Console errors, uncaught exceptions and browser log errors (CSP violations included).</param>
/// <param name="Requests">The URL of every request the page made (the page itself, data: URLs of inline images, ...).</param>
/// <param name="Text">The rendered text of the page (document.body.innerText).</param>
/// <param name="Figures">Width and height of every &lt;svg&gt; element as laid out.</param>
/// <param name="Screenshot">A PNG of the page's first 1300 x <c>height</c> pixels.</param>
internal sealed record PageLoad(IReadOnlyList<string> Errors, IReadOnlyList<string> Requests, string Text,
    IReadOnlyList<(double Width, double Height)> Figures, byte[] Screenshot);

/// <summary>
/// Debian's Chromium, headless, driven through the DevTools protocol over a pipe (<c>--remote-debugging-pipe</c>: the
/// browser reads commands on fd 3 and writes replies and events on fd 4, NUL-separated JSON): no port is opened and
/// nothing but the browser itself is needed (no npm, no Playwright). A fresh profile directory per browser, no network
/// features (no QUIC, background networking, component updates or sync).
/// </summary>
internal sealed class HeadlessChromium : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3); // a guard against a hung browser, not a timing the tests rely on
    private readonly Process _process;
    private readonly string _profile;
    private readonly BlockingCollection<JsonObject> _messages = new();
    private readonly Thread _reader;
    private int _nextId;

    /// <summary>The browser's path: Debian's /usr/bin/chromium (installed by the repository's test.sh).</summary>
    public static string Executable { get; } = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists) ?? "/usr/bin/chromium";

    public HeadlessChromium()
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"the browser tests need Debian's chromium at {Executable}: run ./test.sh, which installs it, or apt-get install chromium.");
        _profile = Directory.CreateTempSubdirectory("initlab-chromium-").FullName;
        string flags = string.Join(" ", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--mute-audio", $"--user-data-dir={_profile}",
            "--remote-debugging-pipe");
        // fd 3 <- our stdin (commands), fd 4 -> our stdout (replies); the browser's own stdout and stderr are discarded.
        var start = new ProcessStartInfo("/bin/sh", ["-c", $"exec \"{Executable}\" {flags} 3<&0 4>&1 </dev/null >/dev/null 2>/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("chromium did not start.");
        _reader = new Thread(Read) { IsBackground = true, Name = "chromium-pipe" };
        _reader.Start();
    }

    /// <summary>
    /// Opens <paramref name="path"/> in a fresh tab with a <paramref name="width"/> x <paramref name="height"/> viewport,
    /// waits for its load event, and reports its errors, requests, text, figure sizes and a screenshot.
    /// </summary>
    public PageLoad Load(string path, int width = 1300, int height = 2000)
    {
        string target = Call("Target.createTarget", new JsonObject { ["url"] = "about:blank" })["targetId"]!.GetValue<string>();
        string session = Call("Target.attachToTarget", new JsonObject { ["targetId"] = target, ["flatten"] = true })["sessionId"]!.GetValue<string>();
        var errors = new List<string>();
        var requests = new List<string>();
        bool loaded = false;
        void OnEvent(JsonObject m)
        {
            if (m["sessionId"]?.GetValue<string>() != session) return;
            var p = m["params"];
            switch (m["method"]?.GetValue<string>())
            {
                case "Runtime.consoleAPICalled" when p!["type"]!.GetValue<string>() is "error" or "assert":
                    errors.Add("console: " + p["args"]!.ToJsonString());
                    break;
                case "Runtime.exceptionThrown":
                    errors.Add("exception: " + p!["exceptionDetails"]!.ToJsonString());
                    break;
                case "Log.entryAdded" when p!["entry"]!["level"]!.GetValue<string>() == "error":
                    errors.Add("log: " + p["entry"]!["text"]!.GetValue<string>());
                    break;
                case "Network.requestWillBeSent":
                    requests.Add(p!["request"]!["url"]!.GetValue<string>());
                    break;
                case "Page.loadEventFired":
                    loaded = true;
                    break;
            }
        }
        foreach (string method in new[] { "Runtime.enable", "Log.enable", "Network.enable", "Page.enable" }) Call(method, null, session, OnEvent);
        Call("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false }, session, OnEvent);
        var navigation = Call("Page.navigate", new JsonObject { ["url"] = new Uri(Path.GetFullPath(path)).AbsoluteUri }, session, OnEvent);
        if (navigation["errorText"] is { } failure) throw new InvalidOperationException($"navigation failed: {failure}");
        WaitFor(() => loaded, OnEvent);
        string text = Evaluate(session, "document.body.innerText", OnEvent).GetValue<string>();
        var sizes = JsonNode.Parse(Evaluate(session,
            "JSON.stringify([...document.querySelectorAll('svg')].map(s => { const b = s.getBoundingClientRect(); return [b.width, b.height]; }))", OnEvent)
            .GetValue<string>())!.AsArray().Select(a => (a![0]!.GetValue<double>(), a[1]!.GetValue<double>())).ToList();
        var shot = Call("Page.captureScreenshot", new JsonObject { ["format"] = "png" }, session, OnEvent);
        byte[] png = Convert.FromBase64String(shot["data"]!.GetValue<string>());
        Call("Target.closeTarget", new JsonObject { ["targetId"] = target });
        return new PageLoad(errors, requests, text, sizes, png);
    }

    private JsonNode Evaluate(string session, string expression, Action<JsonObject> onEvent)
    {
        var r = Call("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true }, session, onEvent);
        if (r["exceptionDetails"] is { } e) throw new InvalidOperationException($"evaluating {expression}: {e.ToJsonString()}");
        return r["result"]!["value"]!;
    }

    /// <summary>Sends a command and returns its result, passing the events that arrive meanwhile to <paramref name="onEvent"/>.</summary>
    private JsonNode Call(string method, JsonObject? parameters, string? session = null, Action<JsonObject>? onEvent = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        if (session is not null) message["sessionId"] = session;
        var stdin = _process.StandardInput.BaseStream;
        stdin.Write(Encoding.UTF8.GetBytes(message.ToJsonString()));
        stdin.WriteByte(0);
        stdin.Flush();
        JsonNode? result = null;
        WaitFor(() => result is not null, m =>
        {
            if (m["id"]?.GetValue<int>() == id)
                result = m["error"] is { } error ? throw new InvalidOperationException($"{method}: {error.ToJsonString()}") : m["result"] ?? new JsonObject();
            else onEvent?.Invoke(m);
        });
        return result!;
    }

    /// <summary>Handles incoming messages until <paramref name="done"/> holds (a browser that stops answering fails the test after three minutes).</summary>
    private void WaitFor(Func<bool> done, Action<JsonObject> handle)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!done())
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_messages.TryTake(out var m, left))
                throw new TimeoutException(_messages.IsAddingCompleted ? "chromium exited." : "chromium did not answer within three minutes.");
            handle(m);
        }
    }

    private void Read()
    {
        var stdout = _process.StandardOutput.BaseStream;
        var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        try
        {
            int n;
            while ((n = stdout.Read(chunk)) > 0)
                for (int i = 0; i < n; i++)
                {
                    if (chunk[i] != 0)
                    {
                        buffer.WriteByte(chunk[i]);
                        continue;
                    }
                    if (JsonNode.Parse(buffer.ToArray()) is JsonObject m) _messages.Add(m);
                    buffer.SetLength(0);
                }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or JsonException or InvalidOperationException)
        {
            // the browser went away: WaitFor reports it
        }
        finally
        {
            _messages.CompleteAdding();
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Call("Browser.close", null);
                if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // a crash dump or lock file still open: left for the OS to clean
        }
    }
}
